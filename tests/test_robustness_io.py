"""Hostile and odd input for the webhook and the CSV import: values that do
not parse, look-alike contacts, characters a spreadsheet or a database
mishandles. Each is refused naming the field (or the row), or matched to the
record it belongs to."""

import base64
import codecs
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import LeadsCommon
from .common_webhook import CONTROLLER_LOGGER, EVENT_LOGGER, WebhookCommon


def _add_manual_field(test, name, label, ttype, **extra):
    return test.create_manual_field(name, label, ttype, **extra)


# ----------------------------------------------------------------------
# Webhook
# ----------------------------------------------------------------------


@tagged("post_install", "-at_install")
class TestWebhookOddContacts(WebhookCommon):
    def _company_leads(self, company=None):
        return self.Lead.search([("company_id", "=", (company or self.company_a).id)])

    # A phone that has no E.164 form is matched as it was typed.
    def test_unparseable_phone_matches_the_same_lead(self):
        before = self._company_leads()
        first = self.assertResult(
            self.post(self.event(contact={"phone": "12345"})), "lead_created"
        )
        second = self.assertResult(
            self.post(self.event(contact={"phone": "12345"})), "lead_updated"
        )
        self.assertEqual(second["lead_id"], first["lead_id"])
        self.assertEqual(len(self._company_leads() - before), 1)

    # A lead has one email address: a list of them is refused naming the
    # field (it could never be matched).
    def test_several_email_addresses_are_refused(self):
        before = self._company_leads()
        email = "jane@example.com, jane.work@example.com"
        data = self.assertError(
            self.post(self.event("intake_form.submitted", contact={"email": email})),
            400,
            "invalid_payload",
        )
        self.assertTrue(data["error"]["message"].startswith("contact.email"), data)
        self.assertFalse(self._company_leads() - before)

    # Contract 5: "Matching order: lead_id, then phone_sanitized, then
    # email_normalized, open leads of that company only."
    def test_intake_form_with_lead_id_updates_that_lead(self):
        lead = self.create_lead(phone="+1 415 555 0820")
        response = self.post(
            self.event(
                "intake_form.submitted",
                lead_id=lead.id,
                contact={"email": "jane.new@example.com"},
            )
        )
        data = self.assertResult(response, "lead_updated")
        self.assertEqual(data["lead_id"], lead.id)

    # A lone surrogate is valid JSON ("\ud800") but no text: refused naming
    # the field, nothing stored.
    def test_lone_surrogate_in_message_is_refused_naming_the_field(self):
        raw = (
            b'{"id": "evt_surrogate_1", "type": "sms.inbound", '
            b'"contact": {"phone": "+1 415 555 0821"}, "message": "hi \\ud800"}'
        )
        events = self.Event.search_count([])
        data = self.assertError(self.post(raw=raw), 400, "invalid_payload")
        self.assertTrue(data["error"]["message"].startswith("message "), data)
        self.assertEqual(self.Event.search_count([]), events)


@tagged("post_install", "-at_install")
class TestWebhookCustomFieldValues(WebhookCommon):
    def setUp(self):
        self.addCleanup(self._reset_registry)
        super().setUp()
        _add_manual_field(self, "x_review_seen", "Review Seen", "datetime")

    def _reset_registry(self):
        self.registry.registry_invalidated = True
        self.registry.reset_changes()
        self.registry.clear_all_caches()

    # An ISO datetime whose UTC conversion leaves datetime's range is refused
    # naming the field.
    def test_datetime_out_of_range_in_custom_field_names_the_field(self):
        payload = self.event(
            contact={"phone": "+1 415 555 0822"},
            fields={"x_review_seen": "0001-01-01T00:00:00+05:00"},
        )
        with mute_logger(CONTROLLER_LOGGER, EVENT_LOGGER):
            response = self.post(payload)
        data = self.assertError(response, 400, "invalid_payload")
        self.assertTrue(
            data["error"]["message"].startswith("fields.x_review_seen"), data
        )


# ----------------------------------------------------------------------
# CSV import
# ----------------------------------------------------------------------


