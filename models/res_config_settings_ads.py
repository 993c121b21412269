from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    """Google Ads lead forms and Stripe in the Leads settings: the endpoint
    URLs to give them, the Google key and the Stripe signing secret."""

    _inherit = "res.config.settings"

    leads_google_ads_url = fields.Char(
        string="Google Ads Webhook URL", compute="_compute_leads_ads_urls"
    )
    leads_stripe_url = fields.Char(
        string="Stripe Endpoint URL", compute="_compute_leads_ads_urls"
    )
    leads_google_ads_key = fields.Char(
        related="company_id.leads_google_ads_key",
        groups="leads_management.group_lead_settings",
    )
    leads_stripe_webhook_secret = fields.Char(
        related="company_id.leads_stripe_webhook_secret",
        readonly=False,
        groups="leads_management.group_lead_settings",
    )

    @api.depends("company_id")
    def _compute_leads_ads_urls(self):
        for settings in self:
            urls = settings.company_id._leads_ads_webhook_urls()
            settings.leads_google_ads_url = urls["google_ads"]
            settings.leads_stripe_url = urls["stripe"]

    def action_regenerate_leads_google_ads_key(self):
        self.company_id.action_regenerate_leads_google_ads_key()
        return {"type": "ir.actions.client", "tag": "reload"}
