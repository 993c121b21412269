"""What each event does in each kind of business: a lead, a client, a
visitor, a conversion (the webhook's behaviour table)."""

import json

from odoo.tests import tagged

from .common_webhook import WebhookCommon


@tagged("post_install", "-at_install")
class TestWebhookCapture(WebhookCommon):
    # ------------------------------------------- Leads Management on: capture
    def test_call_creates_lead(self):
        payload = self.event(
            contact={"name": "Jane Doe", "phone": "+1 415 555 0700"},
            occurred_at="2026-01-31T10:00:00Z",
        )
        data = self.assertResult(self.post(payload), "lead_created")
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.name, "Jane Doe")
        self.assertEqual(lead.phone_sanitized, "+14155550700")
        self.assertEqual(lead.channel_id.code, "call")
        self.assertEqual(lead.company_id, self.company_a)
        self.assertEqual(lead.stage_id, self.stage_lead)
        self.assertFalse(lead.action_status_id)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.create_uid, self.runner)
        self.assertIsNone(data["partner_id"])
        event = self.Event.browse(data["event_id"])
        self.assertEqual(event.external_id, payload["id"])
        self.assertEqual(event.result, "lead_created")
        self.assertEqual(event.state, "done")
        self.assertEqual(event.lead_id, lead)
        self.assertEqual(event.company_id, self.company_a)
        self.assertEqual(event.contact_phone, "+1 415 555 0700")
        self.assertEqual(json.loads(event.payload), payload)

    def test_history_entry_of_the_webhook_user(self):
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+1 415 555 0799"}, message="Hi")),
            "lead_created",
        )
        message = self.Lead.browse(data["lead_id"]).message_ids
        self.assertEqual(len(message), 1, "the event is the lead's only history")
        self.assertEqual(message.author_id, self.runner.partner_id)
        self.assertEqual(message.message_type, "notification")
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertTrue(message.is_internal)
        self.assertFalse(message.reply_to, "a log is never sent")
        self.assertFalse(message.notification_ids, "nobody is notified")

    def test_phone_region_follows_the_business_country(self):
        """The default region is cached per business; changing the business's
        country (on the business or its partner) applies to the next event,
        and to the keys of the leads it already has."""
        national = {"contact": {"phone": "0470 12 34 56"}}
        # US business: a Belgian national number has no E.164 form.
        data = self.assertResult(self.post(self.event(**national)), "lead_created")
        lead = self.Lead.browse(data["lead_id"])
        self.assertFalse(lead.phone_sanitized)
        self.company_a.country_id = self.env.ref("base.be")
        self.assertEqual(lead.phone_sanitized, "+32470123456")
        data = self.assertResult(self.post(self.event(**national)), "lead_updated")
        self.assertEqual(data["lead_id"], lead.id)
        self.company_a.partner_id.country_id = self.env.ref("base.fr")
        data = self.assertResult(
            self.post(self.event(contact={"phone": "06 12 34 56 78"})),
            "lead_created",
        )
        self.assertEqual(
            self.Lead.browse(data["lead_id"]).phone_sanitized, "+33612345678"
        )

    def test_new_client_phone_key_in_the_business_country(self):
        """A client created by a call is matched by the next call: its phone
        key is computed in the business's country (Belgium here), not in the
        request's environment, which has no user and no business."""
        self.company_b.leads_management_enabled = False
        first = self.assertResult(
            self.post(self.event(contact={"phone": "0470 12 34 58"}), self.company_b),
            "client_created",
        )
        client = self.env["res.partner"].browse(first["partner_id"])
        self.assertEqual(client.phone_sanitized, "+32470123458")
        second = self.assertResult(
            self.post(self.event(contact={"phone": "0470123458"}), self.company_b),
            "client_matched",
        )
        self.assertEqual(second["partner_id"], client.id)

    def test_call_without_name_is_named_after_phone(self):
        data = self.assertResult(
            self.post(self.event(contact={"phone": "415-555-0701"})), "lead_created"
        )
        self.assertEqual(self.Lead.browse(data["lead_id"]).name, "415-555-0701")

    def test_sms_updates_open_lead_and_posts_text(self):
        first = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550702"})), "lead_created"
        )
        second = self.assertResult(
            self.post(
                self.event(
                    "sms.inbound",
                    contact={"phone": "(415) 555-0702", "name": "Sam"},
                    message="Hi, <b>do you groom cats?</b>",
                )
            ),
            "lead_updated",
        )
        self.assertEqual(first["lead_id"], second["lead_id"])
        lead = self.Lead.browse(first["lead_id"])
        self.assertEqual(lead.name, "Sam", "an unnamed call lead takes the name")
        bodies = " ".join(lead.message_ids.mapped("body"))
        self.assertIn("SMS received", bodies)
        self.assertIn("&lt;b&gt;do you groom cats?&lt;/b&gt;", bodies)
        self.assertEqual(
            self.Lead.search_count([("phone_sanitized", "=", "+14155550702")]), 1
        )

    def test_sms_creates_lead_with_sms_channel(self):
        data = self.assertResult(
            self.post(
                self.event(
                    "sms.inbound", contact={"phone": "+14155550703"}, message="Hello"
                )
            ),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.channel_id.code, "sms")
        self.assertIn("Hello", " ".join(lead.message_ids.mapped("body")))

    def test_existing_client_is_matched(self):
        client = self.env["res.partner"].create(
            {
                "name": "Known",
                "phone": "+1 415 555 0704",
                "company_id": self.company_a.id,
            }
        )
        data = self.assertResult(
            self.post(self.event(contact={"phone": "4155550704"})), "client_matched"
        )
        self.assertEqual(data["partner_id"], client.id)
        self.assertIsNone(data["lead_id"])
        self.assertFalse(self.Lead.search([("phone_sanitized", "=", "+14155550704")]))
        # A client of another business is not a match.
        self.env["res.partner"].create(
            {"name": "B", "phone": "+1 415 555 0705", "company_id": self.company_b.id}
        )
        self.assertResult(
            self.post(self.event(contact={"phone": "4155550705"})), "lead_created"
        )

    def test_form_and_abandoned_booking_channels(self):
        data = self.assertResult(
            self.post(
                self.event(
                    "intake_form.submitted",
                    contact={"name": "Form Person", "email": "Form@Example.com "},
                    message="Two dogs",
                )
            ),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.channel_id.code, "intake_form")
        self.assertEqual(lead.email_normalized, "form@example.com")
        data = self.assertResult(
            self.post(
                self.event("booking.abandoned", contact={"phone": "+14155550706"})
            ),
            "lead_created",
        )
        self.assertEqual(
            self.Lead.browse(data["lead_id"]).channel_id.code, "abandoned_booking"
        )
        # Same email again: the open lead is updated.
        self.assertResult(
            self.post(
                self.event(
                    "intake_form.submitted", contact={"email": "form@example.com"}
                )
            ),
            "lead_updated",
        )

    # --------------------------------------------- Leads Management off
    def test_off_auto_create_makes_clients(self):
        data = self.assertResult(
            self.post(
                self.event(contact={"phone": "+1 415 555 0707"}),
                company=self.company_off,
            ),
            "client_created",
        )
        client = self.env["res.partner"].browse(data["partner_id"])
        self.assertEqual(client.name, "14155550707_call")
        self.assertEqual(client.company_id, self.company_off)
        self.assertIsNone(data["lead_id"])
        data = self.assertResult(
            self.post(
                self.event("sms.inbound", contact={"phone": "+1 415 555 0708"}),
                company=self.company_off,
            ),
            "client_created",
        )
        self.assertEqual(
            self.env["res.partner"].browse(data["partner_id"]).name,
            "14155550708_sms",
        )
        data = self.assertResult(
            self.post(
                self.event(
                    "intake_form.submitted",
                    contact={"name": "Form Client", "email": "fc@example.com"},
                ),
                company=self.company_off,
            ),
            "client_created",
        )
        self.assertEqual(
            self.env["res.partner"].browse(data["partner_id"]).name, "Form Client"
        )
        # The same caller again: the client is matched, not duplicated.
        self.assertResult(
            self.post(
                self.event(contact={"phone": "4155550707"}), company=self.company_off
            ),
            "client_matched",
        )
        self.assertFalse(self.Lead.search([("company_id", "=", self.company_off.id)]))

    def test_off_no_auto_create_logs_visitor(self):
        partners = self.env["res.partner"].search_count([])
        for type_ in ("call.inbound", "sms.inbound", "intake_form.submitted"):
            data = self.assertResult(
                self.post(
                    self.event(type_, contact={"phone": "+14155550709"}),
                    company=self.company_silent,
                ),
                "visitor_logged",
            )
            self.assertIsNone(data["lead_id"])
            self.assertIsNone(data["partner_id"])
            event = self.Event.browse(data["event_id"])
            self.assertEqual(event.result, "visitor_logged")
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertFalse(
            self.Lead.search([("company_id", "=", self.company_silent.id)])
        )

    def test_abandoned_booking_and_conversions_when_off(self):
        """The table's other cells: abandoned bookings when Leads Management
        is off, and conversions in a business without auto-create."""
        data = self.assertResult(
            self.post(
                self.event(
                    "booking.abandoned",
                    contact={"name": "Half Booked", "email": "hb@example.com"},
                ),
                company=self.company_off,
            ),
            "client_created",
        )
        self.assertEqual(
            self.env["res.partner"].browse(data["partner_id"]).name, "Half Booked"
        )
        self.assertResult(
            self.post(
                self.event("booking.abandoned", contact={"email": "hb2@example.com"}),
                company=self.company_silent,
            ),
            "visitor_logged",
        )
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "hb2@example.com")])
        )
        # A lead kept from before both settings were turned off still converts.
        lead = self.env["leads.lead"].create(
            {
                "name": "Kept",
                "phone": "+14155550725",
                "company_id": self.company_silent.id,
            }
        )
        data = self.assertResult(
            self.post(
                self.event("transaction.completed", contact={"phone": "+14155550725"}),
                company=self.company_silent,
            ),
            "lead_converted",
        )
        self.assertEqual(lead.conversion_trigger, "transaction")
        self.assertResult(
            self.post(
                self.event("membership.purchased", contact={"phone": "+14155550726"}),
                company=self.company_silent,
            ),
            "no_matching_lead",
        )

    # ------------------------------------------------------- conversions
    def test_conversion_triggers(self):
        for type_, trigger in (
            ("booking.completed", "booking"),
            ("package.purchased", "package"),
            ("membership.purchased", "membership"),
            ("transaction.completed", "transaction"),
        ):
            with self.subTest(type_=type_):
                lead = self.create_lead(
                    name=f"L {trigger}", email=f"{trigger}@example.com"
                )
                data = self.assertResult(
                    self.post(self.event(type_, lead_id=lead.id)), "lead_converted"
                )
                self.assertEqual(data["lead_id"], lead.id)
                self.assertEqual(lead.conversion_trigger, trigger)
                self.assertEqual(lead.partner_id.id, data["partner_id"])
                self.assertEqual(lead.stage_id, self.stage_converted)

    def test_conversion_matching_order(self):
        by_phone = self.create_lead(name="Phone", phone="+1 415 555 0710")
        by_email = self.create_lead(name="Mail", email="mail@example.com", phone=None)
        data = self.assertResult(
            self.post(self.event("booking.completed", contact={"phone": "4155550710"})),
            "lead_converted",
        )
        self.assertEqual(data["lead_id"], by_phone.id)
        data = self.assertResult(
            self.post(
                self.event(
                    "transaction.completed", contact={"email": "MAIL@example.com"}
                )
            ),
            "lead_converted",
        )
        self.assertEqual(data["lead_id"], by_email.id)
        # Converted leads and leads of other businesses never match.
        self.assertResult(
            self.post(self.event("booking.completed", contact={"phone": "4155550710"})),
            "no_matching_lead",
        )
        lead_b = self.create_lead(company=self.company_b, phone="+14155550711")
        self.assertResult(
            self.post(self.event("booking.completed", lead_id=lead_b.id)),
            "no_matching_lead",
        )
        self.assertFalse(lead_b.converted_date)
        self.assertResult(
            self.post(self.event("booking.completed", lead_id=2**31 - 1)),
            "no_matching_lead",
        )

    def test_conversion_links_matching_client(self):
        client = self.env["res.partner"].create(
            {"name": "Client", "phone": "+14155550712", "company_id": False}
        )
        lead = self.create_lead(phone="+1 415 555 0712")
        data = self.assertResult(
            self.post(self.event("package.purchased", lead_id=lead.id)),
            "lead_converted",
        )
        self.assertEqual(data["partner_id"], client.id)

    def test_conversion_when_leads_management_off(self):
        # Leads created before Leads Management was turned off.
        lead = self.env["leads.lead"].create(
            {"name": "Old", "phone": "+14155550713", "company_id": self.company_off.id}
        )
        self.assertResult(
            self.post(
                self.event("booking.completed", contact={"phone": "+14155550713"}),
                company=self.company_off,
            ),
            "lead_converted",
        )
        self.assertTrue(lead.converted_date)
