"""Twilio's calls and SMS on the business number: the adapters and routes.

Twilio posts a form (application/x-www-form-urlencoded) signed with
``X-Twilio-Signature``; the business is the one owning the ``To`` number
under the ``AccountSid``, and the signature is checked with its auth token
before anything is stored. Answers are TwiML.
"""

from odoo import http
from odoo.http import request

from odoo.addons.leads_management.tools import twilio as twilio_tools
from odoo.addons.leads_management.tools import twiml

from .adapters import (
    COMPANY_FIELDS,
    NOTHING_TO_STORE,
    InboundAdapter,
    Refused,
    register,
)
from .main import WEBHOOK_ROUTE, serve

SMS_PATH = twilio_tools.SMS_PATH
VOICE_PATH = twilio_tools.VOICE_PATH
OUTCOME_PATH = twilio_tools.OUTCOME_PATH
# What Twilio is told when it is refused (it shows it in its debugger).
REFUSED = "Refused: unknown number, or a signature that does not match."
TWILIO_COMPANY_FIELDS = [
    *COMPANY_FIELDS,
    "sms_twilio_auth_token",
    "leads_call_forward_number",
    "leads_voicemail_greeting",
    "leads_missed_call_sms",
    "leads_status_on_call_answered",
    "leads_status_on_call_missed",
    "leads_status_on_voicemail",
    "leads_status_on_sms_received",
]


class TwilioAdapter(InboundAdapter):
    provider = "twilio"

    def check_request(self):
        super().check_request()
        if self.httprequest.mimetype != "application/x-www-form-urlencoded":
            raise Refused(415, "unsupported_media_type", "Twilio posts forms.")

    def read_body(self):
        """The POST parameters, in order, repeated ones kept: what is signed.

        Odoo parsed the form before the route ran (the raw body is consumed
        by then); a form decodes to the same pairs.
        """
        self.pairs = list(self.httprequest.form.items(multi=True))
        return b""

    def param(self, name):
        return twilio_tools.first(self.pairs, name)

    def find_company(self):
        """The active business whose Twilio account is ``AccountSid`` and
        that owns the ``To`` number, with what the routes read of it fetched."""
        company = request.env["res.company"]._leads_twilio_company(
            self.param("AccountSid"), self.param("To")
        )
        company.fetch(TWILIO_COMPANY_FIELDS)
        return company

    def signed_url(self, company):
        """The URL Twilio called, as it signed it: the business's base URL
        (``web.base.url``) plus the path and query of the request."""
        base = (company.get_base_url() if company else "").rstrip("/")
        url = base + self.httprequest.path
        query = self.httprequest.query_string.decode("latin-1")
        return f"{url}?{query}" if query else url

    def verify(self, company):
        self.company = company
        token = company.sms_twilio_auth_token if company else None
        return twilio_tools.verify_signature(
            token,
            self.signed_url(company),
            self.pairs,
            self.httprequest.headers.get("X-Twilio-Signature", ""),
        )

    def unknown_company(self):
        return Refused(403, "forbidden", REFUSED)

    def bad_signature(self):
        return Refused(
            403,
            "forbidden",
            REFUSED,
            warning="Leads Twilio webhook: refused a request with a missing or "
            "wrong signature.",
        )

    def contact(self):
        return {"phone": self.param("From")}

    def outcome_url(self):
        return self.company._leads_twilio_webhook_urls()["outcome"]

    def refuse(self, refusal):
        response = request.make_response(
            refusal.message,
            headers=[("Content-Type", "text/plain; charset=utf-8")],
            status=refusal.status,
        )
        response.headers.update(refusal.headers)
        return response

    def twiml(self, document):
        return request.make_response(
            document,
            headers=[("Content-Type", "text/xml; charset=utf-8")],
            status=200,
        )

    def voicemail(self):
        return twiml.voicemail(
            self.company.leads_voicemail_greeting, self.outcome_url()
        )


@register("twilio_sms")
class TwilioSmsAdapter(TwilioAdapter):
    def translate(self):
        return {
            "id": self.param("MessageSid"),
            "type": "sms.inbound",
            "contact": self.contact(),
            "message": self.param("Body") or None,
            "twilio": {"media_urls": twilio_tools.media_urls(self.pairs)},
        }

    def answer(self, response):
        # Nothing is sent back, an opt-out above all (carriers forbid it).
        return self.twiml(twiml.empty())


@register("twilio_voice")
class TwilioVoiceAdapter(TwilioAdapter):
    def translate(self):
        return {
            "id": self.param("CallSid"),
            "type": "call.inbound",
            "contact": self.contact(),
        }

    def answer(self, response):
        forward = self.company._leads_call_forward_key()
        if forward:
            return self.twiml(twiml.dial(forward, self.outcome_url()))
        return self.twiml(self.voicemail())


@register("twilio_voice_outcome")
class TwilioOutcomeAdapter(TwilioAdapter):
    """How a call ended: ``<Dial>``'s action (answered or missed), then
    ``<Record>``'s (a voicemail left), each stored once per call."""

    outcome = None

    def translate(self):
        self.outcome = twilio_tools.call_outcome(self.pairs)
        if not self.outcome:
            return NOTHING_TO_STORE
        call_id = self.param("CallSid")
        step = "voicemail" if self.outcome == "voicemail" else "dial"
        return {
            "id": f"{call_id}:{step}" if call_id else None,
            "type": "call.outcome",
            "contact": self.contact(),
            "twilio": {
                "call_id": call_id,
                "outcome": self.outcome,
                "recording_url": self.param("RecordingUrl"),
                "recording_duration": twilio_tools.seconds(
                    self.param("RecordingDuration")
                ),
            },
        }

    def answer(self, response):
        if self.outcome == "missed":
            return self.twiml(self.voicemail())
        return self.twiml(twiml.empty())


class LeadsTwilioController(http.Controller):
    @http.route(SMS_PATH, **WEBHOOK_ROUTE)
    def leads_twilio_sms(self, **_params):
        return serve("twilio_sms")

    @http.route(VOICE_PATH, **WEBHOOK_ROUTE)
    def leads_twilio_voice(self, **_params):
        return serve("twilio_voice")

    @http.route(OUTCOME_PATH, **WEBHOOK_ROUTE)
    def leads_twilio_voice_outcome(self, **_params):
        return serve("twilio_voice_outcome")
