from odoo import api, fields, models
from odoo.exceptions import AccessError

SETTINGS_FIELDS = (
    "leads_management_enabled",
    "leads_auto_create_client",
    "leads_calling_enabled",
)
# Calls and SMS on the business's Twilio number.
TWILIO_FIELDS = (
    "leads_call_forward_number",
    "leads_voicemail_greeting",
    "leads_missed_call_sms",
    "leads_missed_call_sms_body",
)
TWILIO_STATUS_FIELDS = (
    "leads_status_on_call_answered",
    "leads_status_on_call_missed",
    "leads_status_on_voicemail",
    "leads_status_on_sms_received",
)


class LeadsSettings(models.TransientModel):
    """Leads settings of the current business, for Lead Settings managers.

    Odoo's Settings page is for administrators only; this page lets the
    `group_lead_settings` role manage the Leads part of their businesses.
    """

    _name = "leads.settings"
    _description = "Leads Settings"

    company_id = fields.Many2one(
        "res.company",
        string="Business",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    leads_management_enabled = fields.Boolean(string="Leads Management")
    leads_auto_create_client = fields.Boolean(string="Auto-create Client Profiles")
    leads_calling_enabled = fields.Boolean(string="Calling from the Web (Beta)")
    leads_webhook_secret = fields.Char(string="Webhook Secret", readonly=True)
    leads_webhook_secret_previous_expiry = fields.Datetime(
        string="Previous Secret Accepted Until", readonly=True
    )

    leads_call_forward_number = fields.Char(string="Forward Calls To")
    leads_voicemail_greeting = fields.Char(string="Voicemail Greeting")
    leads_missed_call_sms = fields.Boolean(string="Text Back Missed Calls")
    leads_missed_call_sms_body = fields.Char(string="Missed-call SMS")
    leads_status_on_call_answered = fields.Many2one(
        "leads.action.status", string="Status When a Call Is Answered"
    )
    leads_status_on_call_missed = fields.Many2one(
        "leads.action.status", string="Status When a Call Is Missed"
    )
    leads_status_on_voicemail = fields.Many2one(
        "leads.action.status", string="Status When a Voicemail Is Left"
    )
    leads_status_on_sms_received = fields.Many2one(
        "leads.action.status", string="Status When an SMS Is Received"
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

    @api.depends("company_id")
    def _compute_leads_twilio_urls(self):
        for settings in self:
            urls = settings.company_id._leads_twilio_webhook_urls()
            settings.leads_twilio_sms_url = urls["sms"]
            settings.leads_twilio_voice_url = urls["voice"]
            settings.leads_twilio_outcome_url = urls["outcome"]

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env.company.sudo()
        for fname in (*SETTINGS_FIELDS, *TWILIO_FIELDS, "leads_webhook_secret"):
            if fname in fields_list:
                values[fname] = company[fname]
        for fname in TWILIO_STATUS_FIELDS:
            if fname in fields_list:
                values[fname] = company[fname].id
        if "leads_webhook_secret_previous_expiry" in fields_list:
            values["leads_webhook_secret_previous_expiry"] = (
                company._leads_webhook_previous_expiry()
            )
        return values

    def _compute_display_name(self):
        for settings in self:
            settings.display_name = self.env._("Leads Settings")

    # Saving the page applies it, whichever way it is saved (the form's save
    # icon, Save, or a button that saves first), as on Odoo's Settings page.
    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._apply()
        return records

    def write(self, vals):
        res = super().write(vals)
        self._apply()
        return res

    def _check_company(self):
        self.ensure_one()
        if self.company_id not in self.env.companies:
            raise AccessError(self.env._("You can only change your own businesses."))

    def _apply(self):
        for settings in self:
            settings._check_company()
            settings.company_id.sudo().write(
                {fname: settings[fname] for fname in (*SETTINGS_FIELDS, *TWILIO_FIELDS)}
                | {fname: settings[fname].id for fname in TWILIO_STATUS_FIELDS}
            )

    def action_save(self):
        # The web client saved the record (and so applied it) before calling.
        self._apply()
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_regenerate_webhook_secret(self):
        self._check_company()
        self.company_id.action_regenerate_leads_webhook_secret()
        return self._reopen()

    def action_revoke_previous_webhook_secret(self):
        self._check_company()
        self.company_id.action_revoke_leads_webhook_previous_secret()
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "view_mode": "form",
            "target": "current",
            "name": self.env._("Leads Settings"),
        }
