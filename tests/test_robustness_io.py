"""Hostile and odd input for the webhook and the CSV import (found in review)."""

import base64
import codecs
from unittest.mock import patch

from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import LeadsCommon
from .test_controller_webhook import WebhookCommon

# The event model's files (the store and the processing) log under it.
EVENT_LOGGER = "odoo.addons.leads_management.models"
CONTROLLER_LOGGER = "odoo.addons.leads_management.controllers.main"


def _add_manual_field(test, name, label, ttype, **extra):
    return test.create_manual_field(name, label, ttype, **extra)


# ----------------------------------------------------------------------
# Webhook
# ----------------------------------------------------------------------


@tagged("post_install", "-at_install")
class TestReviewWebhookIO(WebhookCommon):
    def _company_leads(self, company=None):
        return self.Lead.search([("company_id", "=", (company or self.company_a).id)])

    # Duplicate leads: a phone that cannot be put in E.164 is never matched.
    def test_review_unparseable_phone_makes_duplicate_leads(self):
        before = self._company_leads()
        first = self.post(self.event(contact={"phone": "12345"}))
        second = self.post(self.event(contact={"phone": "12345"}))
        created = self._company_leads() - before
        self.assertLessEqual(
            len(created),
            1,
            f"two call.inbound events from phone '12345' made {len(created)} "
            f"leads: {first.text} / {second.text}",
        )

    # Duplicate leads: an email that email_normalize(strict) rejects but the
    # lead's email_normalized compute (strict=False) accepts is never matched.
    def test_review_multi_address_email_makes_duplicate_leads(self):
        before = self._company_leads()
        email = "jane@example.com, jane.work@example.com"
        first = self.post(self.event("intake_form.submitted", contact={"email": email}))
        second = self.post(
            self.event("intake_form.submitted", contact={"email": email})
        )
        created = self._company_leads() - before
        self.assertLessEqual(
            len(created),
            1,
            f"two intake forms with the same email made {len(created)} leads "
            f"(email_normalized={created.mapped('email_normalized')}): "
            f"{first.text} / {second.text}",
        )

    # Contract 5: "Matching order: lead_id, then phone_sanitized, then
    # email_normalized, open leads of that company only."
    def test_review_capture_ignores_lead_id(self):
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

    # A valid event whose free text holds a lone surrogate (valid JSON
    # "\ud800"): generic 400 that does not name the field (contract: the
    # message names the field), the event is not stored, a traceback is logged.
    def test_review_lone_surrogate_in_message(self):
        raw = (
            b'{"id": "evt_surrogate_1", "type": "sms.inbound", '
            b'"contact": {"phone": "+1 415 555 0821"}, "message": "hi \\ud800"}'
        )
        with mute_logger(CONTROLLER_LOGGER, EVENT_LOGGER):
            response = self.post(raw=raw)
        self.assertNotEqual(response.status_code, 500)
        if response.status_code == 400:
            data = self.assertError(response, 400, "invalid_payload")
            self.assertIn("message", data["error"]["message"].split(" ")[0], data)
        else:
            self.assertResult(response, "lead_created")


