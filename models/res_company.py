import secrets

from odoo import fields, models
from odoo.exceptions import AccessError


def _new_webhook_secret():
    return secrets.token_urlsafe(32)


class ResCompany(models.Model):
    _inherit = "res.company"

    leads_management_enabled = fields.Boolean(
        string="Leads Management",
        default=True,
        help="New inquiries become leads and the Add Lead button is shown. When off, "
        "existing leads stay available with every action.",
    )
    leads_auto_create_client = fields.Boolean(
        string="Auto-create Client Profiles",
        default=True,
        help="When Leads Management is off, calls and messages from unknown numbers "
        "create client profiles directly.",
    )
    leads_calling_enabled = fields.Boolean(
        string="Calling from the Web (Beta)",
        default=False,
        help="Allow staff to call leads from the lead profile.",
    )
    leads_webhook_secret = fields.Char(
        string="Webhook Secret",
        default=lambda self: _new_webhook_secret(),
        copy=False,
        groups="leads_management.group_lead_settings",
        help="Key that signs the webhook requests of your telephony and booking "
        "systems (HMAC-SHA256).",
    )

    def _leads_generate_webhook_secret(self):
        for company in self:
            company.sudo().leads_webhook_secret = _new_webhook_secret()

    def action_regenerate_leads_webhook_secret(self):
        if not self.env.user.has_group("leads_management.group_lead_settings"):
            raise AccessError(
                self.env._(
                    "Only Leads settings managers can regenerate the webhook secret."
                )
            )
        self._leads_generate_webhook_secret()
        return True
