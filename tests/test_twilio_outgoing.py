"""SMS to leads sent through Twilio: from the number of the lead's business."""

from unittest.mock import patch
from urllib.parse import parse_qsl

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.sms_twilio.tests.common import MockSmsTwilioApi

from .common_twilio import TwilioCommon


@tagged("post_install", "-at_install")
class TestTwilioOutgoing(MockSmsTwilioApi, TwilioCommon):
    """SMS to leads leave through the business's provider: with Twilio, from
    its number (mocked at Twilio's HTTP API, as sms_twilio's tests do)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sender = cls.make_user(
            "twilio_sender",
            "view_all,view_contact,view_history,message,mass_sms",
            cls.company_a | cls.company_b,
        )
        cls.twilio_posts = []

    @classmethod
    def _request_handler(cls, session, request, **kwargs):
        if cls.twilio_request_re.match(request.url or ""):
            cls.twilio_posts.append(dict(parse_qsl(request.body)))
        return super()._request_handler(session, request, **kwargs)

    def setUp(self):
        super().setUp()
        self.twilio_posts.clear()

    def run_sms_queue(self):
        """Odoo's SMS cron (sms.sms._process_queue), as the cron runs it, in
        the main business; without the commit of its progress, which a test
        may not make."""
        cron_env = self.env(user=self.env.ref("base.user_root"), su=True)
        self.assertEqual(cron_env.company, self.env.ref("base.main_company"))
        with patch.object(type(self.env["ir.cron"]), "_commit_progress"):
            cron_env["sms.sms"]._process_queue()

    def composer(self, leads, **vals):
        return (
            self.env["sms.composer"]
            .with_user(self.sender)
            .with_context(
                active_model="leads.lead",
                active_ids=leads.ids,
                active_id=leads[:1].id,
                allowed_company_ids=(self.company_a | self.company_b).ids,
            )
            .create(vals)
        )

    def test_sms_from_a_lead_leaves_from_the_business_number_and_the_reply_threads(
        self,
    ):
        lead = self.Lead.create(
            {"name": "Jane", "phone": self.CALLER, "company_id": self.company_a.id}
        )
        with self.mock_sms_twilio_gateway():
            self.composer(lead, body="See you at 10")._action_send_sms()
        self.assertEqual(len(self.twilio_posts), 1)
        self.assertEqual(
            (self.twilio_posts[0]["From"], self.twilio_posts[0]["To"]),
            (self.NUMBER_A, self.CALLER),
        )
        self.sms("Great, thanks!")
        self.assertEqual(len(self.lead_of(self.CALLER)), 1)
        bodies = self.notes(lead)
        self.assertIn("See you at 10", bodies[-2])
        self.assertIn("Great, thanks!", bodies[-1])

    def test_mass_sms_leaves_from_each_business_number_and_skips_opt_outs(self):
        other = "+14155550912"
        opted_out = "+14155550913"
        leads = self.Lead.create(
            [
                {"name": "A", "phone": self.CALLER, "company_id": self.company_a.id},
                {"name": "B", "phone": other, "company_id": self.company_b.id},
                {"name": "C", "phone": opted_out, "company_id": self.company_a.id},
            ]
        )
        self.sms("STOP", caller=opted_out)
        with self.mock_sms_twilio_gateway():
            composer = self.composer(
                leads,
                body="Spring offer",
                composition_mode="mass",
                mass_force_send=True,
            )
            composer._action_send_sms()
        sent = {(post["From"], post["To"]) for post in self.twilio_posts}
        self.assertEqual(sent, {(self.NUMBER_A, self.CALLER), (self.NUMBER_B, other)})
        canceled = self.Sms.search([("number", "=", opted_out)])
        self.assertEqual(canceled.failure_type, "sms_blacklist")

    def test_sms_to_an_opted_out_lead_is_refused(self):
        lead = self.Lead.create(
            {"name": "Jane", "phone": self.CALLER, "company_id": self.company_a.id}
        )
        self.sms("STOP")
        with self.mock_sms_twilio_gateway(), self.assertRaises(UserError):
            self.composer(lead, body="Still there?")._action_send_sms()
        self.assertFalse(self.twilio_posts)

    def test_missed_call_sms_leaves_once_from_the_business_number_after_the_call(
        self,
    ):
        self.company_a.write(
            {"leads_call_forward_number": "+14155550177", "leads_missed_call_sms": True}
        )
        pairs, _response = self.call()
        self.outcome(pairs, DialCallStatus="no-answer")
        self.outcome(pairs, DialCallStatus="no-answer")
        # Nothing leaves inside Twilio's request: Odoo's SMS queue sends it
        # once the outcome is committed.
        queued = self.Sms.search([("number", "=", self.CALLER)])
        self.assertEqual(queued.mapped("state"), ["outgoing"])
        with self.mock_sms_twilio_gateway():
            for _run in range(2):
                self.run_sms_queue()
        self.assertEqual(
            [(p["From"], p["To"], p["Body"]) for p in self.twilio_posts],
            [(self.NUMBER_A, self.CALLER, self.company_a.leads_missed_call_sms_body)],
        )

    def test_queued_mass_sms_leaves_from_each_business_number(self):
        other = "+14155550912"
        leads = self.Lead.create(
            [
                {"name": "A", "phone": self.CALLER, "company_id": self.company_a.id},
                {"name": "B", "phone": other, "company_id": self.company_b.id},
            ]
        )
        composer = self.composer(
            leads, body="Spring offer", composition_mode="mass", mass_force_send=False
        )
        composer._action_send_sms()
        self.assertFalse(self.twilio_posts, "queued, not sent")
        with self.mock_sms_twilio_gateway():
            self.run_sms_queue()
        sent = {(post["From"], post["To"]) for post in self.twilio_posts}
        self.assertEqual(sent, {(self.NUMBER_A, self.CALLER), (self.NUMBER_B, other)})
