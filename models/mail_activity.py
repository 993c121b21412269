from odoo import api, models
from odoo.fields import Domain


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _check_access(self, operation):
        result = super()._check_access(operation)
        Policy = self.env["leads.chatter.policy"]
        rule = Policy._activity_rule(operation)
        return Policy._restrict(
            self,
            result,
            lambda activity: rule if activity.res_model == "leads.lead" else None,
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        if not self.env.su and not kwargs.get("bypass_access"):
            Lead = self.env["leads.lead"]
            if not Lead._leads_has_group("group_lead_view_tasks"):
                domain = Domain(domain) & Domain("res_model", "!=", "leads.lead")
            else:
                # Tasks of leads outside the user's scope stay hidden, even
                # when assigned to the user.
                scope = self.env["ir.rule"]._compute_domain("leads.lead", "read")
                readable = (
                    Lead.sudo()
                    .with_context(active_test=False)
                    ._search(Domain(scope) if scope else Domain.TRUE)
                )
                domain = Domain(domain) & (
                    Domain("res_model", "!=", "leads.lead")
                    | Domain("res_id", "in", readable)
                )
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )
