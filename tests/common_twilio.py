"""Twilio's shared fixtures: businesses each with its Twilio account,
token and number, and helpers that sign and post Twilio's requests."""

import itertools
import time

from lxml import etree
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from odoo.tests import HttpCase

from .common import LeadsCommon

SMS = "/leads/v1/twilio/sms"
VOICE = "/leads/v1/twilio/voice"
OUTCOME = "/leads/v1/twilio/voice/outcome"
_SEQ = itertools.count(1)


class TwilioCommon(HttpCase, LeadsCommon):
    """Businesses on Twilio: each its account, auth token and number."""

    SID_A = "AC" + "1" * 32
    TOKEN_A = "token-of-business-a-0123456789ab"
    NUMBER_A = "+14155550100"
    SID_B = "AC" + "2" * 32
    TOKEN_B = "token-of-business-b-0123456789ab"
    NUMBER_B = "+32470123456"
    SID_OFF = "AC" + "3" * 32
    TOKEN_OFF = "token-of-business-off-0123456789"
    NUMBER_OFF = "+14155550300"
    SID_SILENT = "AC" + "4" * 32
    TOKEN_SILENT = "token-of-business-silent-0123456"
    NUMBER_SILENT = "+14155550400"
    CALLER = "+14155550911"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_silent = cls.env["res.company"].create(
            {
                "name": "Paws Quiet D",
                "country_id": cls.env.ref("base.us").id,
                "leads_management_enabled": False,
                "leads_auto_create_client": False,
            }
        )
        us, be = cls.env.ref("base.us"), cls.env.ref("base.be")
        for company, sid, token, number, country in (
            (cls.company_a, cls.SID_A, cls.TOKEN_A, cls.NUMBER_A, us),
            (cls.company_b, cls.SID_B, cls.TOKEN_B, cls.NUMBER_B, be),
            (cls.company_off, cls.SID_OFF, cls.TOKEN_OFF, cls.NUMBER_OFF, us),
            (
                cls.company_silent,
                cls.SID_SILENT,
                cls.TOKEN_SILENT,
                cls.NUMBER_SILENT,
                us,
            ),
        ):
            company.sudo().write(
                {
                    "sms_provider": "twilio",
                    "sms_twilio_account_sid": sid,
                    "sms_twilio_auth_token": token,
                    "sms_twilio_number_ids": [
                        (0, 0, {"number": number, "country_id": country.id})
                    ],
                }
            )
        cls.Event = cls.env["leads.inbound.event"]
        cls.Lead = cls.env["leads.lead"].with_context(active_test=False)
        cls.Sms = cls.env["sms.sms"].sudo()
        cls.status_voicemail = cls.env.ref(
            "leads_management.leads_action_status_voicemail"
        )
        cls.status_in_progress = cls.env.ref(
            "leads_management.leads_action_status_in_progress"
        )

    def base(self):
        return self.env["ir.config_parameter"].sudo().get_param("web.base.url")

    def sign(self, path, pairs, token=TOKEN_A, url=None):
        url = url or self.base().rstrip("/") + path
        return RequestValidator(token).compute_signature(url, MultiDict(pairs))

    def post(self, path, pairs, token=TOKEN_A, signature=None, url=None, **kwargs):
        if signature is None:
            signature = self.sign(path, pairs, token, url)
        headers = {"X-Twilio-Signature": signature} if signature is not False else {}
        headers.update(kwargs.pop("headers", {}))
        return self.url_open(path, data=pairs, headers=headers, **kwargs)

    def new_sid(self, prefix):
        return f"{prefix}{next(_SEQ):06d}{time.time_ns()}"[:34]

    def sms_pairs(
        self,
        body="Hello",
        caller=CALLER,
        to=NUMBER_A,
        account=SID_A,
        sid=None,
        extra=(),
    ):
        return [
            ("MessageSid", sid or self.new_sid("SM")),
            ("AccountSid", account),
            ("From", caller),
            ("To", to),
            ("Body", body),
            ("NumMedia", "0"),
            *extra,
        ]

    def call_pairs(self, caller=CALLER, to=NUMBER_A, account=SID_A, sid=None, extra=()):
        return [
            ("CallSid", sid or self.new_sid("CA")),
            ("AccountSid", account),
            ("From", caller),
            ("To", to),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
            *extra,
        ]

    def sms(self, body="Hello", token=TOKEN_A, **kwargs):
        return self.post(SMS, self.sms_pairs(body, **kwargs), token)

    def call(self, token=TOKEN_A, **kwargs):
        pairs = self.call_pairs(**kwargs)
        return pairs, self.post(VOICE, pairs, token)

    def outcome(self, call_pairs, token=TOKEN_A, **params):
        pairs = [p for p in call_pairs if p[0] != "CallStatus"]
        pairs += [("CallStatus", "completed"), *params.items()]
        return self.post(OUTCOME, pairs, token)

    def twiml(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("text/xml"))
        root = etree.fromstring(response.content)
        self.assertEqual(root.tag, "Response")
        return root

    def assertEmptyTwiml(self, response):
        self.assertEqual(len(self.twiml(response)), 0, response.text)

    def assertVoicemail(self, response, company=None):
        company = company or self.company_a
        say, record = self.twiml(response)
        self.assertEqual((say.tag, record.tag), ("Say", "Record"))
        self.assertEqual(say.text, company.leads_voicemail_greeting)
        self.assertEqual(record.get("action"), self.base().rstrip("/") + OUTCOME)

    def events(self, sid):
        return self.Event.search(
            [("provider", "=", "twilio"), ("external_id", "=like", f"{sid}%")]
        )

    def lead_of(self, phone, company=None):
        return self.Lead.search(
            [
                ("phone_sanitized", "=", phone),
                ("company_id", "=", (company or self.company_a).id),
            ]
        )

    def notes(self, record):
        return record.message_ids.sorted("id").mapped("body")
