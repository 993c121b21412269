"""Rows that fail, the preview and the error file; batches that fail; the
stored files, never indexed."""

import base64
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common_import import HEADER, ImportCommon


@tagged("post_install", "-at_install")
class TestLeadsImportErrors(ImportCommon):
    # ------------------------------------------------------------------
    # Bad rows, preview, error file
    # ------------------------------------------------------------------

    def test_bad_rows_never_stop_good_rows(self):
        content = (
            "Name,Phone,Email,Stage\n"
            "Good 1,+1 415 555 0101,,\n"  # row 2
            "Short,+1 415 555 0102\n"  # row 3
            "Long,+1 415 555 0103,,,extra\n"  # row 4
            "No contact,,,\n"  # row 5
            "Bad mail,,not-an-email,\n"  # row 6
            "Bad stage,+1 415 555 0104,,Nowhere\n"  # row 7
            f"{'x' * 300},+1 415 555 0105,,\n"  # row 8
            "Nul\x00,+1 415 555 0106,,\n"  # row 9
            '=HYPERLINK("http://evil"),+1 415 555 0107,,Nowhere\n'  # row 10
            "Bad phone,12,,\n"  # row 11
            "Converted,+1 415 555 0108,,Converted\n"  # row 12
            "@SUM(A1),+1 415 555 0109,,\n"  # row 13: formula stored as text
            "\n"  # blank: ignored
            "Good 2,,good@example.com,opportunity\n"  # row 15
        )
        wizard = self._import(content)
        self.assertEqual(self._counts(wizard), (3, 0, 0, 10))
        self.assertEqual(self._leads().mapped("name"), ["Good 1", "@SUM(A1)", "Good 2"])
        self.assertEqual(self._leads()[-1].stage_id, self.stage_opportunity)
        rows = self._error_rows(wizard)
        self.assertEqual(rows[0], ["Row", "Reason", "Name", "Phone", "Email", "Stage"])
        by_row = {row[0]: row for row in rows[1:]}
        self.assertEqual(sorted(by_row, key=int), [str(n) for n in range(3, 13)])
        self.assertIn("2 cells", by_row["3"][1])
        self.assertIn("5 cells", by_row["4"][1])
        self.assertEqual(by_row["4"][2:], ["Long", "'+1 415 555 0103", "", "", "extra"])
        self.assertIn("phone number or an email", by_row["5"][1])
        self.assertIn("not a valid email", by_row["6"][1])
        self.assertIn("Unknown lifecycle stage Nowhere", by_row["7"][1])
        self.assertIn("too long", by_row["8"][1])
        self.assertIn("NUL", by_row["9"][1])
        self.assertEqual(by_row["10"][2], '\'=HYPERLINK("http://evil")')
        self.assertIn("not a valid phone", by_row["11"][1])
        self.assertIn("converted stage", by_row["12"][1])
        self.assertIn("Row 3:", wizard.preview_errors)

    def test_phone_and_email_spellings_normalised_like_webhooks(self):
        """I09: the usual spellings of one number and one address give the
        keys the webhooks and the form use (E.164, normal form); what is not
        a phone or an address is a row error."""
        content = HEADER + (
            "Paren,+1 (415) 555-0160,\n"
            "Zeros,0014155550161,\n"
            "National,415.555.0162,\n"
            # 4155550163 in Arabic-Indic digits
            "Arabic digits,"
            "\u0664\u0661\u0665\u0665\u0665\u0665\u0660\u0661\u0666\u0663,\n"
            "Spaces,,  Mixed.Case@Example.COM  \n"
            "Local domain,,A@B\n"
            "Bad email,,not-an-email\n"
            "Bad phone,12,\n"
        )
        wizard = self._import(content)
        leads = {lead.name: lead for lead in self._leads()}
        self.assertEqual(leads["Paren"].phone_sanitized, "+14155550160")
        self.assertEqual(leads["Zeros"].phone_sanitized, "+14155550161")
        self.assertEqual(leads["National"].phone_sanitized, "+14155550162")
        self.assertEqual(leads["Arabic digits"].phone_sanitized, "+14155550163")
        self.assertEqual(leads["Spaces"].email_normalized, "mixed.case@example.com")
        self.assertEqual(leads["Spaces"].email, "Mixed.Case@Example.COM")
        # "a@b" is an address (a local domain), as for the webhooks.
        self.assertEqual(leads["Local domain"].email_normalized, "a@b")
        failed = {row[2] for row in self._error_rows(wizard)[1:]}
        self.assertEqual(failed, {"Bad email", "Bad phone"})
        # The same numbers typed on a lead by hand give the same keys.
        manual = self.create_lead(phone="(415) 555-0160", name="By hand")
        self.assertEqual(manual.phone_sanitized, leads["Paren"].phone_sanitized)

    def test_error_file_neutralises_formulas(self):
        content = (
            "Name,Phone,Email\n"
            "=1+2,,bad\n"
            "+cmd,,bad\n"
            "-2,,bad\n"
            "@SUM(1),,bad\n"
            "\t=1,,bad\n"
            '"\r=1",,bad\n'
            "plain,,bad\n"
        )
        wizard = self._import(content)
        self.assertEqual(wizard.failed_count, 7)
        names = [row[2] for row in self._error_rows(wizard)[1:]]
        self.assertEqual(
            names, ["'=1+2", "'+cmd", "'-2", "'@SUM(1)", "'\t=1", "'\r=1", "plain"]
        )

    def test_preview_writes_nothing_then_import_everything(self):
        self.create_lead(name="Old", phone="+1 415 555 0100")
        content = (
            "Name,Phone,Email\n"
            "Old again,+1 415 555 0100,\n"
            "New,+1 415 555 0101,\n"
            "New dup,+1 415 555 0101,\n"
            "Broken,,nope\n"
            "Fresh utm,+1 415 555 0102,\n"
        )
        wizard = self._wizard(content)
        wizard.action_load()
        leads_before = self._leads()
        jobs_before = self.env["leads.import.job"].search_count([])
        wizard.action_preview()
        self.assertTrue(wizard.is_preview)
        self.assertEqual(self._counts(wizard), (2, 0, 2, 1))
        self.assertIn("Row 5:", wizard.preview_errors)
        self.assertEqual(self._leads(), leads_before)
        self.assertEqual(self.env["leads.import.job"].search_count([]), jobs_before)
        wizard.action_import()
        self.assertFalse(wizard.is_preview)
        self.assertEqual(self._counts(wizard), (2, 0, 2, 1))
        self.assertEqual(len(self._leads()), 3)

    def test_crash_in_batch_two_rolls_back_and_rerun_is_clean(self):
        self.env["ir.config_parameter"].set_param(
            "leads_management.import_batch_size", 2
        )
        content = self._rows(6)
        Job = self.registry["leads.import.job"]
        original = Job._import_create_batch
        calls = []

        def crash_second(job, Lead, vals_list, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return original(job, Lead, vals_list, **kwargs)

        wizard = self._wizard(content)
        with patch.object(Job, "_import_create_batch", crash_second):
            with self.assertRaises(RuntimeError):
                wizard.action_import()
        # One transaction: nothing half-imported.
        self.assertFalse(self._leads())
        wizard = self._import(content)
        self.assertEqual(self._counts(wizard), (6, 0, 0, 0))
        wizard = self._import(content)
        self.assertEqual(self._counts(wizard), (0, 0, 6, 0))

    def test_failing_batch_falls_back_row_by_row(self):
        self.env["ir.config_parameter"].set_param(
            "leads_management.import_batch_size", 3
        )
        Job = self.registry["leads.import.job"]
        original = Job._import_create_batch

        def refuse_culprit(job, Lead, vals_list, **kwargs):
            if any(vals["name"] == "Culprit" for vals in vals_list):
                raise ValidationError("Refused by a constraint")
            return original(job, Lead, vals_list, **kwargs)

        content = HEADER + "".join(
            f"{name},+1 415 555 {2000 + i},\n"
            for i, name in enumerate(["A", "Culprit", "B", "C", "D"])
        )
        with patch.object(Job, "_import_create_batch", refuse_culprit):
            wizard = self._import(content)
        self.assertEqual(self._counts(wizard), (4, 0, 0, 1))
        self.assertEqual(self._leads().mapped("name"), ["A", "B", "C", "D"])
        self.assertEqual(
            self._error_rows(wizard)[1][:3], ["3", "Refused by a constraint", "Culprit"]
        )

    # ------------------------------------------------------------------
    # Stored files
    # ------------------------------------------------------------------

    def test_import_files_are_not_indexed(self):
        """The upload, the job's copy and the error reports are stored, but
        their content (personal data) is not indexed for search; other text
        attachments still are."""
        wizard = self._wizard(HEADER + "Indexed Ann,+1 415 555 2501,\nNo Contact,,\n")
        Attachment = self.env["ir.attachment"].sudo()
        wizard.action_preview()
        preview_file = Attachment.search(
            [
                ("res_model", "=", "leads.import.wizard"),
                ("res_id", "=", wizard.id),
                ("res_field", "=", "preview_error_file"),
            ]
        )
        self.assertEqual(preview_file.mapped("index_content"), [False])
        wizard.action_import()
        self.assertEqual(self._counts(wizard), (1, 0, 0, 1))
        files = Attachment.search(
            [
                "|",
                "&",
                ("res_model", "=", "leads.import.wizard"),
                ("res_id", "=", wizard.id),
                "&",
                ("res_model", "=", "leads.import.job"),
                ("res_id", "=", wizard.job_id.id),
                ("res_field", "in", ("file", "error_file")),
            ]
        )
        self.assertEqual(
            sorted(files.mapped(lambda att: (att.res_model, att.res_field))),
            [
                ("leads.import.job", "error_file"),
                ("leads.import.job", "file"),
                ("leads.import.wizard", "file"),
            ],
        )
        self.assertIn(b"Indexed Ann", base64.b64decode(wizard.job_id.file))
        self.assertEqual(files.mapped("index_content"), [False] * 3)
        # Rewritten files are not indexed either.
        wizard.job_id.sudo().file = base64.b64encode(HEADER.encode() + b"Again Ann,,\n")
        job_file = files.filtered(lambda att: att.res_model == "leads.import.job")
        job_file = job_file.filtered(lambda att: att.res_field == "file")
        self.assertIn(b"Again Ann", job_file.raw)
        self.assertFalse(job_file.index_content)
        other = Attachment.create(
            {
                "name": "notes.txt",
                "raw": b"Indexed Ann called",
                "res_model": "leads.lead",
                "res_id": self._leads()[:1].id,
            }
        )
        self.assertIn("Indexed Ann", other.index_content)
