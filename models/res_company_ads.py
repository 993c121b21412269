import secrets

from odoo import fields, models


def _new_google_ads_key():
    return secrets.token_urlsafe(24)


class ResCompany(models.Model):
    """The keys of the ad and payment senders (Google Ads lead forms, Stripe)."""

    _inherit = "res.company"

    leads_google_ads_key = fields.Char(
        string="Google Ads Lead Form Key",
        copy=False,
        default=lambda self: _new_google_ads_key(),
        groups="leads_management.group_lead_settings",
        help="The key Google Ads sends with each lead form submission (the "
        "webhook's Key in the lead form).",
    )
    leads_stripe_webhook_secret = fields.Char(
        string="Stripe Signing Secret",
        copy=False,
        groups="leads_management.group_lead_settings",
        help="The signing secret (whsec_...) of the webhook endpoint in "
        "Stripe's dashboard.",
    )

    def _leads_generate_google_ads_key(self):
        for company in self.sudo():
            company.leads_google_ads_key = _new_google_ads_key()

    def action_regenerate_leads_google_ads_key(self):
        self._leads_check_settings_manager()
        self._leads_generate_google_ads_key()
        return True

    def _leads_ads_webhook_urls(self):
        """The endpoints to give Google Ads and Stripe."""
        self.ensure_one()
        base = self.get_base_url().rstrip("/")
        return {
            "google_ads": f"{base}/leads/v1/companies/{self.id}/google-ads",
            "stripe": f"{base}/leads/v1/companies/{self.id}/stripe",
        }
