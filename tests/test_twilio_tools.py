from lxml import etree
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.leads_management.tools import twilio as twilio_tools
from odoo.addons.leads_management.tools import twiml

TOKEN = "12345678901234567890123456789012"
URL = "https://odoo.example.com/leads/v1/twilio/sms"


@tagged("post_install", "-at_install")
class TestTwilioTools(BaseCase):
    """Twilio's signature, keywords and TwiML, without a database; the
    signatures are those of Twilio's own RequestValidator."""

    def sdk_sign(self, url, pairs, token=TOKEN):
        return RequestValidator(token).compute_signature(url, MultiDict(pairs))

    def test_signature_of_twilio_library_is_accepted(self):
        pairs = [("From", "+14155550100"), ("Body", "Hello"), ("To", "+1415")]
        signature = self.sdk_sign(URL, pairs)
        self.assertEqual(twilio_tools.compute_signature(TOKEN, URL, pairs), signature)
        self.assertTrue(twilio_tools.verify_signature(TOKEN, URL, pairs, signature))

    def test_repeated_and_unicode_parameters(self):
        pairs = [
            ("Body", "Ça va? 🐶"),
            ("MediaUrl0", "https://api.twilio.com/a"),
            ("Body", "second"),
            ("Body", "Ça va? 🐶"),
        ]
        signature = self.sdk_sign(URL, pairs)
        self.assertTrue(twilio_tools.verify_signature(TOKEN, URL, pairs, signature))

    def test_query_and_port_variants(self):
        url = "https://odoo.example.com:443/leads/v1/twilio/sms?a=1&b=%20"
        pairs = [("Body", "x")]
        for signed in (url, "https://odoo.example.com/leads/v1/twilio/sms?a=1&b=%20"):
            with self.subTest(signed=signed):
                signature = self.sdk_sign(signed, pairs)
                self.assertTrue(
                    RequestValidator(TOKEN).validate(url, MultiDict(pairs), signature)
                )
                self.assertTrue(
                    twilio_tools.verify_signature(TOKEN, url, pairs, signature)
                )

    def test_wrong_signatures_are_refused(self):
        pairs = [("Body", "Hello")]
        good = self.sdk_sign(URL, pairs)
        refused = {
            "missing": (TOKEN, URL, pairs, ""),
            "garbage": (TOKEN, URL, pairs, "not-a-signature-é"),
            "other token": (TOKEN, URL, pairs, self.sdk_sign(URL, pairs, "x" * 32)),
            "tampered body": (TOKEN, URL, [("Body", "Hellp")], good),
            "other url": (TOKEN, URL + "x", pairs, good),
            "no token": (None, URL, pairs, self.sdk_sign(URL, pairs, "")),
            "empty token": ("", URL, pairs, self.sdk_sign(URL, pairs, "")),
        }
        for name, args in refused.items():
            with self.subTest(name):
                self.assertFalse(twilio_tools.verify_signature(*args))

    def test_opt_keywords(self):
        for body in (
            "STOP",
            "stop",
            " Stop ",
            "STOPALL",
            "unsubscribe",
            "Cancel",
            "END",
            "quit",
            "STOP.",
        ):
            with self.subTest(body=body):
                self.assertEqual(twilio_tools.opt_keyword(body), "out")
        for body in ("START", "unstop"):
            with self.subTest(body=body):
                self.assertEqual(twilio_tools.opt_keyword(body), "in")
        for body in ("Please stop calling", "", None, "STOP NOW", "STARTS"):
            with self.subTest(body=body):
                self.assertIsNone(twilio_tools.opt_keyword(body))

    def test_media_urls_in_order(self):
        pairs = [
            ("MediaUrl1", "https://b"),
            ("MediaUrl0", "https://a"),
            ("MediaUrl10", "https://ignored"),
            ("MediaContentType0", "image/jpeg"),
        ]
        self.assertEqual(twilio_tools.media_urls(pairs), ["https://a", "https://b"])

    def test_call_outcomes(self):
        cases = {
            "answered": [("DialCallStatus", "completed")],
            "missed": [("DialCallStatus", "no-answer")],
            "voicemail": [("RecordingUrl", "https://r"), ("DialCallStatus", "busy")],
        }
        for status in ("busy", "failed", "canceled"):
            self.assertEqual(
                twilio_tools.call_outcome([("DialCallStatus", status)]), "missed"
            )
        self.assertEqual(
            twilio_tools.call_outcome([("DialCallStatus", "answered")]), "answered"
        )
        for expected, pairs in cases.items():
            self.assertEqual(twilio_tools.call_outcome(pairs), expected)
        self.assertIsNone(twilio_tools.call_outcome([("CallStatus", "ringing")]))

    def test_seconds(self):
        self.assertEqual(twilio_tools.seconds("42"), 42)
        for value in (None, "", "-1", "4.5", "x", "9" * 12):
            self.assertIsNone(twilio_tools.seconds(value))

    def test_twiml_is_xml_with_escaped_text(self):
        root = etree.fromstring(twiml.empty())
        self.assertEqual((root.tag, len(root)), ("Response", 0))
        root = etree.fromstring(twiml.dial("+14155550199", "https://x/o?a=1&b=2"))
        (dial,) = root
        self.assertEqual(dial.tag, "Dial")
        self.assertEqual(dial.text, "+14155550199")
        self.assertEqual(dial.get("action"), "https://x/o?a=1&b=2")
        root = etree.fromstring(twiml.voicemail("<Hangup/> & bye", "https://x/o"))
        say, record = root
        self.assertEqual(say.text, "<Hangup/> & bye")
        self.assertEqual(record.tag, "Record")
        self.assertEqual(record.get("action"), "https://x/o")
