from odoo import api, models
from odoo.exceptions import UserError


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_leads_webhook_user(self):
        """Every webhook event is processed as this technical user: without
        it, each event would be refused (and lost for senders that do not
        retry a refusal)."""
        runner = self.env.ref(
            "leads_management.user_leads_webhook", raise_if_not_found=False
        )
        if runner and runner in self:
            raise UserError(
                self.env._(
                    "The Leads Webhook user processes every webhook event of "
                    "Leads Management: it cannot be deleted (it is already "
                    "inactive and cannot log in)."
                )
            )
