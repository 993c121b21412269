import json

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.leads_management.tools import google_ads

from .common_webhook import CONTROLLER_LOGGER, WebhookCommon

KEY = "google-key-of-business-a"


def google_payload(lead_id, key=KEY, columns=None, **values):
    """A lead form submission as Google's webhook documents it."""
    payload = {
        "lead_id": lead_id,
        "user_column_data": columns
        or [
            {
                "column_name": "Full Name",
                "string_value": "Gina Green",
                "column_id": "FULL_NAME",
            },
            {
                "column_name": "User Phone",
                "string_value": "+16505550123",
                "column_id": "PHONE_NUMBER",
            },
            {
                "column_name": "User Email",
                "string_value": "gina@example.com",
                "column_id": "EMAIL",
            },
            {
                "column_name": "Which service?",
                "string_value": "Full groom",
                "column_id": "SERVICE",
            },
        ],
        "api_version": "1.0",
        "form_id": 40000000000,
        "campaign_id": 20000000000,
        "google_key": key,
        "is_test": False,
        "gcl_id": "TeSt-gclid-123",
        "adgroup_id": 20000000001,
        "creative_id": 30000000000,
        "lead_submit_time": "2026-01-31 10:00:00.000000+00:00",
    }
    payload.update(values)
    return payload


class GoogleAdsCommon(WebhookCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for company in (cls.company_a, cls.company_off, cls.company_silent):
            company.sudo().leads_google_ads_key = KEY

    def post_google(self, payload, company=None):
        company = company or self.company_a
        return self.url_open(
            f"/leads/v1/companies/{company.id}/google-ads",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )

    def events(self, lead_id):
        return self.Event.search(
            [("provider", "=", "google_ads"), ("external_id", "=", lead_id)]
        )


@tagged("post_install", "-at_install")
class TestGoogleAdsWebhook(GoogleAdsCommon):
    def test_submission_makes_a_lead(self):
        self.create_manual_field("x_pet_name", "Pet Name")
        columns = google_payload("x")["user_column_data"] + [
            {"column_name": "Pet name", "string_value": "Rex", "column_id": "Q1"}
        ]
        response = self.post_google(google_payload("gl-1", columns=columns))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {})
        event = self.events("gl-1")
        self.assertEqual(event.result, "lead_created")
        lead = event.lead_id
        self.assertEqual(
            (lead.name, lead.phone_sanitized, lead.email_normalized),
            ("Gina Green", "+16505550123", "gina@example.com"),
        )
        self.assertEqual(lead.channel_id.code, "google_ads_form")
        self.assertEqual(lead.gclid, "TeSt-gclid-123")
        self.assertEqual(
            lead.source_id, self.env.ref("leads_management.utm_source_google_ads")
        )
        self.assertEqual(lead.campaign_id.name, "20000000000")
        self.assertEqual(lead.x_pet_name, "Rex")
        history = "\n".join(lead.message_ids.mapped("body"))
        self.assertIn("Which service?: Full groom", history)
        self.assertNotIn(KEY, event.sudo().payload)

    def test_answers_fill_custom_fields_of_every_type(self):
        self.create_manual_field("x_pets", "Number of pets", "integer")
        self.create_manual_field("x_visit", "Preferred date", "date")
        self.create_manual_field(
            "x_species",
            "Species",
            "selection",
            selection="[('dog','Dog'),('cat','Cat')]",
        )
        self.create_manual_field("x_weight", "Weight", "float")
        columns = google_payload("x")["user_column_data"] + [
            {"column_name": "Number of pets", "string_value": "2"},
            {"column_name": "Preferred date", "string_value": "2026-12-10"},
            {"column_name": "Species", "string_value": "Cat"},
            {"column_name": "Weight", "string_value": "about ten kilos"},
        ]
        self.post_google(google_payload("gl-typed", columns=columns))
        lead = self.events("gl-typed").lead_id
        self.assertEqual(
            (lead.x_pets, str(lead.x_visit), lead.x_species, lead.x_weight),
            (2, "2026-12-10", "cat", 0.0),
        )
        # Not a number: kept in the history, the lead is made all the same.
        self.assertIn(
            "Weight: about ten kilos", "\n".join(lead.message_ids.mapped("body"))
        )

    def test_first_and_last_name_and_work_columns(self):
        columns = [
            {"column_name": "First", "string_value": "Hal", "column_id": "FIRST_NAME"},
            {"column_name": "Last", "string_value": "Hart", "column_id": "LAST_NAME"},
            {
                "column_name": "Work email",
                "string_value": "hal@work.example.com",
                "column_id": "WORK_EMAIL",
            },
            {
                "column_name": "Work phone",
                "string_value": "+16505550124",
                "column_id": "WORK_PHONE",
            },
        ]
        self.post_google(google_payload("gl-2", columns=columns))
        lead = self.events("gl-2").lead_id
        self.assertEqual(
            (lead.name, lead.email_normalized, lead.phone_sanitized),
            ("Hal Hart", "hal@work.example.com", "+16505550124"),
        )

    @mute_logger(CONTROLLER_LOGGER)
    def test_wrong_key_is_401_and_stores_nothing(self):
        response = self.post_google(google_payload("gl-3", key="not-the-key"))
        self.assertEqual(response.status_code, 401, response.text)
        self.assertFalse(self.events("gl-3"))
        self.assertFalse(
            self.Lead.search([("email_normalized", "=", "gina@example.com")])
        )

    @mute_logger(CONTROLLER_LOGGER)
    def test_key_of_another_business_is_refused(self):
        self.company_b.sudo().leads_google_ads_key = "key-of-b"
        response = self.post_google(google_payload("gl-4"), company=self.company_b)
        self.assertEqual(response.status_code, 401, response.text)
        self.assertFalse(self.events("gl-4"))

    def test_malformed_submission_is_400_and_stores_nothing(self):
        payload = google_payload("gl-9", user_column_data={"not": "a list"})
        response = self.post_google(payload)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.events("gl-9"))

    def test_test_submission_is_stored_without_lead(self):
        response = self.post_google(google_payload("gl-5", is_test=True))
        self.assertEqual(response.status_code, 200, response.text)
        event = self.events("gl-5")
        self.assertEqual((event.result, event.lead_id.id), ("test_event", False))
        self.assertFalse(
            self.Lead.search([("email_normalized", "=", "gina@example.com")])
        )

    def test_replay_changes_nothing(self):
        self.post_google(google_payload("gl-6"))
        lead = self.events("gl-6").lead_id
        messages = len(lead.message_ids)
        response = self.post_google(google_payload("gl-6"))
        self.assertEqual((response.status_code, response.json()), (200, {}))
        self.assertEqual(len(self.events("gl-6")), 1)
        self.assertEqual(
            self.Lead.search_count([("email_normalized", "=", "gina@example.com")]), 1
        )
        self.assertEqual(len(lead.message_ids), messages)

    def test_leads_management_off_follows_the_table(self):
        self.post_google(google_payload("gl-7"), company=self.company_off)
        self.assertEqual(self.events("gl-7").result, "client_created")
        self.post_google(google_payload("gl-8"), company=self.company_silent)
        self.assertEqual(self.events("gl-8").result, "visitor_logged")

    def test_settings_manager_regenerates_the_key(self):
        company = self.company_a.with_user(self.manager)
        company.action_regenerate_leads_google_ads_key()
        self.assertNotEqual(self.company_a.sudo().leads_google_ads_key, KEY)
        self.assertGreaterEqual(len(self.company_a.sudo().leads_google_ads_key), 32)


