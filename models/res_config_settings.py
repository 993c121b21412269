from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    leads_management_enabled = fields.Boolean(
        related="company_id.leads_management_enabled", readonly=False
    )
    leads_auto_create_client = fields.Boolean(
        related="company_id.leads_auto_create_client", readonly=False
    )
    leads_calling_enabled = fields.Boolean(
        related="company_id.leads_calling_enabled", readonly=False
    )
    leads_webhook_secret = fields.Char(
        related="company_id.leads_webhook_secret",
        groups="leads_management.group_lead_settings",
    )

    leads_webhook_secret_previous_expiry = fields.Datetime(
        string="Previous Secret Accepted Until",
        compute="_compute_leads_webhook_secret_previous_expiry",
        groups="leads_management.group_lead_settings",
    )

    def _compute_leads_webhook_secret_previous_expiry(self):
        for settings in self:
            settings.leads_webhook_secret_previous_expiry = (
                settings.company_id._leads_webhook_previous_expiry()
            )

    def action_regenerate_leads_webhook_secret(self):
        self.company_id.action_regenerate_leads_webhook_secret()
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_revoke_leads_webhook_previous_secret(self):
        self.company_id.action_revoke_leads_webhook_previous_secret()
        return {"type": "ir.actions.client", "tag": "reload"}
