from odoo import api, models
from odoo.fields import Domain
from odoo.orm.domains import DomainAnd, DomainCondition


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _check_access(self, operation):
        result = super()._check_access(operation)
        Policy = self.env["leads.chatter.policy"]
        author = self.env.user.partner_id

        def rule_of(message):
            if message.model != "leads.lead":
                return None
            if operation == "read" and message.author_id == author:
                # What users wrote themselves (e.g. the emails of a mass
                # mailing) is not history hidden from them.
                return None
            return Policy._message_rule(message, operation)

        return Policy._restrict(self, result, rule_of)

    @api.model
    def _leads_res_ids_in(self, domain):
        """Lead ids a domain pins down with ``res_id`` conditions, else None."""
        domain = Domain(domain)
        conditions = domain.children if isinstance(domain, DomainAnd) else [domain]
        ids = None
        for cond in conditions:
            if isinstance(cond, DomainCondition) and cond.field_expr == "res_id":
                if cond.operator == "=":
                    ids = {cond.value}
                elif cond.operator == "in":
                    ids = set(cond.value)
        return ids

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        if not self.env.su:
            Lead = self.env["leads.lead"]
            if not Lead._leads_has_group("group_lead_view_history"):
                domain = Domain(domain) & Domain("model", "!=", "leads.lead")
            elif not Lead._leads_can_list():
                # Individual scope reads the history of the lead it opened,
                # never the messages of every lead.
                ids = self._leads_res_ids_in(domain) or set()
                domain = Domain(domain) & (
                    Domain("model", "!=", "leads.lead")
                    | Domain("res_id", "in", list(ids))
                )
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )
