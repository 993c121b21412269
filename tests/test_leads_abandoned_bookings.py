from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LeadsRpcMixin
from .common_webhook import WebhookCommon

BOOKINGS_DOMAIN = [("channel_id.code", "=", "abandoned_booking")]


@tagged("post_install", "-at_install")
class TestAbandonedBookings(LeadsRpcMixin, WebhookCommon):
    """Abandoned Bookings: what was being booked, and one of the individual
    scope's three ways to a lead (setup guide)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.individual = cls.make_user(
            "bookings_individual", "view_individual,view_contact"
        )
        cls.individual.password = cls.individual.login
        cls.booking_channel = cls.env.ref(
            "leads_management.leads_channel_abandoned_booking"
        )
        Lead = cls.env["leads.lead"]
        cls.booking = Lead.create(
            {
                "name": "Left the booking",
                "phone": "+1 415 555 0171",
                "company_id": cls.company_a.id,
                "channel_id": cls.booking_channel.id,
            }
        )
        cls.other = Lead.create(
            {
                "name": "Called",
                "phone": "+1 415 555 0172",
                "company_id": cls.company_a.id,
            }
        )

    def test_booking_details_from_the_webhook(self):
        data = self.assertResult(
            self.post(
                self.event(
                    "booking.abandoned",
                    contact={"name": "Ann Booker", "phone": "+14155550173"},
                    booking={
                        "service": "Full groom, large dog",
                        "starts_at": "2026-12-05T09:30:00-08:00",
                        "recovery_url": "https://book.example.com/resume/abc",
                    },
                )
            ),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(
            (lead.booking_service, lead.booking_start, lead.booking_recovery_url),
            (
                "Full groom, large dog",
                datetime(2026, 12, 5, 17, 30),
                "https://book.example.com/resume/abc",
            ),
        )
        # A second attempt of the same person: the latest booking is shown.
        self.assertResult(
            self.post(
                self.event(
                    "booking.abandoned",
                    contact={"phone": "+14155550173"},
                    booking={"service": "Bath only"},
                )
            ),
            "lead_updated",
        )
        self.assertEqual(lead.booking_service, "Bath only")

    def test_bad_booking_values_are_refused_by_name(self):
        for booking, field in (
            ({"starts_at": "next Tuesday"}, "booking.starts_at"),
            ({"recovery_url": "javascript:alert(1)"}, "booking.recovery_url"),
            ("Full groom", "booking"),
        ):
            with self.subTest(field=field):
                answer = self.assertError(
                    self.post(self.event("booking.abandoned", booking=booking)),
                    400,
                    "invalid_payload",
                )
                self.assertIn(field, answer["error"]["message"])

    def test_individual_scope_lists_abandoned_bookings(self):
        self.authenticate("bookings_individual", "bookings_individual")
        action = self.make_jsonrpc_request(
            "/web/action/load",
            {"action_id": "leads_management.leads_lead_action_abandoned_booking"},
        )
        self.assertEqual(action["res_model"], "leads.lead")
        records = self.call_kw(
            "bookings_individual",
            "leads.lead",
            "web_search_read",
            [],
            {
                "domain": ["&", *BOOKINGS_DOMAIN, ("converted_date", "=", False)],
                "specification": {"name": {}, "booking_service": {}},
            },
        )["records"]
        self.assertEqual([r["id"] for r in records], self.booking.ids)

    def test_individual_scope_still_cannot_list_other_leads(self):
        Lead = self.env["leads.lead"].with_user(self.individual)
        self.assertEqual(Lead.search(BOOKINGS_DOMAIN), self.booking)
        with self.assertRaisesRegex(AccessError, "Abandoned Bookings only"):
            Lead.search([("name", "ilike", "Called")])
        with self.assertRaisesRegex(AccessError, "Abandoned Bookings only"):
            Lead.search(["|", *BOOKINGS_DOMAIN, ("name", "ilike", "Called")])

    @mute_logger("odoo.http")
    def test_individual_scope_opens_a_booking_from_its_app(self):
        self.start_tour(
            "/odoo",
            "leads_management_abandoned_bookings_tour",
            login="bookings_individual",
        )
