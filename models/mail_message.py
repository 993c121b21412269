from odoo import api, models
from odoo.fields import Domain


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _leads_required_group(self, operation):
        """The Leads group needed for ``operation`` on this lead message."""
        self.ensure_one()
        if operation == "read":
            return "group_lead_view_history"
        if operation == "create":
            if self.message_type == "sms":
                return "group_lead_message"
            if self.message_type == "comment" and not (
                self.is_internal or self.subtype_id.internal
            ):
                return "group_lead_email"
        # Notes, reminders and their edition or deletion.
        return "group_lead_edit_tasks"

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if self.env.su or not self:
            return result
        allowed = result[0] if result else self.browse()
        Lead = self.env["leads.lead"]
        forbidden = self.browse(
            message.id
            for message in (self - allowed).sudo()
            if message.model == "leads.lead"
            and not Lead._leads_has_group(message._leads_required_group(operation))
        )
        if not forbidden:
            return result
        if result:
            return (result[0] | forbidden, result[1])
        return (forbidden, lambda: forbidden._make_access_error(operation))

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        if (
            not self.env.su
            and not kwargs.get("bypass_access")
            and not self.env["leads.lead"]._leads_has_group("group_lead_view_history")
        ):
            domain = Domain(domain) & Domain("model", "!=", "leads.lead")
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )
