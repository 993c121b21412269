from odoo import api, fields, models


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

    leads_call_forward_number = fields.Char(
        related="company_id.leads_call_forward_number", readonly=False
    )
    leads_voicemail_greeting = fields.Char(
        related="company_id.leads_voicemail_greeting", readonly=False
    )
    leads_missed_call_sms = fields.Boolean(
        related="company_id.leads_missed_call_sms", readonly=False
    )
    leads_missed_call_sms_body = fields.Char(
        related="company_id.leads_missed_call_sms_body", readonly=False
    )
    leads_status_on_call_answered = fields.Many2one(
        related="company_id.leads_status_on_call_answered", readonly=False
    )
    leads_status_on_call_missed = fields.Many2one(
        related="company_id.leads_status_on_call_missed", readonly=False
    )
    leads_status_on_voicemail = fields.Many2one(
        related="company_id.leads_status_on_voicemail", readonly=False
    )
    leads_status_on_sms_received = fields.Many2one(
        related="company_id.leads_status_on_sms_received", readonly=False
    )
    leads_twilio_sms_url = fields.Char(
        string="SMS URL", compute="_compute_leads_twilio_urls"
    )
    leads_twilio_voice_url = fields.Char(
        string="Voice URL", compute="_compute_leads_twilio_urls"
    )
    leads_twilio_outcome_url = fields.Char(
        string="Call Outcome URL", compute="_compute_leads_twilio_urls"
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

    @api.depends("company_id")
    def _compute_leads_twilio_urls(self):
        for settings in self:
            urls = settings.company_id._leads_twilio_webhook_urls()
            settings.leads_twilio_sms_url = urls["sms"]
            settings.leads_twilio_voice_url = urls["voice"]
            settings.leads_twilio_outcome_url = urls["outcome"]

    def action_regenerate_leads_webhook_secret(self):
        self.company_id.action_regenerate_leads_webhook_secret()
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_revoke_leads_webhook_previous_secret(self):
        self.company_id.action_revoke_leads_webhook_previous_secret()
        return {"type": "ir.actions.client", "tag": "reload"}