class ImportHelpers(LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.importer = new_test_user(
            cls.env,
            login="review_importer",
            groups="base.group_user,leads_management.group_lead_import,"
            "leads_management.group_lead_view_working,"
            "leads_management.group_lead_edit_info",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
            tz="America/New_York",
        )

    def setUp(self):
        self.addCleanup(self._reset_registry)
        super().setUp()

    def _reset_registry(self):
        self.registry.registry_invalidated = True
        self.registry.reset_changes()
        self.registry.clear_all_caches()

    def _wizard(self, content, **values):
        if isinstance(content, str):
            content = content.encode()
        env = self.env(
            user=self.importer, context={"allowed_company_ids": [self.company_a.id]}
        )
        with Form(env["leads.import.wizard"]) as form:
            form.file = base64.b64encode(content)
            form.company_id = self.company_a
            for name, value in values.items():
                setattr(form, name, value)
        form.record.filename = "leads.csv"
        return form.record

    def _leads(self):
        return self.env["leads.lead"].search([("company_id", "=", self.company_a.id)])


@tagged("post_install", "-at_install")
class TestImportOddValues(ImportHelpers, TransactionCase):
    # A datetime custom value at the edge of the calendar, in the importer's
    # time zone, fails its row only.
    def test_datetime_out_of_range_is_a_row_error(self):
        _add_manual_field(self, "x_review_seen", "Review Seen", "datetime")
        content = (
            "Name,Phone,Review Seen\n"
            "Good,+1 415 555 0901,2026-01-31 10:00:00\n"
            "Edge,+1 415 555 0902,9999-12-31 23:00:00\n"
        )
        wizard = self._wizard(content)
        before = self._leads()
        wizard.action_import()  # must not raise
        self.assertEqual(len(self._leads() - before), 1)
        self.assertEqual(wizard.failed_count, 1)

    def test_datetime_out_of_range_is_a_row_error_in_the_preview(self):
        _add_manual_field(self, "x_review_seen", "Review Seen", "datetime")
        content = "Name,Phone,Review Seen\nEdge,+1 415 555 0903,9999-12-31 23:00:00\n"
        wizard = self._wizard(content)
        wizard.action_preview()  # must not raise
        self.assertEqual(wizard.failed_count, 1)

    # Background job: the same row fails its row, the job finishes.
    def test_background_job_finishes_with_the_out_of_range_row_failed(self):
        _add_manual_field(self, "x_review_seen", "Review Seen", "datetime")
        content = (
            "Name,Phone,Review Seen\n"
            "Good,+1 415 555 0904,2026-01-31 10:00:00\n"
            "Edge,+1 415 555 0905,9999-12-31 23:00:00\n"
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "leads_management.import_background_threshold", "1"
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "leads_management.import_batch_size", "1"
        )
        wizard = self._wizard(content)
        wizard.action_import()
        job = wizard.job_id.sudo()
        self.assertEqual(job.state, "queued")
        Job = self.env["leads.import.job"].sudo()
        with (
            patch.object(type(Job), "_import_commit", return_value=1000),
            patch.object(type(Job), "_import_commit_final", return_value=None),
            patch.object(type(Job), "_import_rollback", return_value=None),
        ):
            Job._cron_process_import_jobs()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.failed_count, 1)

    # A UTF-8 BOM is unambiguous: it never becomes "ï»¿" in the first header,
    # even when Windows-1252 is chosen.
    def test_bom_with_windows_1252_chosen_keeps_the_first_header(self):
        content = codecs.BOM_UTF8 + b"Phone,Name\n+1 415 555 0906,Zoe\n"
        wizard = self._wizard(content, encoding="windows-1252")
        wizard.action_load()
        self.assertEqual(
            wizard.line_ids.sorted("sequence")[0].column_name,
            "Phone",
            "the BOM became part of the first header",
        )

    # A NUL cannot be stored (PostgreSQL refuses it): the mapping step shows
    # the columns and their samples without it.
    def test_nul_in_a_cell_is_left_out_of_the_sample(self):
        content = "Name,Phone\nZo\x00e,+1 415 555 0907\nAnn,+1 415 555 0908\n"
        wizard = self._wizard(content)
        wizard.action_load()
        lines = wizard.line_ids.sorted("sequence")
        self.assertEqual(lines.mapped("column_name"), ["Name", "Phone"])
        self.assertNotIn("\x00", lines[0].sample or "")

    # A NUL in a header is a damaged file: refused naming the column.
    def test_nul_in_a_header_is_refused_naming_the_column(self):
        content = "Na\x00me,Phone\nZoe,+1 415 555 0909\n"
        wizard = self._wizard(content)
        with self.assertRaisesRegex(UserError, "Column 1 of the header line"):
            wizard.action_load()
        self.assertFalse(wizard.line_ids)