class TestGoogleAdsTranslation:
    """tools/google_ads.py, without a database."""

    def test_translation(self):
        event = google_ads.translate(google_payload("gl-t"), {"which service?": "x_s"})
        assert event["id"] == "gl-t"
        assert event["type"] == google_ads.LEAD_TYPE
        assert event["contact"] == {
            "name": "Gina Green",
            "email": "gina@example.com",
            "phone": "+16505550123",
        }
        assert event["fields"] == {"x_s": "Full groom"}
        assert event["gclid"] == "TeSt-gclid-123"
        assert event["utm"]["campaign"] == "20000000000"
        assert "google_key" not in json.dumps(event)

    def test_custom_values_by_type(self):
        species = ("x_species", "selection", [("dog", "Chien")])
        cases = [
            (("x_n", "integer", {}), "3", 3),
            (("x_n", "integer", {}), "three", None),
            (("x_f", "float", {}), "2.5", 2.5),
            (("x_b", "boolean", {}), "Yes", True),
            (("x_b", "boolean", {}), "No", False),
            (("x_b", "boolean", {}), "maybe", None),
            (("x_d", "date", {}), "2026-12-10", "2026-12-10"),
            (("x_d", "date", {}), "10/12/2026", None),
            (("x_t", "datetime", {}), "2026-12-10 09:30", "2026-12-10T09:30:00"),
            (species, "Chien", "dog"),
            (species, "Cat", None),
            ("x_text", "anything", "anything"),
        ]
        for spec, text, value in cases:
            assert google_ads.custom_value(spec, text) == value, (spec, text)

    def test_test_flag(self):
        event = google_ads.translate(google_payload("gl-t", is_test=True))
        assert event["type"] == google_ads.TEST_TYPE

    def test_key_check(self):
        assert google_ads.verify_key(KEY, {"google_key": KEY})
        assert not google_ads.verify_key(KEY, {"google_key": KEY + "x"})
        assert not google_ads.verify_key("", {"google_key": ""})
        assert not google_ads.verify_key(KEY, None)


@tagged("post_install", "-at_install")
class TestAdsSettings(GoogleAdsCommon):
    def test_settings_show_urls_key_and_masked_secret(self):
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company_a
        admin.group_ids |= self.env.ref("leads_management.group_lead_settings")
        env = self.env(user=admin, context={"allowed_company_ids": [self.company_a.id]})
        with Form(env["res.config.settings"]) as form:
            form.leads_stripe_webhook_secret = "whsec_pasted"
            base = f"/leads/v1/companies/{self.company_a.id}"
            self.assertTrue(form.leads_google_ads_url.endswith(base + "/google-ads"))
            self.assertTrue(form.leads_stripe_url.endswith(base + "/stripe"))
            self.assertEqual(form.leads_google_ads_key, KEY)
        form.record.execute()
        self.assertEqual(
            self.company_a.sudo().leads_stripe_webhook_secret, "whsec_pasted"
        )
        arch = env["res.config.settings"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertRegex(
            arch, r'name="leads_stripe_webhook_secret"[^>]*password="True"'
        )

    def test_key_and_secret_hidden_from_other_users(self):
        user = self.make_user("ads_settings_no", "view_working")
        company = self.company_a.with_user(user)
        with self.assertRaises(AccessError):
            company.read(["leads_google_ads_key"])
        with self.assertRaises(AccessError):
            company.action_regenerate_leads_google_ads_key()
