import json
import time

import stripe

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.leads_management.tools import stripe_events
from odoo.addons.leads_management.tools.stripe_signature import (
    verify_stripe_signature,
)

from .common_webhook import CONTROLLER_LOGGER, WebhookCommon

WHSEC = "whsec_test_0123456789abcdefghijklmnop"


def stripe_event(event_id, event_type, obj):
    """An event as Stripe documents it (API version 2025-x)."""
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-08-27.basil",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }


def checkout_session(status="complete", payment_status="paid", **values):
    obj = {
        "id": "cs_test_a1",
        "object": "checkout.session",
        "amount_subtotal": 4500,
        "amount_total": 4500,
        "currency": "usd",
        "customer": "cus_123",
        "customer_details": {
            "address": None,
            "email": "pay@example.com",
            "name": "Pat Payer",
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        },
        "metadata": {},
        "mode": "payment",
        "payment_status": payment_status,
        "status": status,
        "after_expiration": None,
    }
    obj.update(values)
    return obj


@tagged("post_install", "-at_install")
class TestStripeWebhook(WebhookCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for company in (cls.company_a, cls.company_off, cls.company_silent):
            company.sudo().leads_stripe_webhook_secret = WHSEC

    def post_stripe(self, event, company=None, secret=WHSEC, header=None):
        body = json.dumps(event)
        if header is None:
            header = stripe.WebhookSignature.generate_signature_header(body, secret)
        return self.url_open(
            f"/leads/v1/companies/{(company or self.company_a).id}/stripe",
            data=body.encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
            },
        )

    def events(self, event_id):
        return self.Event.search(
            [("provider", "=", "stripe"), ("external_id", "=", event_id)]
        )

    def assertReceived(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"received": True})

    def test_paid_checkout_converts_the_lead_of_its_email(self):
        lead = self.create_lead(name="Pat", email="pay@example.com", phone=False)
        self.assertReceived(
            self.post_stripe(
                stripe_event("evt_1", "checkout.session.completed", checkout_session())
            )
        )
        self.assertEqual(self.events("evt_1").result, "lead_converted")
        self.assertEqual(lead.conversion_trigger, "transaction")
        self.assertTrue(lead.partner_id)
        self.assertEqual(
            (lead.conversion_value, lead.conversion_currency_id.name), (45.0, "USD")
        )

    def test_metadata_lead_id_wins_over_the_email(self):
        by_email = self.create_lead(name="Email", email="pay@example.com", phone=False)
        by_id = self.create_lead(name="Id", phone="+1 415 555 0990")
        session = checkout_session(metadata={"lead_id": str(by_id.id)})
        self.post_stripe(stripe_event("evt_2", "checkout.session.completed", session))
        self.assertTrue(by_id.converted_date)
        self.assertFalse(by_email.converted_date)

    def test_payment_intent_matches_the_phone(self):
        lead = self.create_lead(name="Phone", phone="+1 415 555 0991")
        intent = {
            "id": "pi_1",
            "object": "payment_intent",
            "amount": 12000,
            "amount_received": 12000,
            "currency": "eur",
            "metadata": {},
            "receipt_email": None,
            "status": "succeeded",
            "latest_charge": {
                "id": "ch_1",
                "object": "charge",
                "billing_details": {
                    "email": None,
                    "name": "Phone",
                    "phone": "+14155550991",
                },
            },
        }
        self.post_stripe(stripe_event("evt_3", "payment_intent.succeeded", intent))
        self.assertEqual(lead.conversion_trigger, "transaction")
        self.assertEqual(lead.conversion_currency_id.name, "EUR")

    def test_paid_invoice_converts_by_customer_email(self):
        lead = self.create_lead(name="Inv", email="inv@example.com", phone=False)
        invoice = {
            "id": "in_1",
            "object": "invoice",
            "amount_paid": 900,
            "currency": "usd",
            "customer_email": "inv@example.com",
            "customer_name": "Inv",
            "customer_phone": None,
            "status": "paid",
            "metadata": {},
        }
        self.post_stripe(stripe_event("evt_4", "invoice.paid", invoice))
        self.assertTrue(lead.converted_date)

    def test_unpaid_checkout_and_other_types_are_ignored(self):
        lead = self.create_lead(name="Pat", email="pay@example.com", phone=False)
        session = checkout_session(payment_status="unpaid")
        self.assertReceived(
            self.post_stripe(
                stripe_event("evt_5", "checkout.session.completed", session)
            )
        )
        self.post_stripe(stripe_event("evt_6", "customer.created", {"id": "cus_1"}))
        self.assertEqual(
            (self.events("evt_5").result, self.events("evt_6").result),
            ("ignored", "ignored"),
        )
        self.assertFalse(lead.converted_date)

    def test_expired_checkout_is_an_abandoned_booking_with_its_link(self):
        session = checkout_session(
            status="expired",
            payment_status="unpaid",
            after_expiration={
                "recovery": {
                    "allow_promotion_codes": False,
                    "enabled": True,
                    "expires_at": 1700000000,
                    "url": "https://buy.stripe.com/r/live_abc",
                }
            },
        )
        self.assertReceived(
            self.post_stripe(stripe_event("evt_7", "checkout.session.expired", session))
        )
        event = self.events("evt_7")
        self.assertEqual(event.result, "lead_created")
        self.assertEqual(event.lead_id.channel_id.code, "abandoned_booking")
        self.assertEqual(
            event.lead_id.booking_recovery_url, "https://buy.stripe.com/r/live_abc"
        )
        history = "\n".join(event.lead_id.message_ids.mapped("body"))
        self.assertIn("https://buy.stripe.com/r/live_abc", history)

    @mute_logger(CONTROLLER_LOGGER)
    def test_bad_signature_is_400_and_stores_nothing(self):
        lead = self.create_lead(name="Pat", email="pay@example.com", phone=False)
        event = stripe_event("evt_8", "checkout.session.completed", checkout_session())
        response = self.post_stripe(event, secret="whsec_wrong")
        self.assertEqual(response.status_code, 400, response.text)
        old = stripe.WebhookSignature.generate_signature_header(
            json.dumps(event), WHSEC, timestamp=int(time.time()) - 301
        )
        self.assertEqual(self.post_stripe(event, header=old).status_code, 400)
        self.assertFalse(self.events("evt_8"))
        self.assertFalse(lead.converted_date)

    def test_signed_body_that_is_not_json_is_400(self):
        body = "not json"
        header = stripe.WebhookSignature.generate_signature_header(body, WHSEC)
        response = self.url_open(
            f"/leads/v1/companies/{self.company_a.id}/stripe",
            data=body.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
        )
        self.assertEqual(response.status_code, 400, response.text)
        self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.Event.search([("provider", "=", "stripe")]))

    def test_replay_changes_nothing(self):
        lead = self.create_lead(name="Pat", email="pay@example.com", phone=False)
        event = stripe_event("evt_9", "checkout.session.completed", checkout_session())
        self.post_stripe(event)
        partner = lead.partner_id
        self.assertReceived(self.post_stripe(event))
        self.assertEqual(len(self.events("evt_9")), 1)
        self.assertEqual(lead.partner_id, partner)

    def test_payment_of_a_lead_converted_manually_is_a_no_op(self):
        lead = self.create_lead(name="Pat", email="pay@example.com", phone=False)
        lead.with_user(self.manager).action_convert()
        converted = (lead.partner_id, lead.conversion_trigger, lead.converted_date)
        self.assertReceived(
            self.post_stripe(
                stripe_event("evt_10", "checkout.session.completed", checkout_session())
            )
        )
        self.assertEqual(self.events("evt_10").result, "no_matching_lead")
        self.assertEqual(
            (lead.partner_id, lead.conversion_trigger, lead.converted_date), converted
        )

    def test_leads_management_off_still_converts(self):
        self.company_off.leads_management_enabled = True
        lead = self.create_lead(
            name="Pat", email="pay@example.com", phone=False, company=self.company_off
        )
        self.company_off.leads_management_enabled = False
        self.post_stripe(
            stripe_event("evt_11", "checkout.session.completed", checkout_session()),
            company=self.company_off,
        )
        self.assertEqual(lead.conversion_trigger, "transaction")


