"""The values an event gives its lead (gclid, utm, custom fields), and
what neither the payload nor the request can choose."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_webhook import EVENT_LOGGER, WebhookCommon


@tagged("post_install", "-at_install")
class TestWebhookLeadValues(WebhookCommon):
    # ------------------------------------------------ gclid, utm, fields
    def test_gclid_and_utm(self):
        data = self.assertResult(
            self.post(
                self.event(
                    contact={"phone": "+14155550714"},
                    gclid="Cj0KCQ-abc",
                    utm={"source": "ignored", "medium": "cpc", "campaign": "Spring"},
                )
            ),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.gclid, "Cj0KCQ-abc")
        self.assertEqual(
            lead.source_id, self.env.ref("leads_management.utm_source_google_ads")
        )
        self.assertEqual(lead.medium_id.name, "cpc")
        self.assertEqual(lead.campaign_id.name, "Spring")
        data = self.assertResult(
            self.post(
                self.event(
                    contact={"phone": "+14155550715"},
                    utm={"source": "Newsletter"},
                )
            ),
            "lead_created",
        )
        self.assertEqual(self.Lead.browse(data["lead_id"]).source_id.name, "Newsletter")

    def test_sender_cookies_never_fill_utm(self):
        """utm.mixin fills a new record's utm fields from the request's
        cookies (a website visitor's campaign). A webhook's cookies belong to
        the sender's HTTP client, outside the signed body: the lead takes the
        payload's utm values only, and no utm record is made from a cookie."""
        for name in ("source", "medium", "campaign"):
            self.opener.cookies.set(f"odoo_utm_{name}", f"Cookie{name.title()}")
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550731"})), "lead_created"
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertFalse(lead.source_id or lead.medium_id or lead.campaign_id)
        data = self.assertResult(
            self.post(
                self.event(
                    "intake_form.submitted",
                    contact={"email": "cookies@example.com"},
                    utm={"medium": "cpc"},
                ),
            ),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.medium_id.name, "cpc")
        self.assertFalse(lead.source_id or lead.campaign_id)
        for model in ("utm.source", "utm.medium", "utm.campaign"):
            self.assertFalse(
                self.env[model].search([("name", "like", "Cookie")]), model
            )

    @mute_logger(EVENT_LOGGER)
    def test_gclid_without_the_google_ads_source_record(self):
        """The Google Ads source is data an administrator can delete: a
        gclid then still makes its lead, with a Google Ads source again."""
        self.env.ref("leads_management.utm_source_google_ads").unlink()
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+1 415 555 0813"}, gclid="Cj0-x")),
            "lead_created",
        )
        source = self.Lead.browse(data["lead_id"]).source_id
        self.assertEqual(source.name, "Google Ads")
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+1 415 555 0814"}, gclid="Cj0-y")),
            "lead_created",
        )
        self.assertEqual(self.Lead.browse(data["lead_id"]).source_id, source)

    def test_returning_caller_fills_only_what_the_lead_lacks(self):
        self.create_manual_field("x_pet_name", "Pet Name")
        data = self.assertResult(
            self.post(
                self.event(
                    contact={"phone": "+14155550717"},
                    utm={"medium": "email"},
                    fields={"x_pet_name": "Rex"},
                )
            ),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.name, "+14155550717")
        medium = lead.medium_id
        self.assertTrue(medium)
        self.assertResult(
            self.post(
                self.event(
                    "intake_form.submitted",
                    contact={
                        "phone": "+1 415 555 0717",
                        "email": "returning@example.com",
                        "name": "Robin",
                    },
                    gclid="Cj0KCQ-returning",
                    utm={"medium": "cpc", "campaign": "Autumn"},
                    fields={"x_pet_name": "Max"},
                )
            ),
            "lead_updated",
        )
        lead.invalidate_recordset()
        self.assertEqual(lead.name, "Robin", "a name that was the phone is replaced")
        self.assertEqual(lead.email, "returning@example.com")
        self.assertEqual(lead.gclid, "Cj0KCQ-returning")
        self.assertEqual(
            lead.source_id, self.env.ref("leads_management.utm_source_google_ads")
        )
        self.assertEqual(lead.medium_id, medium, "a set value is kept")
        self.assertEqual(lead.campaign_id.name, "Autumn")
        self.assertEqual(lead["x_pet_name"], "Max", "custom fields take the news")

    def test_custom_fields(self):
        self.create_manual_field("x_pet_name", "Pet Name")
        data = self.assertResult(
            self.post(
                self.event(
                    contact={"phone": "+14155550716"}, fields={"x_pet_name": "Rex"}
                )
            ),
            "lead_created",
        )
        self.assertEqual(self.Lead.browse(data["lead_id"])["x_pet_name"], "Rex")
        for fields_value, name in (
            ({"x_unknown": "a"}, "fields.x_unknown"),
            ({"name": "a"}, "fields.name"),
            ({"x_pet_name": 3}, "fields.x_pet_name"),
            ({"x_pet_name": "a\x00b"}, "fields.x_pet_name"),
            ([], "fields"),
        ):
            with self.subTest(fields=fields_value):
                error = self.assertError(
                    self.post(
                        self.event(
                            contact={"phone": "+14155550717"}, fields=fields_value
                        )
                    ),
                    400,
                    "invalid_payload",
                )
                self.assertIn(name, error["error"]["message"])

    def test_payload_cannot_choose_protected_fields(self):
        admin_partner = self.env.ref("base.partner_admin")
        payload = self.event(
            contact={"phone": "+14155550718", "company_id": self.company_b.id},
            company_id=self.company_b.id,
            user_id=self.env.ref("base.user_admin").id,
            stage_id=self.stage_converted.id,
            partner_id=admin_partner.id,
            active=False,
            create_uid=1,
        )
        data = self.assertResult(self.post(payload), "lead_created")
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.company_id, self.company_a)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.stage_id, self.stage_lead)
        self.assertFalse(lead.partner_id)
        self.assertTrue(lead.active)
        self.assertEqual(lead.create_uid, self.runner)

    def test_hostile_text_is_stored_inert(self):
        data = self.assertResult(
            self.post(
                self.event(
                    contact={
                        "name": '=HYPERLINK("http://evil","x")',
                        "phone": "+14155550719",
                    },
                    message="<img src=x onerror=alert(1)> \u202e emoji 🐶",
                )
            ),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.name, '\'=HYPERLINK("http://evil","x")')
        bodies = " ".join(lead.message_ids.mapped("body"))
        self.assertNotIn("<img", bodies)
        self.assertIn("🐶", bodies)
        # Phone-like names are not formulas: kept as sent.
        data = self.assertResult(
            self.post(
                self.event(
                    contact={"name": "+1 (415) 555-0741", "phone": "+14155550741"}
                )
            ),
            "lead_created",
        )
        self.assertEqual(self.Lead.browse(data["lead_id"]).name, "+1 (415) 555-0741")

    def test_logged_in_caller_changes_nothing(self):
        """auth='public': a session cookie gives the request no extra rights."""
        self.authenticate("leads_manager", "leads_manager")
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550720"})), "lead_created"
        )
        self.assertEqual(self.Lead.browse(data["lead_id"]).create_uid, self.runner)

    def test_database_named_in_a_header(self):
        """X-Odoo-Database (docs/webhooks.md) chooses the database without
        Odoo listing them; a database the server does not serve gets 404."""
        data = self.assertResult(
            self.post(
                self.event(contact={"phone": "+14155550745"}),
                headers={"X-Odoo-Database": self.env.cr.dbname},
            ),
            "lead_created",
        )
        self.assertTrue(self.Event.browse(data["event_id"]).exists())
        payload = self.event(contact={"phone": "+14155550746"})
        response = self.post(
            payload, headers={"X-Odoo-Database": f"{self.env.cr.dbname}_other"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.Event.search([("external_id", "=", payload["id"])]))
