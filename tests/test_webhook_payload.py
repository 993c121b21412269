from odoo.tests import tagged
from odoo.tests.common import BaseCase

from odoo.addons.leads_management.tools.webhook_payload import (
    EVENT_TYPES,
    InvalidPayload,
    find_surrogate,
    parse_event,
)


def no_fields(values):
    return {}


def parse(payload, event_types=EVENT_TYPES):
    return parse_event(payload, "leads", event_types, no_fields)


@tagged("post_install", "-at_install")
class TestWebhookPayload(BaseCase):
    """The webhook schema without a database (tools/webhook_payload.py)."""

    def refusal(self, payload):
        with self.assertRaises(InvalidPayload) as caught:
            parse(payload)
        return caught.exception.field, caught.exception.message

    def test_capture_is_normalised(self):
        data = parse(
            {
                "id": " evt_1 ",
                "type": "intake_form.submitted",
                "contact": {"name": "=1+1", "email": " Ann@Example.COM "},
                "utm": {"source": "google"},
                "unknown": "ignored",
            }
        )
        self.assertEqual(
            data,
            {
                "provider": "leads",
                "id": "evt_1",
                "type": "intake_form.submitted",
                "occurred_at": None,
                "contact": {"name": "'=1+1", "phone": None, "email": "Ann@Example.COM"},
                "lead_id": None,
                "message": None,
                "gclid": None,
                "utm": {"source": "google", "medium": None, "campaign": None},
                "fields": {},
                "booking": {"service": None, "start": None, "recovery_url": None},
            },
        )

    def test_call_needs_a_phone(self):
        self.assertEqual(
            self.refusal(
                {"id": "e", "type": "call.inbound", "contact": {"email": "a@b.co"}}
            ),
            ("contact.phone", "is required"),
        )

    def test_form_needs_a_phone_or_an_email(self):
        self.assertEqual(
            self.refusal({"id": "e", "type": "intake_form.submitted"}),
            ("contact", "needs a phone or an email"),
        )

    def test_conversion_needs_no_contact(self):
        data = parse({"id": "e", "type": "booking.completed", "lead_id": 7})
        self.assertEqual((data["lead_id"], data["contact"]["phone"]), (7, None))

    def test_unknown_type_names_the_types(self):
        field, message = self.refusal({"id": "e", "type": "call.outbound"})
        self.assertEqual(
            (field, message),
            ("type", "must be one of " + ", ".join(sorted(EVENT_TYPES))),
        )

    def test_lead_id_is_a_positive_integer(self):
        self.assertEqual(
            self.refusal({"id": "e", "type": "booking.completed", "lead_id": True}),
            ("lead_id", "must be a positive integer"),
        )

    def test_occurred_at_is_iso(self):
        self.assertEqual(
            self.refusal(
                {"id": "e", "type": "booking.completed", "occurred_at": "yesterday"}
            ),
            ("occurred_at", "must be an ISO 8601 date and time"),
        )

    def test_bad_phone_is_refused_with_the_rule(self):
        field, _message = self.refusal(
            {"id": "e", "type": "sms.inbound", "contact": {"phone": "call me"}}
        )
        self.assertEqual(field, "contact.phone")

    def test_lone_surrogate_is_refused_with_its_path(self):
        self.assertEqual(
            find_surrogate({"id": "e", "tags": ["ok", "\ud800"]}), "tags[1]"
        )

    def test_body_must_be_an_object(self):
        self.assertEqual(self.refusal([1]), ("body", "must be a JSON object"))

    def test_fields_are_converted_by_the_caller(self):
        def convert(values):
            return {"x_seen": values["x_seen"] * 2}

        data = parse_event(
            {"id": "e", "type": "booking.completed", "fields": {"x_seen": 2}},
            "leads",
            EVENT_TYPES,
            convert,
        )
        self.assertEqual(data["fields"], {"x_seen": 4})

    def test_every_capture_type_has_a_history_label(self):
        self.assertEqual(
            [
                t
                for t, et in EVENT_TYPES.items()
                if et.kind == "capture" and not et.label
            ],
            [],
        )
