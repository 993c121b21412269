from markupsafe import Markup

from odoo import api, fields, models

from ..tools import twilio as twilio_tools
from ..tools.webhook_payload import (
    EVENT_TYPES,
    MAX_ID,
    EventType,
    InvalidPayload,
    check_str,
)

# Internal event types of the Twilio adapter, beside the webhook schema's.
TWILIO_EVENT_TYPES = {
    **EVENT_TYPES,
    "call.outcome": EventType("call_outcome", "call", phone_only=True),
}
OUTCOMES = ("answered", "missed", "voicemail")
OUTCOME_RESULTS = {
    "answered": "call_answered",
    "missed": "call_missed",
    "voicemail": "voicemail_left",
}
OUTCOME_STATUS_FIELDS = {
    "answered": "leads_status_on_call_answered",
    "missed": "leads_status_on_call_missed",
    "voicemail": "leads_status_on_voicemail",
}
MAX_URL = 2048


def _check_url(value, field):
    """An https link (what Twilio sends for media and recordings); never a
    ``javascript:`` or other scheme in the history."""
    value = check_str(value, field, MAX_URL)
    if value is not None and not value.lower().startswith("https://"):
        raise InvalidPayload(field, "must be an https URL")
    return value


class LeadsInboundEvent(models.Model):
    """Twilio's calls and SMS on the business number (controllers/twilio.py
    translates them): opt-out keywords, call outcomes, automatic statuses and
    the missed-call SMS."""

    _inherit = "leads.inbound.event"

    result = fields.Selection(
        selection_add=[
            ("call_answered", "Call answered"),
            ("call_missed", "Call missed"),
            ("voicemail_left", "Voicemail left"),
            ("sms_opted_out", "Opted out of SMS"),
            ("sms_opted_in", "Opted in to SMS"),
        ]
    )

    @api.model
    def _get_event_types(self, provider):
        if provider == "twilio":
            return TWILIO_EVENT_TYPES
        return super()._get_event_types(provider)

    @api.model
    def _validate_provider_data(self, provider, payload):
        if provider != "twilio":
            return super()._validate_provider_data(provider, payload)
        values = payload.get("twilio")
        if values is None:
            values = {}
        if not isinstance(values, dict):
            raise InvalidPayload("twilio", "must be an object")
        media = values.get("media_urls") or []
        if not isinstance(media, list) or len(media) > twilio_tools.MAX_MEDIA:
            raise InvalidPayload("twilio.media_urls", "must be a list of links")
        duration = values.get("recording_duration")
        if duration is not None and (
            isinstance(duration, bool)
            or not isinstance(duration, int)
            or not 0 <= duration < 2**31
        ):
            raise InvalidPayload(
                "twilio.recording_duration", "must be a number of seconds"
            )
        data = {
            "media_urls": [
                _check_url(url, f"twilio.media_urls[{index}]")
                for index, url in enumerate(media)
            ],
            "opt": None,
            "call_id": check_str(values.get("call_id"), "twilio.call_id", MAX_ID),
            "outcome": values.get("outcome"),
            "recording_url": _check_url(
                values.get("recording_url"), "twilio.recording_url"
            ),
            "recording_duration": duration,
        }
        if payload.get("type") == "sms.inbound":
            data["opt"] = twilio_tools.opt_keyword(payload.get("message"))
        if payload.get("type") == "call.outcome":
            if data["outcome"] not in OUTCOMES:
                raise InvalidPayload(
                    "twilio.outcome", "must be one of " + ", ".join(OUTCOMES)
                )
            if not data["call_id"]:
                raise InvalidPayload("twilio.call_id", "is required")
        return {"twilio": data}

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    def _dispatch(self, data):
        if data["provider"] != "twilio":
            return super()._dispatch(data)
        if data["type"] == "call.outcome":
            return self._process_call_outcome(data)
        if data["twilio"]["opt"]:
            return self._process_sms_opt(data)
        result, lead, partner = super()._dispatch(data)
        if data["type"] == "sms.inbound":
            self._set_automatic_status(
                lead, self.company_id.leads_status_on_sms_received
            )
        return result, lead, partner

    def _process_sms_opt(self, data):
        """STOP and START: the number goes on or off Odoo's phone blacklist
        (SMS and mass SMS skip it), logged on the caller's lead or client.
        Never a new lead: an opt-out is not an inquiry."""
        phone, raw_phone, _email = self._contact_keys(data)
        number = phone or raw_phone
        # sudo: the blacklist is the administrators'; a verified opt-out from
        # the business's own number is what carriers require it to honour.
        blacklist = self.env["phone.blacklist"].sudo()
        if data["twilio"]["opt"] == "out":
            blacklist._add(
                [number], message=self.env._("Opted out by SMS (%s).", data["message"])
            )
            result = "sms_opted_out"
        else:
            blacklist._remove(
                [number], message=self.env._("Opted in by SMS (%s).", data["message"])
            )
            result = "sms_opted_in"
        lead, partner = self._touch_and_find_contact(data, phone, raw_phone, False)
        record = lead or partner
        if record:
            self._log_on_record(record, data)
        return result, lead, partner

    def _process_call_outcome(self, data):
        """How a call ended: in the history of the call's lead or client, the
        business's automatic status for it, and the missed-call SMS."""
        company = self.company_id
        twilio = data["twilio"]
        lead, partner = self._find_call_records(data)
        record = lead or partner
        if record:
            self._log_on_record(record, data)
        outcome = twilio["outcome"]
        self._set_automatic_status(lead, company[OUTCOME_STATUS_FIELDS[outcome]])
        if outcome == "missed" and company.leads_missed_call_sms:
            self._queue_missed_call_sms(data, record)
        return OUTCOME_RESULTS[outcome], lead, partner

    def _set_automatic_status(self, lead, status):
        """The business's status for what just happened; none by default, so
        that a lead's status stays what staff set."""
        if lead and status:
            lead.write({"action_status_id": status.id})

    def _find_call_records(self, data):
        """``(lead, client)`` the call itself was logged on; the open lead or
        client of its number when the call is not known."""
        company = self.company_id
        Lead = self.env["leads.lead"].with_company(company)
        Partner = self.env["res.partner"].with_company(company)
        call = self.search_fetch(
            [
                ("company_id", "=", company.id),
                ("provider", "=", "twilio"),
                ("external_id", "=", data["twilio"]["call_id"]),
            ],
            ["lead_id", "partner_id"],
            limit=1,
        )
        if call.lead_id or call.partner_id:
            return call.lead_id.with_company(company), call.partner_id
        if not (company.leads_management_enabled or company.leads_auto_create_client):
            return Lead, Partner
        phone, raw_phone, _email = self._contact_keys(data)
        return self._touch_and_find_contact(data, phone, raw_phone, False)

    def _queue_missed_call_sms(self, data, record):
        """One SMS back to a missed caller, from the business number.

        Queued in this transaction (once: the outcome event is stored once
        per call) and sent by Odoo's SMS queue after commit, through the
        business's SMS provider.
        """
        company = self.company_id
        phone, raw_phone, _email = self._contact_keys(data)
        number = phone or raw_phone
        body = company.leads_missed_call_sms_body
        # sudo: the blacklist is the administrators'; an opted-out caller
        # gets nothing.
        blacklisted = (
            self.env["phone.blacklist"].sudo().search_count([("number", "=", number)])
        )
        if not (number and body) or blacklisted:
            return None
        # sudo: the webhook user sends no SMS of its own; this one is the
        # business's setting, to the number that just called it.
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create(
                {
                    "number": number,
                    "body": body,
                    "state": "outgoing",
                    "record_company_id": company.id,
                }
            )
        )
        if record:
            record.sudo()._message_log(
                body=Markup("<p>%s</p><p>%s</p>")
                % (self.env._("Missed-call SMS sent"), body)
            )
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
        return sms

    # ------------------------------------------------------------------
    # History
    # ------------------------------------------------------------------

    @api.model
    def _event_summary(self, data):
        if data["provider"] != "twilio":
            return super()._event_summary(data)
        twilio = data["twilio"]
        if data["type"] == "call.outcome":
            return {
                "answered": self.env._("Call answered"),
                "missed": self.env._("Missed call"),
                "voicemail": self.env._("Voicemail left"),
            }[twilio["outcome"]]
        if twilio["opt"] == "out":
            return self.env._("Opted out of SMS (STOP): the number is blacklisted")
        if twilio["opt"] == "in":
            return self.env._(
                "Opted back in to SMS (START): the number is no longer blacklisted"
            )
        return super()._event_summary(data)

    @api.model
    def _event_body(self, data):
        body = super()._event_body(data)
        if data["provider"] != "twilio":
            return body
        twilio = data["twilio"]
        for url in twilio["media_urls"]:
            body += Markup(
                '<p><a href="%s" target="_blank" rel="noopener noreferrer">%s</a></p>'
            ) % (url, self.env._("Attachment"))
        if twilio["recording_url"]:
            duration = twilio["recording_duration"] or 0
            body += Markup(
                '<p><a href="%s" target="_blank" rel="noopener noreferrer">%s</a>'
                " (%s)</p>"
            ) % (
                twilio["recording_url"],
                self.env._("Listen to the voicemail"),
                "{}:{:02d}".format(*divmod(duration, 60)),
            )
        return body
