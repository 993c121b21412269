import secrets
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_datetime

from ..tools import twilio as twilio_tools
from ..tools.phone_key import leads_phone_key

# After a regeneration the senders still signing with the previous secret are
# accepted this long, so that they can be switched over without losing events.
WEBHOOK_SECRET_GRACE = timedelta(hours=24)


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

    leads_webhook_secret_previous = fields.Char(
        string="Previous Webhook Secret",
        copy=False,
        groups="leads_management.group_lead_settings",
        help="The secret replaced by the last regeneration, still accepted until "
        "its expiry.",
    )
    leads_webhook_secret_previous_expiry = fields.Datetime(
        string="Previous Secret Accepted Until",
        copy=False,
        groups="leads_management.group_lead_settings",
    )

    # Twilio: calls and SMS on the business number (controllers/twilio.py)
    leads_call_forward_number = fields.Char(
        string="Forward Calls To",
        help="The phone that rings when someone calls your Twilio number, in "
        "international format (e.g. +14155550100). Without one, callers reach "
        "the voicemail.",
    )
    leads_voicemail_greeting = fields.Char(
        string="Voicemail Greeting",
        translate=True,
        default=lambda self: self.env._(
            "Sorry, we cannot take your call right now. Please leave a message "
            "after the beep and we will call you back."
        ),
        help="Read to callers when nobody answers, before they leave a message.",
    )
    leads_missed_call_sms = fields.Boolean(
        string="Text Back Missed Calls",
        default=False,
        help="Send one SMS from your Twilio number to callers whose call was "
        "not answered.",
    )
    leads_missed_call_sms_body = fields.Char(
        string="Missed-call SMS",
        translate=True,
        default=lambda self: self.env._(
            "Sorry we missed your call! Reply to this message and we will get "
            "back to you shortly."
        ),
    )
    leads_status_on_call_answered = fields.Many2one(
        "leads.action.status",
        string="Status When a Call Is Answered",
        ondelete="set null",
        help="Set on the caller's lead; empty: the status does not change.",
    )
    leads_status_on_call_missed = fields.Many2one(
        "leads.action.status",
        string="Status When a Call Is Missed",
        ondelete="set null",
        help="Set on the caller's lead; empty: the status does not change.",
    )
    leads_status_on_voicemail = fields.Many2one(
        "leads.action.status",
        string="Status When a Voicemail Is Left",
        ondelete="set null",
        help="Set on the caller's lead; empty: the status does not change.",
    )
    leads_status_on_sms_received = fields.Many2one(
        "leads.action.status",
        string="Status When an SMS Is Received",
        ondelete="set null",
        help="Set on the sender's lead; empty: the status does not change.",
    )

    def _leads_generate_webhook_secret(self, keep_previous=True):
        """Give each business a new secret; the replaced one stays valid for
        WEBHOOK_SECRET_GRACE unless ``keep_previous`` is False."""
        expiry = fields.Datetime.now() + WEBHOOK_SECRET_GRACE
        for company in self.sudo():
            previous = keep_previous and company.leads_webhook_secret
            company.write(
                {
                    "leads_webhook_secret": _new_webhook_secret(),
                    "leads_webhook_secret_previous": previous or False,
                    "leads_webhook_secret_previous_expiry": previous and expiry,
                }
            )

    def cache_invalidation_fields(self):
        # _leads_phone_region, _leads_twilio_numbers
        return super().cache_invalidation_fields() | {
            "partner_id",
            "sms_twilio_account_sid",
        }

    def _leads_phone_country(self):
        """Default region of the business's phone numbers: its address country."""
        self.ensure_one()
        return self.env["res.country"].browse(self._leads_phone_region()[0])

    @tools.ormcache("self.id")
    def _leads_phone_region(self):
        """``(country id, ISO code, dialling code)`` of the business's address.

        Cached: every webhook event and every imported row needs it. Read from
        the business's partner (``res.company.country_id`` computes the whole
        address); res.partner and res.country clear the cache when it changes.
        sudo: a business's own country is no secret.
        """
        self.ensure_one()
        country = self.sudo().partner_id.country_id
        return country.id, country.code, country.phone_code

    def _leads_phone_key(self, number):
        """E.164 form of ``number``, the business's country as default region.

        What the ``phone_sanitized`` compute stores for the business's leads
        (``_phone_format``), without reading a record per number. False when
        ``number`` has no E.164 form.
        """
        _country_id, code, phone_code = self._leads_phone_region()
        return leads_phone_key(number, code, phone_code)

    def _leads_webhook_previous_expiry(self):
        """Until when the previous secret is accepted, or False once expired."""
        self.ensure_one()
        company = self.sudo()
        expiry = company.leads_webhook_secret_previous_expiry
        if company.leads_webhook_secret_previous and expiry:
            return expiry if expiry > fields.Datetime.now() else False
        return False

    def _leads_webhook_secrets(self):
        """The secrets a signature may match now: the current one, and the
        previous one during its grace period."""
        self.ensure_one()
        company = self.sudo()
        if not company.leads_webhook_secret:
            # An emptied secret refuses everything, the previous one included.
            return []
        valid = [company.leads_webhook_secret]
        if self._leads_webhook_previous_expiry():
            valid.append(company.leads_webhook_secret_previous)
        return valid

    def _leads_check_settings_manager(self):
        if not self.env.user.has_group("leads_management.group_lead_settings"):
            raise AccessError(
                self.env._(
                    "Only Leads settings managers can change the webhook secret."
                )
            )

    def action_regenerate_leads_webhook_secret(self):
        self._leads_check_settings_manager()
        for company in self:
            expiry = company._leads_webhook_previous_expiry()
            if expiry:
                # A new secret now would replace the one the senders still
                # sign with (the previous) by one none of them has yet.
                raise UserError(
                    self.env._(
                        "The previous webhook secret of %(company)s is still "
                        "accepted until %(expiry)s while your senders switch to "
                        "the current one. Regenerating now would refuse it at "
                        "once: wait until then, or use Revoke Now first if it "
                        "must stop working.",
                        company=company.name,
                        expiry=format_datetime(self.env, expiry),
                    )
                )
        self._leads_generate_webhook_secret()
        return True

    def action_revoke_leads_webhook_previous_secret(self):
        """Refuse the previous secret at once (when it leaked)."""
        self._leads_check_settings_manager()
        self.sudo().write(
            {
                "leads_webhook_secret_previous": False,
                "leads_webhook_secret_previous_expiry": False,
            }
        )
        return True

    @api.constrains("leads_call_forward_number")
    def _check_leads_call_forward_number(self):
        for company in self:
            number = company.leads_call_forward_number
            if number and not company._leads_phone_key(number):
                raise ValidationError(
                    self.env._(
                        "The number to forward calls to is not a valid phone "
                        "number: %(number)s. Write it in international format, "
                        "e.g. +14155550100.",
                        number=number,
                    )
                )

    def _leads_call_forward_key(self):
        """E.164 form of the number calls are forwarded to; False without one."""
        self.ensure_one()
        return self._leads_phone_key(self.leads_call_forward_number)

    @api.model
    def _leads_twilio_company(self, account_sid, to):
        """The active business of Twilio account ``account_sid`` that owns the
        number ``to`` (compared in E.164, in sms_twilio's order of numbers);
        empty when there is none.

        sudo: the account SID and the auth token are the administrators'.
        """
        Company = self.sudo().browse()
        to_key = leads_phone_key(to, None, None)
        if not (account_sid and to_key):
            return Company
        for company_id, key in self._leads_twilio_numbers(account_sid):
            if key == to_key:
                return Company.browse(company_id)
        return Company

    @api.model
    @tools.ormcache("account_sid")
    def _leads_twilio_numbers(self, account_sid):
        """``(business id, E.164 number)`` of the Twilio numbers of the active
        businesses on ``account_sid``.

        Cached: every Twilio request looks its business up by number; the
        numbers and the businesses clear the cache when they change.
        """
        self.env.cr.execute(
            """
            SELECT number.company_id, number.number
              FROM sms_twilio_number number
              JOIN res_company company ON company.id = number.company_id
             WHERE company.sms_twilio_account_sid = %s AND company.active
             ORDER BY number.sequence, number.id
            """,
            [account_sid],
        )
        return tuple(
            (company_id, leads_phone_key(number, None, None))
            for company_id, number in self.env.cr.fetchall()
        )

    def _leads_twilio_webhook_urls(self):
        """The URLs to paste into Twilio's console (and the outcome one that
        the answers give Twilio): the base URL Twilio must sign."""
        self.ensure_one()
        base = (self.get_base_url() or "").rstrip("/")
        return {
            "sms": base + twilio_tools.SMS_PATH,
            "voice": base + twilio_tools.VOICE_PATH,
            "outcome": base + twilio_tools.OUTCOME_PATH,
        }
