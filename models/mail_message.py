from odoo import api, models
from odoo.fields import Domain
from odoo.orm.domains import DomainAnd, DomainCondition


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _leads_required_groups(self, operation):
        """The Leads groups needed for ``operation`` on this lead message."""
        self.ensure_one()
        if operation == "read":
            return ("group_lead_view_history",)
        internal = self.is_internal or self.subtype_id.internal
        if operation == "create":
            if self.message_type == "sms":
                return ("group_lead_message",)
            if not internal or self.partner_ids:
                # Whatever its type, it reaches people outside by email.
                return ("group_lead_email",)
            return ("group_lead_edit_tasks",)
        # Editing or deleting: the notes staff wrote, by who can see them. The
        # record the system keeps (stage changes, conversions, inbound calls and
        # SMS, sent messages) is for managers only.
        if internal and self.message_type == "comment":
            return ("group_lead_view_history", "group_lead_edit_tasks")
        return ("group_lead_manager",)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if self.env.su or not self:
            return result
        allowed = result[0] if result else self.browse()
        Lead = self.env["leads.lead"]
        author = self.env.user.partner_id
        forbidden = self.browse(
            message.id
            for message in (self - allowed).sudo()
            if message.model == "leads.lead"
            # What users wrote themselves (e.g. the emails of a mass mailing)
            # is not history hidden from them.
            and not (operation == "read" and message.author_id == author)
            and not all(
                Lead._leads_has_group(group)
                for group in message._leads_required_groups(operation)
            )
        )
        if not forbidden:
            return result
        if result:
            return (result[0] | forbidden, result[1])
        return (forbidden, lambda: forbidden._make_access_error(operation))

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
