import base64

from odoo.tests import Form, tagged

from odoo.addons.leads_management.tools.click_ids import click_platform

from .common_webhook import WebhookCommon


@tagged("post_install", "-at_install")
class TestClickIdsWebhook(WebhookCommon):
    def _history(self, lead):
        return "\n".join(lead.message_ids.mapped("body"))

    def test_top_level_click_ids_fill_the_lead(self):
        payload = self.event(
            "intake_form.submitted",
            contact={"name": "Ann", "email": "ann@example.com"},
            gclid="G-1",
            gbraid="GB-1",
            wbraid="WB-1",
            fbclid="FB-1",
            msclkid="MS-1",
        )
        data = self.assertResult(self.post(payload), "lead_created")
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(
            [lead.gclid, lead.gbraid, lead.wbraid, lead.fbclid, lead.msclkid],
            ["G-1", "GB-1", "WB-1", "FB-1", "MS-1"],
        )
        self.assertEqual(
            lead.source_id, self.env.ref("leads_management.utm_source_google_ads")
        )

    def test_first_touch_kept_later_touch_in_history(self):
        contact = {"name": "Bob", "phone": "+1 415 555 0801"}
        first = self.event("call.inbound", contact=contact, gclid="G-first")
        data = self.assertResult(self.post(first), "lead_created")
        later = self.event(
            "call.inbound", contact=contact, gclid="G-later", msclkid="MS-later"
        )
        self.assertResult(self.post(later), "lead_updated")
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.gclid, "G-first")
        self.assertEqual(lead.msclkid, "MS-later")
        self.assertIn("G-later", self._history(lead))

    def test_click_id_must_be_a_string(self):
        payload = self.event(
            contact={"phone": "+1 415 555 0802"}, fbclid=["not", "a", "string"]
        )
        response = self.post(payload)
        data = self.assertError(response, 400, "invalid_payload")
        self.assertIn("fbclid", data["error"]["message"])
        self.assertFalse(self.Event.search([("external_id", "=", payload["id"])]))

    def test_lead_form_shows_and_saves_click_ids(self):
        env = self._lead_env(self.manager, self.company_a)
        with Form(env["leads.lead"]) as form:
            form.name = "Form lead"
            form.phone = "+1 415 555 0803"
            form.fbclid = "FB-form"
            form.msclkid = "MS-form"
        self.assertEqual(
            (form.record.fbclid, form.record.msclkid), ("FB-form", "MS-form")
        )


@tagged("post_install", "-at_install")
class TestClickIdsImport(WebhookCommon):
    def test_import_maps_click_id_columns(self):
        content = (
            b"Name,Phone,Google Click ID,fbclid,Microsoft Click ID,wbraid\n"
            b"Cara,+1 415 555 0901,G-imp,FB-imp,MS-imp,WB-imp\n"
        )
        user = self.make_user("click_importer", "import,view_working")
        env = self.env(user=user, context={"allowed_company_ids": [self.company_a.id]})
        with Form(env["leads.import.wizard"]) as form:
            form.file = base64.b64encode(content)
            form.company_id = self.company_a
        wizard = form.record
        wizard.filename = "leads.csv"
        wizard.action_import()
        self.assertEqual(wizard.created_count, 1)
        lead = self.Lead.search([("phone_sanitized", "=", "+14155550901")])
        self.assertEqual(
            [lead.gclid, lead.fbclid, lead.msclkid, lead.wbraid],
            ["G-imp", "FB-imp", "MS-imp", "WB-imp"],
        )


class TestClickPlatform:
    def test_platform_of_the_first_click_id(self):
        assert click_platform({"msclkid": "m"}) == "microsoft_ads"
        assert click_platform({"gbraid": "g", "msclkid": "m"}) == "google_ads"
        assert click_platform({}) is None
