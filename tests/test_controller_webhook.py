import hashlib
import hmac
import itertools
import json
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.modules import neutralize
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.leads_management.tools.webhook_signature import verify_signature

from .common import LeadsCommon

SECRET = "whsec-test-0123456789abcdef"
CONTROLLER_LOGGER = "odoo.addons.leads_management.controllers.main"
# The event model's files (the store and the processing) log under it.
EVENT_LOGGER = "odoo.addons.leads_management.models"
_SEQ = itertools.count(1)


def sign(body, secret=SECRET, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookCommon(HttpCase, LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_silent = cls.env["res.company"].create(
            {
                "name": "Paws Quiet D",
                "country_id": cls.env.ref("base.us").id,
                "leads_management_enabled": False,
                "leads_auto_create_client": False,
            }
        )
        for company in (
            cls.company_a,
            cls.company_b,
            cls.company_off,
            cls.company_silent,
        ):
            company.sudo().leads_webhook_secret = SECRET
        cls.runner = cls.env.ref("leads_management.user_leads_webhook")
        cls.Event = cls.env["leads.inbound.event"]
        cls.Lead = cls.env["leads.lead"].with_context(active_test=False)

    def url(self, company=None):
        company_id = (
            company if isinstance(company, int) else (company or self.company_a).id
        )
        return f"/leads/v1/companies/{company_id}/events"

    def event(self, type_="call.inbound", **values):
        payload = {"id": f"evt_{next(_SEQ)}_{time.time_ns()}", "type": type_}
        payload.update(values)
        return payload

    def post(
        self,
        payload=None,
        company=None,
        raw=None,
        signature=None,
        content_type="application/json",
        method="POST",
        headers=None,
    ):
        body = raw if raw is not None else json.dumps(payload).encode()
        all_headers = {
            "Content-Type": content_type,
            "X-Leads-Signature": sign(body) if signature is None else signature,
        }
        all_headers.update(headers or {})
        return self.url_open(
            self.url(company), data=body, headers=all_headers, method=method
        )

    def assertResult(self, response, result, status=200):
        self.assertEqual(response.status_code, status, response.text)
        data = response.json()
        self.assertTrue(data["ok"], data)
        self.assertEqual(data["result"], result, data)
        return data

    def assertError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        data = response.json()
        self.assertEqual(data, {"ok": False, "error": data["error"]})
        self.assertEqual(data["error"]["code"], code)
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn(SECRET, response.text)
        return data


@tagged("post_install", "-at_install")
class TestWebhookBehaviour(WebhookCommon):
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

    # ------------------------------------------------------ event log access
    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_event_log_access(self):
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550740"})), "lead_created"
        )
        event = self.Event.browse(data["event_id"])
        self.assertTrue(event.with_user(self.manager).read(["payload", "result"]))
        with self.assertRaises(AccessError):
            event.with_user(self.internal_user).read(["payload"])
        with self.assertRaises(AccessError):
            event.with_user(self.manager).write({"result": "failed"})
        with self.assertRaises(AccessError):
            self.Event.with_user(self.manager).create(
                {
                    "external_id": "forged",
                    "event_type": "call.inbound",
                    "company_id": self.company_a.id,
                    "received_date": "2026-01-01 00:00:00",
                }
            )
        with self.assertRaises(AccessError):
            event.with_user(self.internal_user).action_retry()
        menu = self.env.ref("leads_management.leads_inbound_event_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(
            menu.id, Menu.with_user(self.internal_user)._visible_menu_ids()
        )

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_calling_activity_for_staff(self):
        """Staff working leads read the calling activity of their businesses;
        the caller's contact needs Lead Email and Phone, the raw payload is the
        managers'."""
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550747"})), "lead_created"
        )
        event = self.Event.browse(data["event_id"])
        staff = self.make_user("activity_staff", "view_working,view_contact")
        no_contact = self.make_user("activity_no_contact", "view_working")
        other = self.make_user("activity_b", "view_working", companies=self.company_b)
        menu = self.env.ref("leads_management.leads_inbound_event_menu")
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(staff)._visible_menu_ids()
        )
        as_staff = event.with_user(staff)
        self.assertEqual(
            as_staff.read(["contact_phone", "result"])[0]["contact_phone"],
            "+14155550747",
        )
        for user, fnames in (
            (staff, ["payload"]),
            (staff, ["response"]),
            (staff, ["error_message"]),
            (no_contact, ["contact_phone"]),
            (no_contact, ["contact_email"]),
        ):
            with self.subTest(user=user.login, fields=fnames):
                with self.assertRaises(AccessError):
                    event.with_user(user).read(fnames)
        self.assertTrue(event.with_user(no_contact).read(["result", "lead_id"]))
        # Another business's staff does not see it.
        self.assertFalse(self.Event.with_user(other).search([("id", "=", event.id)]))
        with self.assertRaises(AccessError):
            as_staff.write({"result": "failed"})

    def _visitor(self, phone, type_="call.inbound"):
        data = self.assertResult(
            self.post(
                self.event(type_, contact={"phone": phone}, message="Hello"),
                company=self.company_silent,
            ),
            "visitor_logged",
        )
        return self.Event.browse(data["event_id"])

    def test_visitor_added_by_hand(self):
        """FAQ: visitors are logged only; "you can add them manually"."""
        users = {
            "frontdesk": self.make_user(
                "visitor_frontdesk",
                "view_working,view_contact,base.group_partner_manager",
                companies=self.company_silent,
            ),
            "viewer": self.make_user(
                "visitor_viewer", "view_working", companies=self.company_silent
            ),
        }
        event = self._visitor("+1 415 555 0748")
        self.assertTrue(event.can_add_manually)
        # Without the right to create contacts: refused, nothing created.
        with self.assertRaises(AccessError):
            event.with_user(users["viewer"]).with_company(
                self.company_silent
            ).action_create_client()
        self.assertFalse(event.partner_id)
        action = (
            event.with_user(users["frontdesk"])
            .with_company(self.company_silent)
            .action_create_client()
        )
        client = self.env["res.partner"].browse(action["res_id"])
        self.assertEqual(client.name, "14155550748_call")
        self.assertEqual(client.company_id, self.company_silent)
        self.assertEqual(event.partner_id, client)
        self.assertIn("Hello", client.message_ids[:1].body)
        # Added by hand: the staff member is the author, not the webhook user.
        self.assertEqual(
            client.message_ids[:1].author_id, users["frontdesk"].partner_id
        )
        # Once added, it cannot be added again.
        self.assertFalse(event.can_add_manually)
        with self.assertRaisesRegex(UserError, "already been added"):
            event.with_user(users["frontdesk"]).with_company(
                self.company_silent
            ).action_create_client()
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "14155550748_call")]),
            1,
        )

    def test_visitor_added_by_hand_takes_no_default_of_the_caller(self):
        """Adding a visitor by hand runs the capture's own methods as the
        staff member: the ``default_*`` keys of their context (meant for the
        screen they came from) reach neither the client, nor the lead, nor
        the utm records made from the event."""
        self.company_silent.leads_management_enabled = False
        staff = self.make_user(
            "visitor_ctx_staff", "view_working", companies=self.company_silent
        )
        frontdesk = self.make_user(
            "visitor_ctx_frontdesk",
            "view_working,view_contact,add,base.group_partner_manager",
            companies=self.company_silent,
        )
        defaults = {"default_user_id": staff.id, "default_type": "other"}
        event = self._visitor("+1 415 555 0751")
        action = (
            event.with_user(frontdesk)
            .with_company(self.company_silent)
            .with_context(**defaults)
            .action_create_client()
        )
        client = self.env["res.partner"].browse(action["res_id"])
        self.assertFalse(client.user_id)
        self.assertEqual(client.type, "contact")
        data = self.assertResult(
            self.post(
                self.event(
                    "call.inbound",
                    contact={"phone": "+1 415 555 0752"},
                    utm={"campaign": "Visitor Promo"},
                ),
                company=self.company_silent,
            ),
            "visitor_logged",
        )
        self.company_silent.leads_management_enabled = True
        action = (
            self.Event.browse(data["event_id"])
            .with_user(frontdesk)
            .with_company(self.company_silent)
            .with_context(**defaults)
            .action_create_lead()
        )
        lead = self.Lead.browse(action["res_id"])
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.campaign_id.name, "Visitor Promo")
        self.assertEqual(lead.campaign_id.user_id, frontdesk, "its creator")

    def test_visitor_whose_custom_field_was_deleted(self):
        """A visitor's event filled a custom field deleted since: adding the
        visitor by hand is refused with the reason, not a server error."""
        field = self.create_manual_field("x_visitor_pet", "Visitor Pet")
        data = self.assertResult(
            self.post(
                self.event(
                    contact={"phone": "+1 415 555 0753"},
                    fields={"x_visitor_pet": "Rex"},
                ),
                company=self.company_silent,
            ),
            "visitor_logged",
        )
        field.unlink()
        frontdesk = self.make_user(
            "visitor_field_frontdesk",
            "view_working,view_contact,base.group_partner_manager",
            companies=self.company_silent,
        )
        event = self.Event.browse(data["event_id"])
        with self.assertRaisesRegex(UserError, "x_visitor_pet"):
            event.with_user(frontdesk).with_company(
                self.company_silent
            ).action_create_client()
        self.assertFalse(event.partner_id)

    def test_visitor_as_lead_follows_add_lead_rules(self):
        adder = self.make_user(
            "visitor_adder", "view_working,add", companies=self.company_silent
        )
        event = self._visitor("+1 415 555 0749", type_="sms.inbound")
        as_adder = event.with_user(adder).with_company(self.company_silent)
        # Leads Management is off in that business: no lead, a clear refusal.
        with self.assertRaisesRegex(UserError, "turned off"):
            as_adder.action_create_lead()
        self.assertFalse(event.lead_id)
        self.company_silent.leads_management_enabled = True
        action = as_adder.action_create_lead()
        lead = self.Lead.browse(action["res_id"])
        self.assertEqual(lead.phone_sanitized, "+14155550749")
        self.assertEqual(lead.channel_id.code, "sms")
        self.assertFalse(lead.action_status_id)
        self.assertEqual(event.lead_id, lead)
        # A captured event (not a visitor) offers nothing to add.
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550750"})), "lead_created"
        )
        with self.assertRaisesRegex(UserError, "already been added"):
            self.Event.browse(data["event_id"]).with_user(
                self.manager
            ).action_create_lead()

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


@tagged("post_install", "-at_install")
class TestWebhookErrors(WebhookCommon):
    def assertNothingStored(self, count_before):
        self.assertEqual(self.Event.search_count([]), count_before)

    @mute_logger(CONTROLLER_LOGGER)
    def test_neutralized_copy_refuses_production_events(self):
        """Odoo's neutralization of a database copy (staging, support) removes
        the webhook secrets: an event signed for production, or a replay of
        one, is refused there until a new secret is generated."""
        payload = self.event(contact={"phone": "+14155550735"})
        self.company_a.sudo()._leads_generate_webhook_secret()  # a previous one too
        self.assertEqual(len(self.company_a.sudo()._leads_webhook_secrets()), 2)
        queries = list(neutralize.get_neutralization_queries(["leads_management"]))
        self.assertTrue(queries)
        self.env.flush_all()
        for query in queries:
            self.env.cr.execute(query)
        self.env.invalidate_all()
        count = self.Event.search_count([])
        self.assertError(self.post(payload), 401, "bad_signature")
        self.assertNothingStored(count)
        self.company_a.sudo()._leads_generate_webhook_secret(keep_previous=False)
        secret = self.company_a.sudo().leads_webhook_secret
        body = json.dumps(payload).encode()
        self.assertResult(
            self.post(raw=body, signature=sign(body, secret=secret)), "lead_created"
        )

    def test_bad_signatures(self):
        payload = self.event(contact={"phone": "+14155550730"})
        body = json.dumps(payload).encode()
        now = int(time.time())
        good = sign(body)
        cases = {
            "missing": None,
            "empty": "",
            "garbage": "nonsense",
            "no v1": f"t={now}",
            "no t": good.split(",")[1],
            "wrong value": f"t={now},v1={'0' * 64}",
            "wrong secret": sign(body, secret="other-secret"),
            "stale": sign(body, timestamp=now - 301),
            "a day old": sign(body, timestamp=now - 86400),
            "future": sign(body, timestamp=now + 3600),
            "non ascii": f"t={now},v1=é{'0' * 63}",
            "huge t": f"t={'9' * 40},v1={'0' * 64}",
        }
        before = self.Event.search_count([])
        for label, header in cases.items():
            with self.subTest(label), mute_logger(CONTROLLER_LOGGER):
                headers = {"Content-Type": "application/json"}
                if header is not None:
                    headers["X-Leads-Signature"] = header
                response = self.url_open(self.url(), data=body, headers=headers)
                self.assertError(response, 401, "bad_signature")
        # Body tampered after signing: one byte, whitespace, key order.
        for tampered in (
            body.replace(b"0730", b"0731"),
            body + b" ",
            json.dumps(dict(reversed(list(payload.items())))).encode(),
        ):
            with self.subTest(tampered=tampered), mute_logger(CONTROLLER_LOGGER):
                self.assertError(
                    self.post(raw=tampered, signature=good), 401, "bad_signature"
                )
        self.assertNothingStored(before)
        self.assertFalse(self.Lead.search([("phone_sanitized", "=", "+14155550730")]))

    def test_rotation_several_v1(self):
        body = json.dumps(self.event(contact={"phone": "+14155550731"})).encode()
        now = int(time.time())
        old = sign(body, secret="old-secret", timestamp=now).split(",")[1]
        header = f"{sign(body, timestamp=now)},{old}"
        self.assertResult(self.post(raw=body, signature=header), "lead_created")

    def test_regenerated_secret_grace_period(self):
        """W06: after a regeneration the previous secret is accepted for 24 h,
        then refused; revoking it refuses it at once."""
        company = self.company_a.sudo()
        company.action_regenerate_leads_webhook_secret()
        new_secret = company.leads_webhook_secret
        self.assertNotEqual(new_secret, SECRET)
        self.assertEqual(company.leads_webhook_secret_previous, SECRET)
        self.assertAlmostEqual(
            company.leads_webhook_secret_previous_expiry,
            fields.Datetime.now() + timedelta(hours=24),
            delta=timedelta(minutes=1),
        )

        def call(phone, secret):
            body = json.dumps(self.event(contact={"phone": phone})).encode()
            return self.post(raw=body, signature=sign(body, secret=secret))

        # Both secrets during the grace period, alone or side by side.
        self.assertResult(call("+14155550741", SECRET), "lead_created")
        self.assertResult(call("+14155550742", new_secret), "lead_created")
        # Once the grace period is over, the previous secret is refused.
        company.leads_webhook_secret_previous_expiry = (
            fields.Datetime.now() - timedelta(seconds=1)
        )
        with mute_logger(CONTROLLER_LOGGER):
            self.assertError(call("+14155550743", SECRET), 401, "bad_signature")
        self.assertResult(call("+14155550744", new_secret), "lead_created")
        self.assertFalse(self.Lead.search([("phone_sanitized", "=", "+14155550743")]))

        # A leaked secret: regenerate, then revoke the previous one at once.
        company.leads_webhook_secret = SECRET
        company.action_regenerate_leads_webhook_secret()
        self.assertResult(call("+14155550745", SECRET), "lead_created")
        company.action_revoke_leads_webhook_previous_secret()
        with mute_logger(CONTROLLER_LOGGER):
            self.assertError(call("+14155550746", SECRET), 401, "bad_signature")
        self.assertFalse(company.leads_webhook_secret_previous)

    def test_second_regeneration_never_cuts_off_the_senders(self):
        """Regenerating again during the grace period would replace the
        secret every sender still signs with by one none has: refused with
        the way out (revoke first, or wait), and the senders keep working."""
        company = self.company_a.sudo()
        company.action_regenerate_leads_webhook_secret()
        new_secret = company.leads_webhook_secret
        with self.assertRaisesRegex(UserError, "Revoke Now"):
            company.action_regenerate_leads_webhook_secret()
        self.assertEqual(company.leads_webhook_secret, new_secret)
        self.assertEqual(company._leads_webhook_secrets(), [new_secret, SECRET])
        body = json.dumps(self.event(contact={"phone": "+14155550747"})).encode()
        self.assertResult(self.post(raw=body, signature=sign(body)), "lead_created")
        # Revoked (the previous secret refused on purpose): regenerating works.
        company.action_revoke_leads_webhook_previous_secret()
        company.action_regenerate_leads_webhook_secret()
        self.assertEqual(company.leads_webhook_secret_previous, new_secret)

    def test_webhook_user_cannot_be_deleted(self):
        """Every event is processed as the Leads Webhook user: an
        administrator deleting it is refused (it would lose every event)."""
        admin = self.make_user("webhook_user_admin", "base.group_system")
        with self.assertRaisesRegex(UserError, "Leads Webhook"):
            self.runner.with_user(admin).unlink()
        self.assertTrue(self.runner.exists())
        self.assertResult(
            self.post(self.event(contact={"phone": "+14155550748"})), "lead_created"
        )

    def test_revoke_previous_secret_needs_settings_group(self):
        company = self.company_a.sudo()
        company.action_regenerate_leads_webhook_secret()
        user = self.make_user("not_settings", "view_working,edit_info")
        with self.assertRaises(AccessError):
            self.company_a.with_user(user).action_revoke_leads_webhook_previous_secret()
        with self.assertRaises(AccessError):
            self.company_a.with_user(user).read(["leads_webhook_secret_previous"])
        self.assertEqual(company.leads_webhook_secret_previous, SECRET)

    def test_empty_secret_fails_closed(self):
        self.company_a.sudo().leads_webhook_secret = False
        body = json.dumps(self.event(contact={"phone": "+14155550732"})).encode()
        for secret in ("", SECRET):
            with mute_logger(CONTROLLER_LOGGER):
                self.assertError(
                    self.post(raw=body, signature=sign(body, secret=secret)),
                    401,
                    "bad_signature",
                )
        self.assertFalse(verify_signature("", sign(body, secret=""), body))
        # Emptied during the grace period of a regeneration: the previous
        # secret is refused too.
        company = self.company_a.sudo()
        company.leads_webhook_secret = SECRET
        company.action_regenerate_leads_webhook_secret()
        company.leads_webhook_secret = False
        with mute_logger(CONTROLLER_LOGGER):
            self.assertError(
                self.post(raw=body, signature=sign(body, secret=SECRET)),
                401,
                "bad_signature",
            )
        self.assertFalse(self.Lead.search([("phone_sanitized", "=", "+14155550732")]))

    def test_unknown_company_same_message(self):
        body = json.dumps(self.event(contact={"phone": "+14155550733"})).encode()
        unknown = self.assertError(
            self.post(raw=body, company=987654), 404, "unknown_company"
        )
        with mute_logger(CONTROLLER_LOGGER):
            bad = self.assertError(
                self.post(raw=body, signature="t=1,v1=00"), 401, "bad_signature"
            )
        self.assertEqual(unknown["error"]["message"], bad["error"]["message"])
        self.company_b.active = False
        self.assertError(
            self.post(raw=body, company=self.company_b), 404, "unknown_company"
        )

    def test_methods(self):
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            with self.subTest(method):
                response = self.url_open(self.url(), method=method)
                self.assertError(response, 405, "method_not_allowed")
                self.assertEqual(response.headers.get("Allow"), "POST")

    def test_too_large(self):
        body = b'{"id": "x", "pad": "' + b"a" * (256 * 1024) + b'"}'
        self.assertError(self.post(raw=body), 413, "too_large")
        # Sent in chunks, without a Content-Length: bounded all the same.
        before = self.Event.search_count([])

        def chunks():
            yield b'{"id": "chunked", "pad": "'
            for _i in range(70):
                yield b"a" * 4096
            yield b'"}'

        response = self.url_open(
            self.url(),
            data=chunks(),
            headers={
                "Content-Type": "application/json",
                "X-Leads-Signature": "t=1,v1=00",
            },
        )
        self.assertError(response, 413, "too_large")
        self.assertNothingStored(before)

    def test_content_type(self):
        body = json.dumps(self.event(contact={"phone": "+14155550734"})).encode()
        for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
            with self.subTest(content_type):
                self.assertError(
                    self.post(raw=body, content_type=content_type),
                    415,
                    "unsupported_media_type",
                )
        self.assertResult(
            self.post(raw=body, content_type="application/json; charset=utf-8"),
            "lead_created",
        )

    def test_invalid_json(self):
        for raw in (
            b"",
            b"{",
            b"not json",
            b"\xff\xfe{}",
            b'{"id": NaN}',
            b"[" * 100000 + b"]" * 100000,
            b'{"a":' * 30000 + b"1" + b"}" * 30000,
            b"1" * 5000,
        ):
            with self.subTest(raw=raw[:20]):
                self.assertError(self.post(raw=raw, method="POST"), 400, "invalid_json")

    def test_invalid_payloads(self):
        """A generated set of malformed bodies: 400 naming the field, nothing stored."""
        ok_contact = {"phone": "+14155550735"}
        cases = [
            ([], "body"),
            ("string", "body"),
            (None, "body"),
            ({}, "id"),
            ({"type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": "", "type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": "x" * 129, "type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": 5, "type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": "a\x00", "type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": "e1", "contact": ok_contact}, "type"),
            ({"id": "e1", "type": "call.unknown", "contact": ok_contact}, "type"),
            ({"id": "e1", "type": ["call.inbound"], "contact": ok_contact}, "type"),
            ({"id": "e1", "type": "call.inbound"}, "contact.phone"),
            ({"id": "e1", "type": "call.inbound", "contact": "x"}, "contact"),
            ({"id": "e1", "type": "call.inbound", "contact": []}, "contact"),
            (
                {"id": "e1", "type": "call.inbound", "contact": {"phone": 4155550700}},
                "contact.phone",
            ),
            (
                {"id": "e1", "type": "call.inbound", "contact": {"phone": ["+1"]}},
                "contact.phone",
            ),
            (
                {"id": "e1", "type": "call.inbound", "contact": {"phone": "1" * 65}},
                "contact.phone",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": dict(ok_contact, name="n" * 100000),
                },
                "contact.name",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": dict(ok_contact, name="Jo\x00hn"),
                },
                "contact.name",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": dict(ok_contact, email=42),
                },
                "contact.email",
            ),
            (
                {"id": "e1", "type": "intake_form.submitted", "contact": {}},
                "contact",
            ),
            (
                {"id": "e1", "type": "booking.completed", "lead_id": "42"},
                "lead_id",
            ),
            ({"id": "e1", "type": "booking.completed", "lead_id": True}, "lead_id"),
            ({"id": "e1", "type": "booking.completed", "lead_id": -1}, "lead_id"),
            ({"id": "e1", "type": "booking.completed", "lead_id": 2**40}, "lead_id"),
            ({"id": "e1", "type": "booking.completed", "lead_id": 1.5}, "lead_id"),
            (
                {
                    "id": "e1",
                    "type": "sms.inbound",
                    "contact": ok_contact,
                    "message": 1,
                },
                "message",
            ),
            (
                {
                    "id": "e1",
                    "type": "sms.inbound",
                    "contact": ok_contact,
                    "message": "m" * 10001,
                },
                "message",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": ok_contact,
                    "gclid": {},
                },
                "gclid",
            ),
            (
                {"id": "e1", "type": "call.inbound", "contact": ok_contact, "utm": "x"},
                "utm",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": ok_contact,
                    "utm": {"source": 1},
                },
                "utm.source",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": ok_contact,
                    "occurred_at": "yesterday",
                },
                "occurred_at",
            ),
        ]
        before = self.Event.search_count([])
        leads_before = self.Lead.search_count([])
        for payload, field in cases:
            with self.subTest(payload=str(payload)[:80]):
                error = self.assertError(self.post(payload), 400, "invalid_payload")
                self.assertTrue(
                    error["error"]["message"].startswith(field + " "),
                    error["error"]["message"],
                )
                self.assertLess(len(error["error"]["message"]), 300)
        self.assertNothingStored(before)
        self.assertEqual(self.Lead.search_count([]), leads_before)

    def test_unexpected_error_is_no_500(self):
        payload = self.event(contact={"phone": "+14155550742"})
        Event = type(self.env["leads.inbound.event"])
        before = self.Event.search_count([])
        with (
            patch.object(Event, "_validate_payload", side_effect=KeyError("bug")),
            mute_logger(CONTROLLER_LOGGER),
        ):
            response = self.post(payload)
        error = self.assertError(response, 400, "invalid_payload")
        self.assertNotIn("bug", error["error"]["message"])
        self.assertNothingStored(before)

    def test_query_string_is_ignored(self):
        body = json.dumps(self.event(contact={"phone": "+14155550736"})).encode()
        response = self.url_open(
            self.url() + "?company_id=2&debug=1&x=1",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Leads-Signature": sign(body),
            },
        )
        self.assertResult(response, "lead_created")
