"""Processing an event: replays, failures and their retries, the webhook
user's environment, conflicts with concurrent events."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_webhook import CONTROLLER_LOGGER, EVENT_LOGGER, WebhookCommon


@tagged("post_install", "-at_install")
class TestWebhookProcessing(WebhookCommon):
    # ------------------------------------------------------- idempotency
    def test_replay_and_conflict(self):
        payload = self.event(contact={"phone": "+14155550721"}, message="once")
        first = self.assertResult(self.post(payload), "lead_created")
        messages = self.env["mail.message"].search_count([])
        leads = self.Lead.search_count([])
        # Same id, same body (freshly signed, keys in another order): replayed.
        reordered = json.dumps(dict(reversed(list(payload.items())))).encode()
        second = self.assertResult(self.post(raw=reordered), "lead_created")
        self.assertEqual(second, dict(first, replayed=True))
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertEqual(self.Lead.search_count([]), leads)
        # Same id, different body: refused, the original untouched.
        with mute_logger(EVENT_LOGGER):
            self.assertError(
                self.post(dict(payload, message="twice")), 409, "idempotency_conflict"
            )
        event = self.Event.browse(first["event_id"])
        self.assertEqual(json.loads(event.payload)["message"], "once")
        self.assertEqual(
            self.Event.search_count([("external_id", "=", payload["id"])]), 1
        )
        # The same id in another business is another event.
        self.assertResult(
            self.post(dict(payload, contact={"phone": "+32470123456"}), self.company_b),
            "lead_created",
        )

    # ------------------------------------------------- processing failures
    def post_failing_capture(self, payload):
        """Post ``payload`` while captures fail; return the answer's data."""
        Event = type(self.env["leads.inbound.event"])
        with (
            patch.object(Event, "_process_capture", side_effect=RuntimeError("boom")),
            mute_logger(EVENT_LOGGER),
        ):
            return self.assertResult(self.post(payload), "failed")

    def test_processing_failure_is_stored_and_retried(self):
        payload = self.event(contact={"phone": "+14155550722"})
        data = self.post_failing_capture(payload)
        event = self.Event.browse(data["event_id"])
        self.assertEqual(event.state, "failed")
        self.assertIn("boom", event.error_message)
        self.assertFalse(self.Lead.search([("phone_sanitized", "=", "+14155550722")]))
        # A replay returns the stored answer; a manager retries it.
        self.assertEqual(self.post(payload).json(), dict(data, replayed=True))
        event.with_user(self.manager).action_retry()
        self.assertEqual(event.state, "done")
        self.assertEqual(event.result, "lead_created")
        self.assertTrue(event.lead_id)

    def test_retry_takes_nothing_from_the_managers_context(self):
        """A retry processes the event as its first delivery did: the
        context of the screen the manager clicked Retry on (an action's
        ``default_*`` keys, the manager's language) does not reach the lead."""
        data = self.post_failing_capture(self.event(contact={"phone": "+14155550723"}))
        event = self.Event.browse(data["event_id"])
        self.env["res.lang"]._activate_lang("fr_FR")
        campaign = self.env["utm.campaign"].create({"name": "Manager's screen"})
        event.with_user(self.manager).with_context(
            default_campaign_id=campaign.id,
            default_user_id=self.manager.id,
            lang="fr_FR",
        ).action_retry()
        self.assertEqual(event.result, "lead_created")
        self.assertFalse(event.lead_id.campaign_id)
        self.assertFalse(event.lead_id.user_id)

    def test_runner_environment_is_the_webhook_users_own(self):
        """Processing runs in the webhook user's context (its language and
        time zone), not in the caller's: a request's comes from its
        Accept-Language header, outside the signed body."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.runner.lang = "fr_FR"
        runner_env = self.Event.with_context(
            lang="en_US", default_name="From the caller"
        )._get_runner_env(self.company_a)
        self.assertEqual(runner_env.uid, self.runner.id)
        self.assertEqual(runner_env.lang, "fr_FR")
        self.assertNotIn("default_name", runner_env.context)
        self.assertEqual(runner_env.context["allowed_company_ids"], self.company_a.ids)

    def test_runner_without_language_ignores_accept_language(self):
        """With no language on the webhook user (its contact's Language left
        empty), Odoo's own context_get would take the request's
        Accept-Language and keep it for every later event: processing falls
        back to English instead, whatever the sender's header."""
        self.env["res.lang"]._activate_lang("fr_FR")
        converted = self.env["leads.lifecycle.stage"]._get_converted_stage()
        converted.with_context(lang="fr_FR").name = "Converti"
        self.runner.partner_id.sudo().lang = False
        self.env.registry.clear_cache()
        phone = "+14155550724"
        headers = {"Accept-Language": "fr-FR,fr;q=0.9"}
        self.assertResult(
            self.post(self.event(contact={"phone": phone}), headers=headers),
            "lead_created",
        )
        data = self.assertResult(
            self.post(
                self.event("booking.completed", contact={"phone": phone}),
                headers=headers,
            ),
            "lead_converted",
        )
        lead = self.Lead.browse(data["lead_id"]).sudo()
        lead.env.cr.precommit.run()  # tracking is written at commit
        stage_values = lead.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "stage_id"
        )
        self.assertEqual(stage_values.new_value_char, converted.name)
        self.assertNotEqual(stage_values.new_value_char, "Converti")

    def test_runner_language_changed_on_its_contact(self):
        """The webhook user's language and time zone are also edited on its
        contact (the user's own fields live there): processing follows at
        once, as when they are edited on the user."""
        self.env["res.lang"]._activate_lang("fr_FR")
        for phone, record in (
            ("+1 415 555 0811", self.runner.partner_id),
            ("+1 415 555 0812", self.runner),
        ):
            with self.subTest(edited_on=record._name):
                self.runner.write({"lang": "en_US", "tz": False})
                self.Event._get_runner_env(self.company_off)  # cached again
                record.write({"lang": "fr_FR", "tz": "Europe/Brussels"})
                data = self.assertResult(
                    self.post(self.event(contact={"phone": phone}), self.company_off),
                    "client_created",
                )
                client = self.env["res.partner"].browse(data["partner_id"])
                self.assertEqual(client.tz, "Europe/Brussels")
                env = self.Event._get_runner_env(self.company_off)
                self.assertEqual(env.lang, "fr_FR")

    def test_database_error_mid_processing_keeps_the_event_only(self):
        """A database error after the lead and its contact key were written
        aborts the transaction (events run without a savepoint): the event is
        stored again as failed, and nothing else of it remains."""
        phone = "+14155550725"
        payload = self.event(contact={"phone": phone})
        Event = type(self.env["leads.inbound.event"])

        def log_on_record(event, record, data):
            event.env.cr.execute("SELECT 1 / 0")

        with (
            patch.object(Event, "_log_on_record", log_on_record),
            mute_logger(EVENT_LOGGER, "odoo.sql_db"),
        ):
            data = self.assertResult(self.post(payload), "failed")
        event = self.Event.browse(data["event_id"])
        self.assertEqual(event.state, "failed")
        self.assertIn("division by zero", event.error_message)
        self.assertEqual(event.external_id, payload["id"])
        self.assertEqual(event.contact_phone, phone)
        self.assertFalse(
            self.Lead.with_context(active_test=False).search(
                [("phone_sanitized", "=", phone)]
            )
        )
        self.assertFalse(
            self.env["leads.inbound.key"].search([("key", "=", f"phone:{phone}")])
        )
        self.assertEqual(self.post(payload).json(), dict(data, replayed=True))
        event.with_user(self.manager).action_retry()
        self.assertEqual(event.result, "lead_created")

    def test_failure_after_client_created_leaves_no_orphan(self):
        """C10: an error after the client is created rolls the whole
        conversion back (no orphan client, lead unconverted); a retry then
        converts it once."""
        lead = self.create_lead(name="Half Way", phone="+1 415 555 0723")
        partners = self.env["res.partner"].search_count([])
        Lead = type(self.env["leads.lead"])
        with (
            patch.object(
                Lead, "_log_conversion", side_effect=RuntimeError("mail server down")
            ),
            mute_logger(EVENT_LOGGER),
        ):
            data = self.assertResult(
                self.post(self.event("booking.completed", lead_id=lead.id)), "failed"
            )
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertFalse(lead.converted_date)
        self.assertFalse(lead.partner_id)
        self.assertEqual(lead.stage_id, self.stage_lead)
        event = self.Event.browse(data["event_id"])
        event.with_user(self.manager).action_retry()
        self.assertEqual(event.result, "lead_converted")
        self.assertEqual(lead.conversion_trigger, "booking")
        self.assertEqual(self.env["res.partner"].search_count([]), partners + 1)

    def test_replay_days_later_still_deduplicated(self):
        """C08: senders retry for days (Stripe: 3); the event log is kept, so a
        late copy is still a replay."""
        payload = self.event(contact={"phone": "+14155550724"})
        first = self.assertResult(self.post(payload), "lead_created")
        event = self.Event.browse(first["event_id"])
        event.sudo().received_date = fields.Datetime.now() - timedelta(days=4)
        replay = self.post(payload).json()
        self.assertEqual(replay, dict(first, replayed=True))
        self.assertEqual(
            len(self.Lead.search([("phone_sanitized", "=", "+14155550724")])), 1
        )

    # ------------------------------------------------------------ conflicts
    def _conflicting_touch(self, failures):
        """A ``leads.inbound.key._touch`` that does its work, then fails as a
        concurrent commit of the same key would, ``failures`` times: the
        database raises the serialization failure and aborts the transaction."""
        Key = type(self.env["leads.inbound.key"])
        real_touch = Key._touch
        calls = []

        def touch(records, company, keys, then=None):
            calls.append(keys)
            row = real_touch(records, company, keys, then=then)
            if len(calls) <= failures:
                records.env.cr.execute(
                    "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = "
                    "'serialization_failure', MESSAGE = 'could not serialize "
                    "access due to concurrent update'; END $$",
                    log_exceptions=False,
                )
            return row

        return patch.object(Key, "_touch", touch), calls

    def test_settled_conflict_is_retried_at_once(self):
        """A returning caller's or a duplicate's conflict is settled when it
        is reported: the event is processed again at once, not after Odoo's
        back-off, and nothing of the failed attempt remains."""
        payload = self.event(contact={"phone": "+14155550727"}, message="retried")
        conflicting_touch, calls = self._conflicting_touch(failures=2)
        with (
            conflicting_touch,
            patch("odoo.service.model.time") as odoo_retry_time,
            mute_logger(CONTROLLER_LOGGER),
        ):
            data = self.assertResult(self.post(payload), "lead_created")
        self.assertEqual(len(calls), 3, "two conflicts, then the event is processed")
        odoo_retry_time.sleep.assert_not_called()
        self.assertEqual(
            self.Event.search_count([("external_id", "=", payload["id"])]), 1
        )
        lead = self.Lead.search([("phone_sanitized", "=", "+14155550727")])
        self.assertEqual(lead.id, data["lead_id"])
        self.assertEqual(
            len(lead.message_ids.filtered(lambda m: "retried" in (m.body or ""))), 1
        )

    def test_lasting_conflict_goes_to_odoo_retries(self):
        """After its immediate attempts, a conflict is left to Odoo's own
        retries, with their back-off, one attempt each."""
        payload = self.event(contact={"phone": "+14155550728"})
        conflicting_touch, calls = self._conflicting_touch(failures=4)
        with (
            conflicting_touch,
            patch("odoo.service.model.time") as odoo_retry_time,
            mute_logger(CONTROLLER_LOGGER, "odoo.service.model"),
        ):
            self.assertResult(self.post(payload), "lead_created")
        self.assertEqual(len(calls), 5, "3 at once, then 1 per retry of Odoo")
        self.assertEqual(odoo_retry_time.sleep.call_count, 2)
        self.assertEqual(
            len(self.Lead.search([("phone_sanitized", "=", "+14155550728")])), 1
        )