@tagged("post_install", "-at_install")
class TestWebhookFormulasAndClients(WebhookCommon):
    # Formula characters from an anonymous sender never reach a client
    # (res.partner, whose export the module does not override) as a formula:
    # a formula is no email, and a name is stored as text.
    def test_formula_never_reaches_a_client_created_from_a_form(self):
        formula = '=HYPERLINK("http://evil.example/x","Click")'
        data = self.assertError(
            self.post(
                self.event("intake_form.submitted", contact={"email": formula}),
                company=self.company_off,
            ),
            400,
            "invalid_payload",
        )
        self.assertTrue(data["error"]["message"].startswith("contact.email"), data)
        # A formula in the name is stored, and exported, as text.
        data = self.assertResult(
            self.post(
                self.event(
                    "intake_form.submitted",
                    contact={"name": formula, "email": "formula.name@example.com"},
                ),
                company=self.company_off,
            ),
            "client_created",
        )
        partner = self.env["res.partner"].browse(data["partner_id"])
        exported = partner.export_data(["name", "email"])["datas"][0]
        for value in exported:
            self.assertFalse(
                str(value).startswith("="), f"formula stored and exported: {exported}"
            )

    # A formula is no phone number; in the name it reaches the client
    # converted from the lead as text only.
    def test_formula_never_reaches_a_client_converted_from_a_lead(self):
        formula = "=1+2"
        data = self.assertError(
            self.post(self.event(contact={"phone": formula, "email": "f@example.com"})),
            400,
            "invalid_payload",
        )
        self.assertTrue(data["error"]["message"].startswith("contact.phone"), data)
        first = self.assertResult(
            self.post(
                self.event(
                    contact={
                        "name": formula,
                        "phone": "+1 415 555 0830",
                        "email": "f@example.com",
                    }
                )
            ),
            "lead_created",
        )
        lead = self.Lead.browse(first["lead_id"])
        data = self.assertResult(
            self.post(self.event("booking.completed", lead_id=lead.id, contact={})),
            "lead_converted",
        )
        partner = self.env["res.partner"].browse(data["partner_id"])
        exported = partner.export_data(["name", "phone"])["datas"][0]
        for value in exported:
            self.assertFalse(
                str(value).startswith("="), f"formula stored and exported: {exported}"
            )

    # Leads Management off, auto-create on: a phone that has no E.164 form
    # matches the client made by the first call.
    def test_unparseable_phone_matches_the_same_client(self):
        Partner = self.env["res.partner"]
        before = Partner.search([("company_id", "=", self.company_off.id)])
        first = self.assertResult(
            self.post(self.event(contact={"phone": "12345"}), company=self.company_off),
            "client_created",
        )
        second = self.assertResult(
            self.post(self.event(contact={"phone": "12345"}), company=self.company_off),
            "client_matched",
        )
        self.assertEqual(second["partner_id"], first["partner_id"])
        created = Partner.search([("company_id", "=", self.company_off.id)]) - before
        self.assertEqual(len(created), 1)

    # Partners without a company (another business's own partner, an
    # employee's partner) are no clients of company A: a call, a form and a
    # conversion never match them.
    def test_partners_of_businesses_and_staff_are_not_clients(self):
        other = self.company_b.partner_id
        self.assertFalse(other.company_id)
        other.phone = "+1 415 555 0980"
        user_partner = self.internal_user.partner_id
        user_partner.email = "staff.member@example.com"
        r1 = self.post(self.event(contact={"phone": "+1 415 555 0980"}))
        r2 = self.post(
            self.event(
                "intake_form.submitted", contact={"email": "staff.member@example.com"}
            )
        )
        lead = self.create_lead(phone="+1 415 555 0980", name="Caller")
        r3 = self.post(self.event("booking.completed", lead_id=lead.id))
        got = [r.json().get("partner_id") for r in (r1, r2, r3)]
        self.assertFalse(
            set(got) & {other.id, user_partner.id},
            f"company B partner {other.id}, employee partner {user_partner.id}: "
            f"{r1.text} / {r2.text} / {r3.text}; lead.partner_id={lead.partner_id.id}",
        )


