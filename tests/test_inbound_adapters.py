import json

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.leads_management.controllers.adapters import (
    ADAPTERS,
    InboundAdapter,
)
from odoo.addons.leads_management.exceptions import IdempotencyConflict

from .common_webhook import EVENT_LOGGER, WebhookCommon


@tagged("post_install", "-at_install")
class TestInboundAdapters(WebhookCommon):
    """The seam every sender plugs into: a registered adapter, and events
    unique per business and sender."""

    def receive(self, payload, provider):
        Event = self.Event.sudo()
        runner_env = Event._get_runner_env(self.company_a)
        return Event.with_env(runner_env)._receive(
            self.company_a.with_env(runner_env), payload, provider=provider
        )

    def test_signed_json_webhook_is_the_leads_adapter(self):
        adapter = ADAPTERS["leads"]
        self.assertTrue(issubclass(adapter, InboundAdapter))
        self.assertEqual(adapter.provider, "leads")

    def test_json_webhook_event_is_stored_as_provider_leads(self):
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+1 415 555 0610"})),
            "lead_created",
        )
        self.assertEqual(self.Event.browse(data["event_id"]).provider, "leads")

    def test_same_external_id_of_two_providers_makes_two_events(self):
        payload = self.event(contact={"phone": "+1 415 555 0611"})
        first = self.assertResult(self.post(payload), "lead_created")
        second = self.receive(payload, "twilio")
        self.assertNotIn("replayed", second)
        self.assertNotEqual(second["event_id"], first["event_id"])
        events = self.Event.search([("external_id", "=", payload["id"])])
        self.assertEqual(sorted(events.mapped("provider")), ["leads", "twilio"])
        # The second event of the same phone updates the lead of the first.
        self.assertEqual(second["result"], "lead_updated")
        self.assertEqual(second["lead_id"], first["lead_id"])

    def test_replay_is_per_provider(self):
        payload = self.event(contact={"phone": "+1 415 555 0612"})
        first = self.receive(payload, "twilio")
        again = self.receive(payload, "twilio")
        self.assertEqual(again, dict(first, replayed=True))
        self.assertEqual(
            self.Event.search_count([("external_id", "=", payload["id"])]), 1
        )

    @mute_logger(EVENT_LOGGER)
    def test_same_id_other_body_same_provider_is_a_conflict(self):
        payload = self.event(contact={"phone": "+1 415 555 0613"})
        self.receive(payload, "twilio")
        with self.assertRaises(IdempotencyConflict):
            self.receive(dict(payload, message="changed"), "twilio")

    def test_stored_payload_of_another_provider_is_retried_as_such(self):
        payload = self.event(contact={"phone": "+1 415 555 0614"})
        data = self.receive(payload, "twilio")
        event = self.Event.browse(data["event_id"])
        self.assertEqual(event.sudo()._validate_stored_payload()["provider"], "twilio")
        self.assertEqual(json.loads(event.sudo().payload), payload)