@tagged("post_install", "-at_install")
class TestReviewWebhookCustomFields(WebhookCommon):
    def setUp(self):
        self.addCleanup(self._reset_registry)
        super().setUp()
        _add_manual_field(self, "x_review_seen", "Review Seen", "datetime")

    def _reset_registry(self):
        self.registry.registry_invalidated = True
        self.registry.reset_changes()
        self.registry.clear_all_caches()

    # An ISO datetime whose UTC conversion leaves datetime's range: an
    # OverflowError escapes validation (only ValueError is caught). The answer
    # is the controller's catch-all "The event could not be processed.", which
    # does not name the field as the contract requires.
    def test_review_datetime_overflow_in_custom_field(self):
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
class TestReviewImportIO(ImportHelpers, TransactionCase):
    # A datetime custom value at the edge of the calendar, in the importer's
    # time zone: OverflowError (not ValueError) escapes the row parser and
    # aborts the whole import instead of failing that row.
    def test_review_import_datetime_overflow_is_a_row_error(self):
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

    def test_review_import_datetime_overflow_preview(self):
        _add_manual_field(self, "x_review_seen", "Review Seen", "datetime")
        content = "Name,Phone,Review Seen\nEdge,+1 415 555 0903,9999-12-31 23:00:00\n"
        wizard = self._wizard(content)
        wizard.action_preview()  # must not raise
        self.assertEqual(wizard.failed_count, 1)

    # Background job: the same row crashes the cron after earlier batches were
    # committed; the job is neither finished nor failed (stuck in "running",
    # retried and crashing on every cron run, the user never told).
    def test_review_background_job_crash_leaves_job_running(self):
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
            try:
                Job._cron_process_import_jobs()
            except Exception as exc:  # noqa: BLE001
                self.fail(f"the import cron crashed: {exc!r}; job state {job.state}")
        self.assertEqual(job.state, "done")
        self.assertEqual(job.failed_count, 1)

    # A UTF-8 BOM is unambiguous: forcing Windows-1252 (or Latin-1) on such a
    # file turns it into "ï»¿" in the first header (I08: the BOM never breaks
    # the first column).
    def test_review_bom_with_forced_windows_1252(self):
        content = codecs.BOM_UTF8 + b"Phone,Name\n+1 415 555 0906,Zoe\n"
        wizard = self._wizard(content, encoding="windows-1252")
        wizard.action_load()
        self.assertEqual(
            wizard.line_ids.sorted("sequence")[0].column_name,
            "Phone",
            "the BOM became part of the first header",
        )

    # I07: "NUL becomes a row error, not a 500". A NUL in a data cell of the
    # first rows crashes the mapping step (the column sample is written to
    # the database), a NUL in a header crashes it too.
    def test_review_nul_in_cell_on_load(self):
        content = "Name,Phone\nZo\x00e,+1 415 555 0907\nAnn,+1 415 555 0908\n"
        wizard = self._wizard(content)
        try:
            wizard.action_load()
        except Exception as exc:  # noqa: BLE001
            self.fail(f"action_load crashed on a NUL cell: {exc!r}")

    def test_review_nul_in_header_on_load(self):
        content = "Na\x00me,Phone\nZoe,+1 415 555 0909\n"
        wizard = self._wizard(content)
        try:
            wizard.action_load()
        except Exception as exc:  # noqa: BLE001
            if type(exc).__name__ in ("UserError", "ValidationError"):
                return
            self.fail(f"action_load crashed on a NUL header: {exc!r}")


@tagged("post_install", "-at_install")
class TestReviewWebhookIO2(WebhookCommon):
    # W13/P13: formula characters from an anonymous sender reach a client
    # (res.partner, whose export the module does not override) unneutralised:
    # the name of a client created from a form without a name is the raw
    # email/phone, which are never neutralised.
    def test_review_formula_reaches_client_name(self):
        formula = '=HYPERLINK("http://evil.example/x","Click")'
        # Adjusted: the contract does not require a formula to be accepted as
        # an email; it is refused with a 400 naming the field, so it never
        # becomes a client's name or email.
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

    def test_review_formula_phone_reaches_client_on_conversion(self):
        formula = "=1+2"
        # Adjusted: a formula is not a phone number; it is refused with a 400
        # naming the field (the contract does not require accepting it).
        data = self.assertError(
            self.post(self.event(contact={"phone": formula, "email": "f@example.com"})),
            400,
            "invalid_payload",
        )
        self.assertTrue(data["error"]["message"].startswith("contact.phone"), data)
        # A formula in the name reaches the client converted from the lead as
        # text only.
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

    # Duplicate clients (Leads Management off, auto-create on): a phone that
    # has no E.164 form is never matched either.
    def test_review_unparseable_phone_makes_duplicate_clients(self):
        Partner = self.env["res.partner"]
        before = Partner.search([("company_id", "=", self.company_off.id)])
        first = self.post(
            self.event(contact={"phone": "12345"}), company=self.company_off
        )
        second = self.post(
            self.event(contact={"phone": "12345"}), company=self.company_off
        )
        created = Partner.search([("company_id", "=", self.company_off.id)]) - before
        self.assertLessEqual(
            len(created),
            1,
            f"two calls from '12345' made {len(created)} clients "
            f"{created.mapped('name')}: {first.text} / {second.text}",
        )

    # A client in the wrong business: partners without a company (company B's
    # own partner, an employee's partner) are matched as "clients" of company
    # A. The call is then not captured as a lead, the anonymous event is
    # logged in company B's / the employee's history, and the response hands
    # out the id of an unrelated record (W15). Conversion links a company A
    # lead to company B's partner the same way.
    def test_review_other_business_partner_matched_as_client(self):
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
    """The fixes of the review above, from the other side."""

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
