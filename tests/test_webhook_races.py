import re
import uuid
import xmlrpc.client

from odoo.tests import tagged
from odoo.tests.common import BaseCase

from . import live_server

SIDE_EFFECT = "leads webhook side effects: db={db} event="


@tagged("post_install", "-at_install", "-standard", "leads_race", "concurrency")
class TestWebhookRaces(BaseCase):
    """Concurrent deliveries against a real 2-worker server (reliability.md D).

    A BaseCase without cursor: it never touches the test database; it builds a scratch
    database, starts `odoo --workers=2` on loopback, fires 8 requests released
    by a barrier per scenario, checks the database with psycopg2 and counts the
    after-commit side effects in the server log. Bounded: about a minute.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = live_server.LiveServer(workers=2, prefix="leads_race")
        cls.server.__enter__()
        cls.addClassCleanup(cls.server.__exit__, None, None, None)
        cls.server.configure_twilio()
        cls.run_id = uuid.uuid4().hex[:8]

    def side_effects(self, event_ids):
        """Number of after-commit side effect runs per event record id."""
        needle = SIDE_EFFECT.format(db=self.server.db)
        counts = {}
        for line in self.server.log_lines(needle):
            event_id = int(re.search(r"event=(\d+)", line).group(1))
            counts[event_id] = counts.get(event_id, 0) + 1
        return {event_id: counts.get(event_id, 0) for event_id in event_ids}

    def same_phone_events(self, prefix, phone, count=8):
        """``count`` different calls and SMS of one new phone number."""
        return [
            {
                "id": f"{prefix}-{self.run_id}-{i}",
                "type": "sms.inbound" if i % 2 else "call.inbound",
                "contact": {"phone": phone},
                "message": f"message {i}",
            }
            for i in range(count)
        ]

    def fire(self, payloads):
        results = live_server.fire_together(
            self.server.webhook, [(payload,) for payload in payloads]
        )
        for result in results:
            self.assertIsInstance(result, tuple, result)
            status, data, _elapsed = result
            self.assertEqual(status, 200, data)
            self.assertTrue(data.get("ok"), data)
        return [data for _status, data, _elapsed in results]

    def test_1_same_event_eight_times(self):
        payload = {
            "id": f"race-same-{self.run_id}",
            "type": "call.inbound",
            "contact": {"name": "Same Event", "phone": "+1 415 555 0901"},
        }
        answers = self.fire([payload] * 8)
        self.assertEqual(len({a["event_id"] for a in answers}), 1)
        self.assertEqual(len({a["lead_id"] for a in answers}), 1)
        self.assertEqual(sum(not a.get("replayed") for a in answers), 1, answers)
        rows = self.server.sql(
            "SELECT count(*) FROM leads_inbound_event WHERE external_id = %s",
            [payload["id"]],
        )
        self.assertEqual(rows[0][0], 1)
        rows = self.server.sql(
            "SELECT count(*) FROM leads_lead WHERE phone_sanitized = '+14155550901'"
        )
        self.assertEqual(rows[0][0], 1)
        self.assertEqual(
            self.side_effects([answers[0]["event_id"]]), {answers[0]["event_id"]: 1}
        )

    def test_2_different_events_same_new_phone(self):
        answers = self.fire(self.same_phone_events("race-phone", "+1 415 555 0902"))
        results = sorted(a["result"] for a in answers)
        self.assertEqual(results, ["lead_created"] + ["lead_updated"] * 7)
        self.assertEqual(len({a["lead_id"] for a in answers}), 1)
        rows = self.server.sql(
            "SELECT count(*) FROM leads_lead WHERE phone_sanitized = '+14155550902'"
        )
        self.assertEqual(rows[0][0], 1, "one lead for one new phone")
        rows = self.server.sql(
            "SELECT count(*) FROM leads_inbound_event WHERE external_id LIKE %s",
            [f"race-phone-{self.run_id}-%"],
        )
        self.assertEqual(rows[0][0], 8)
        # Every SMS text is in the lead's history exactly once.
        rows = self.server.sql(
            "SELECT count(*) FROM mail_message WHERE model = 'leads.lead' "
            "AND res_id = %s AND body LIKE %s",
            [answers[0]["lead_id"], "%message %"],
        )
        self.assertEqual(rows[0][0], 8)
        counts = self.side_effects([a["event_id"] for a in answers])
        self.assertEqual(set(counts.values()), {1}, counts)

    def test_3_conversions_of_one_lead(self):
        created = self.fire(
            [
                {
                    "id": f"race-lead-{self.run_id}",
                    "type": "call.inbound",
                    "contact": {"name": "Convert Me", "phone": "+1 415 555 0903"},
                }
            ]
        )[0]
        lead_id = created["lead_id"]
        types = [
            "booking.completed",
            "package.purchased",
            "membership.purchased",
            "transaction.completed",
        ]
        payloads = [
            {
                "id": f"race-convert-{self.run_id}-{i}",
                "type": types[i % 4],
                "lead_id": lead_id,
                "contact": {"phone": "+1 415 555 0903"},
            }
            for i in range(8)
        ]
        answers = self.fire(payloads)
        results = sorted(a["result"] for a in answers)
        self.assertEqual(results, ["lead_converted"] + ["no_matching_lead"] * 7)
        rows = self.server.sql(
            "SELECT partner_id, converted_date IS NOT NULL FROM leads_lead "
            "WHERE id = %s",
            [lead_id],
        )
        partner_id, converted = rows[0]
        self.assertTrue(converted)
        rows = self.server.sql(
            "SELECT count(*) FROM res_partner WHERE phone_sanitized = '+14155550903'"
        )
        self.assertEqual(rows[0][0], 1, "one client")
        rows = self.server.sql(
            "SELECT count(*) FROM mail_message WHERE model = 'res.partner' "
            "AND res_id = %s AND body LIKE %s",
            [partner_id, "%Converted from the lead%"],
        )
        self.assertEqual(rows[0][0], 1, "the conversion is logged once")
        counts = self.side_effects([a["event_id"] for a in answers])
        self.assertEqual(set(counts.values()), {1}, counts)

    def test_4_new_caller_becomes_one_client_when_leads_off(self):
        """Leads Management off, auto-create on: eight events of one new phone
        at once make one client (C05 for clients)."""
        self.server.sql(
            "UPDATE res_company SET leads_management_enabled = false WHERE id = 1"
        )
        self.addCleanup(
            self.server.sql,
            "UPDATE res_company SET leads_management_enabled = true WHERE id = 1",
        )
        answers = self.fire(self.same_phone_events("race-client", "+1 415 555 0904"))
        results = sorted(a["result"] for a in answers)
        self.assertEqual(results, ["client_created"] + ["client_matched"] * 7)
        self.assertEqual(len({a["partner_id"] for a in answers}), 1)
        rows = self.server.sql(
            "SELECT count(*) FROM res_partner WHERE phone_sanitized = '+14155550904'"
        )
        self.assertEqual(rows[0][0], 1, "one client for one new phone")
        rows = self.server.sql(
            "SELECT count(*) FROM leads_lead WHERE phone_sanitized = '+14155550904'"
        )
        self.assertEqual(rows[0][0], 0)

    def test_5_convert_wizard_races_webhook_conversions(self):
        """C09: a user converts a lead with the wizard while booking webhooks
        convert it: one client; the loser gets a clear 'already converted' (no
        traceback, no second client)."""
        created = self.fire(
            [
                {
                    "id": f"race-wizard-lead-{self.run_id}",
                    "type": "call.inbound",
                    "contact": {"name": "Wizard Race", "phone": "+1 415 555 0905"},
                }
            ]
        )[0]
        lead_id = created["lead_id"]
        rpc = xmlrpc.client.ServerProxy(
            f"{self.server.base_url}/xmlrpc/2/object", allow_none=True
        )
        common = xmlrpc.client.ServerProxy(f"{self.server.base_url}/xmlrpc/2/common")
        uid = common.authenticate(self.server.db, "admin", "admin", {})
        self.assertTrue(uid)
        wizard_id = rpc.execute_kw(
            self.server.db,
            uid,
            "admin",
            "leads.convert.wizard",
            "create",
            [{"lead_ids": [[6, 0, [lead_id]]], "action": "create"}],
        )

        def convert_with_wizard():
            try:
                rpc_local = xmlrpc.client.ServerProxy(
                    f"{self.server.base_url}/xmlrpc/2/object", allow_none=True
                )
                rpc_local.execute_kw(
                    self.server.db,
                    uid,
                    "admin",
                    "leads.convert.wizard",
                    "action_convert",
                    [[wizard_id]],
                )
            except xmlrpc.client.Fault as fault:
                return ("fault", fault.faultString)
            return ("ok", None)

        def booking(i):
            status, data, _elapsed = self.server.webhook(
                {
                    "id": f"race-wizard-{self.run_id}-{i}",
                    "type": "booking.completed",
                    "lead_id": lead_id,
                }
            )
            return ("webhook", status, data)

        calls = [convert_with_wizard] + [lambda i=i: booking(i) for i in range(5)]
        results = live_server.fire_together(lambda call: call(), [(c,) for c in calls])
        wizard_result, webhook_results = results[0], results[1:]
        for _kind, status, data in webhook_results:
            self.assertEqual(status, 200, data)
            self.assertIn(data["result"], ("lead_converted", "no_matching_lead"))
        converted_by_webhook = sum(
            data["result"] == "lead_converted" for _k, _s, data in webhook_results
        )
        if wizard_result[0] == "ok":
            self.assertEqual(converted_by_webhook, 0)
        else:
            self.assertEqual(converted_by_webhook, 1)
            self.assertIn("already been converted", wizard_result[1])
            self.assertNotIn("Traceback (most recent call last)", wizard_result[1])
        rows = self.server.sql(
            "SELECT count(*) FROM res_partner WHERE phone_sanitized = '+14155550905'"
        )
        self.assertEqual(rows[0][0], 1, "one client")

    # ------------------------------------------------------------ Twilio
    def twilio_pairs(self, kind, sid, phone, body="race"):
        pairs = [
            ("MessageSid" if kind == "sms" else "CallSid", sid),
            ("AccountSid", live_server.TWILIO_SID),
            ("From", phone),
            ("To", live_server.TWILIO_NUMBER),
        ]
        return pairs + ([("Body", body)] if kind == "sms" else [])

    def fire_twilio(self, requests):
        results = live_server.fire_together(self.server.twilio, requests)
        for result in results:
            self.assertIsInstance(result, tuple, result)
            status, text, _elapsed = result
            self.assertEqual(status, 200, text)
            self.assertIn("<Response", text)
        return results

    def test_6_same_twilio_message_eight_times(self):
        sid = f"SMrace{self.run_id}"
        pairs = self.twilio_pairs("sms", sid, "+14155550906", "eight copies")
        self.fire_twilio([("/leads/v1/twilio/sms", pairs)] * 8)
        rows = self.server.sql(
            "SELECT count(*) FROM leads_inbound_event "
            "WHERE provider = 'twilio' AND external_id = %s",
            [sid],
        )
        self.assertEqual(rows[0][0], 1)
        rows = self.server.sql(
            "SELECT id FROM leads_lead WHERE phone_sanitized = '+14155550906'"
        )
        self.assertEqual(len(rows), 1, "one lead")
        rows = self.server.sql(
            "SELECT count(*) FROM mail_message WHERE model = 'leads.lead' "
            "AND res_id = %s AND body LIKE %s",
            [rows[0][0], "%eight copies%"],
        )
        self.assertEqual(rows[0][0], 1, "the SMS is in the history once")

    def test_7_twilio_calls_and_sms_of_one_new_number(self):
        phone = "+14155550907"
        requests = [
            (
                "/leads/v1/twilio/sms" if i % 2 else "/leads/v1/twilio/voice",
                self.twilio_pairs(
                    "sms" if i % 2 else "call", f"XXrace{self.run_id}{i}", phone
                ),
            )
            for i in range(8)
        ]
        self.fire_twilio(requests)
        rows = self.server.sql(
            "SELECT count(*) FROM leads_lead WHERE phone_sanitized = %s", [phone]
        )
        self.assertEqual(rows[0][0], 1, "one lead for one new number")
        rows = self.server.sql(
            "SELECT result, count(*) FROM leads_inbound_event "
            "WHERE provider = 'twilio' AND external_id LIKE %s GROUP BY result",
            [f"XXrace{self.run_id}%"],
        )
        self.assertEqual(dict(rows), {"lead_created": 1, "lead_updated": 7})