class TestStripeTools:
    """tools/stripe_signature.py and tools/stripe_events.py, without a database."""

    def test_signature_of_stripes_library_is_accepted(self):
        body = '{"id": "evt_x"}'
        header = stripe.WebhookSignature.generate_signature_header(body, WHSEC)
        assert verify_stripe_signature(WHSEC, header, body.encode())
        assert not verify_stripe_signature("whsec_other", header, body.encode())
        assert not verify_stripe_signature(WHSEC, header, b'{"id": "evt_y"}')
        assert not verify_stripe_signature("", header, body.encode())

    def test_one_of_several_v1_signatures(self):
        body = b"{}"
        good = stripe.WebhookSignature.generate_signature_header("{}", WHSEC, 1000)
        t, v1 = good.split(",")
        header = f"{t},v1={'0' * 64},{v1},v0={'1' * 64}"
        assert verify_stripe_signature(WHSEC, header, body, now=1000)
        assert not verify_stripe_signature(WHSEC, header, body, now=1301)

    def test_translation(self):
        event = stripe_events.translate(
            stripe_event(
                "evt_t",
                "checkout.session.completed",
                checkout_session(metadata={"lead_id": "42"}),
            )
        )
        assert event["type"] == "transaction.completed"
        assert event["lead_id"] == 42
        assert event["contact"]["email"] == "pay@example.com"
        assert event["stripe"]["amount_minor"] == 4500