@tagged("post_install", "-at_install")
class TestWebhookMatchingRules(WebhookCommon):
    """Matching by lead id, surrogates in ignored keys, phone and email
    checks."""

    def test_capture_lead_id_of_another_business_is_ignored(self):
        lead_b = self.create_lead(company=self.company_b, phone="+1 415 555 0840")
        data = self.assertResult(
            self.post(
                self.event(
                    "intake_form.submitted",
                    lead_id=lead_b.id,
                    contact={"email": "other.business@example.com"},
                )
            ),
            "lead_created",
        )
        self.assertNotEqual(data["lead_id"], lead_b.id)
        self.assertEqual(self.Lead.browse(data["lead_id"]).company_id, self.company_a)

    def test_call_with_lead_id_updates_that_lead(self):
        lead = self.create_lead(email="lead.id.call@example.com")
        data = self.assertResult(
            self.post(
                self.event(lead_id=lead.id, contact={"phone": "+1 415 555 0841"})
            ),
            "lead_updated",
        )
        self.assertEqual(data["lead_id"], lead.id)
        self.assertEqual(lead.phone_sanitized, "+14155550841")

    def test_surrogate_in_an_ignored_key_names_it(self):
        raw = (
            b'{"id": "evt_surrogate_2", "type": "sms.inbound", '
            b'"contact": {"phone": "+1 415 555 0842"}, "extra": ["ok", "\\udfff"]}'
        )
        data = self.assertError(self.post(raw=raw), 400, "invalid_payload")
        self.assertTrue(data["error"]["message"].startswith("extra[1] "), data)

    def test_phone_and_email_are_validated(self):
        for phone in ("-123", "12", "call me", "@SUM(1)"):
            data = self.assertError(
                self.post(self.event(contact={"phone": phone})), 400, "invalid_payload"
            )
            self.assertTrue(data["error"]["message"].startswith("contact.phone"), data)
        for email in ("nobody", "@x@example.com", "=a@example.com"):
            data = self.assertError(
                self.post(
                    self.event("intake_form.submitted", contact={"email": email})
                ),
                400,
                "invalid_payload",
            )
            self.assertTrue(data["error"]["message"].startswith("contact.email"), data)
        data = self.assertResult(
            self.post(self.event(contact={"name": "-1-2", "phone": "(415) 555-0843"})),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(lead.name, "'-1-2")
        self.assertEqual(lead.phone, "(415) 555-0843")

    def test_unparseable_phone_lead_converts_to_its_client(self):
        client = self.env["res.partner"].create(
            {
                "name": "Raw phone client",
                "phone": "12345",
                "company_id": self.company_a.id,
            }
        )
        lead = self.create_lead(phone="12345", name="Raw")
        self.assertFalse(lead.phone_sanitized)
        self.assertIn(client, lead._find_matching_partners())
        data = self.assertResult(
            self.post(self.event("booking.completed", lead_id=lead.id)),
            "lead_converted",
        )
        self.assertEqual(data["partner_id"], client.id)

    def test_archived_staff_partner_is_not_a_client(self):
        user = new_test_user(
            self.env, login="archived_staff", email="archived.staff@example.com"
        )
        user.active = False
        data = self.assertResult(
            self.post(
                self.event(
                    "intake_form.submitted",
                    contact={"email": "archived.staff@example.com"},
                )
            ),
            "lead_created",
        )
        self.assertNotEqual(data["partner_id"], user.partner_id.id)
