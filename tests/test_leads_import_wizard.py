import base64
import contextlib
import csv
import io
import tempfile
import threading
from pathlib import Path
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import retrying
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.leads_management.models import leads_import_job, leads_import_run
from odoo.addons.leads_management.tools import csv_reader, phone_key_helper
from odoo.addons.leads_management.tools.phone_key import leads_phone_key
from odoo.addons.leads_management.tools.phone_key_helper import PhoneKeyHelper

from .common import LeadsCommon


class WorkerKilled(BaseException):
    """Stands for a worker killed mid-batch (not an Exception)."""


HEADER = "Name,Phone,Email\n"


@tagged("post_install", "-at_install")
class TestLeadsImportWizard(LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        importer_groups = (
            "base.group_user,leads_management.group_lead_import,"
            "leads_management.group_lead_view_working"
        )
        cls.importer = new_test_user(
            cls.env,
            login="leads_importer",
            groups=importer_groups,
            company_id=cls.company_a.id,
            company_ids=(cls.company_a | cls.company_off).ids,
        )
        cls.importer_2 = new_test_user(
            cls.env,
            login="leads_importer_2",
            groups=importer_groups,
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
        )
        cls.editor = new_test_user(
            cls.env,
            login="leads_import_editor",
            groups=importer_groups + ",leads_management.group_lead_edit_info",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
        )
        cls.import_only = new_test_user(
            cls.env,
            login="leads_import_only",
            groups="base.group_user,leads_management.group_lead_import",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
        )
        cls.viewer = new_test_user(
            cls.env,
            login="leads_viewer",
            groups="base.group_user,leads_management.group_lead_view_working",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
        )
        cls.channel_import = cls.env.ref("leads_management.leads_channel_import")

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _wizard(self, content, user=None, company=None, **values):
        user = user or self.importer
        company = company or self.company_a
        if isinstance(content, str):
            content = content.encode()
        env = self.env(user=user, context={"allowed_company_ids": [company.id]})
        with Form(env["leads.import.wizard"]) as form:
            form.file = base64.b64encode(content)
            form.company_id = company
            for name, value in values.items():
                setattr(form, name, value)
        # Set by the upload widget in the browser.
        form.record.filename = "leads.csv"
        return form.record

    def _import(self, content, **kwargs):
        wizard = self._wizard(content, **kwargs)
        wizard.action_import()
        return wizard

    def _leads(self, company=None):
        return self.env["leads.lead"].search(
            [("company_id", "=", (company or self.company_a).id)], order="id"
        )

    def _error_rows(self, wizard):
        data = base64.b64decode(wizard.error_file).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(data, newline="")))

    def _counts(self, wizard):
        return (
            wizard.created_count,
            wizard.updated_count,
            wizard.skipped_count,
            wizard.failed_count,
        )

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_access_import_and_view_working_needed(self):
        content = HEADER + "Zoe,+1 415 555 0101,\n"
        wizard = self._wizard(content, user=self.import_only)
        with self.assertRaises(AccessError):
            wizard.action_import()
        with self.assertRaises(AccessError):
            wizard.action_preview()
        with self.assertRaises(AccessError):
            wizard.action_load()
        # View working without the import permission: no wizard at all.
        with self.assertRaises(AccessError):
            self._wizard(content, user=self.viewer)
        self.assertFalse(self._leads())

    def test_access_company_not_allowed(self):
        wizard = self._wizard(HEADER + "Zoe,+1 415 555 0101,\n")
        wizard.company_id = self.company_b
        with self.assertRaises(AccessError):
            wizard.action_import()
        self.assertFalse(self._leads(self.company_b))

    def test_update_policy_needs_edit_permission(self):
        wizard = self._wizard(
            HEADER + "Zoe,+1 415 555 0101,\n", duplicate_policy="update"
        )
        with self.assertRaises(AccessError):
            wizard.action_import()

    def test_menu_needs_import_and_view_working(self):
        menu = self.env.ref("leads_management.leads_import_wizard_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.importer)._visible_menu_ids())
        for user in (self.import_only, self.viewer, self.internal_user):
            with self.subTest(user=user.login):
                self.assertNotIn(menu.id, Menu.with_user(user)._visible_menu_ids())

    def test_disabled_company_refused_before_writing(self):
        wizard = self._wizard(
            HEADER + "Zoe,+1 415 555 0101,\n", company=self.company_off
        )
        with self.assertRaisesRegex(UserError, "turned off"):
            wizard.action_import()
        self.assertFalse(self._leads(self.company_off))
        self.assertFalse(self.env["leads.import.job"].search([]))

    # ------------------------------------------------------------------
    # Decoding and parsing
    # ------------------------------------------------------------------

    def test_encodings(self):
        text = "Name,Phone,Email\nZoë,+1 415 555 0101,\nFrançois,+1 415 555 0102,\n"
        cases = {
            "utf-8": text.encode("utf-8"),
            "utf-8 bom": text.encode("utf-8-sig"),
            "utf-16 le bom": b"\xff\xfe" + text.encode("utf-16-le"),
            "utf-16 be bom": b"\xfe\xff" + text.encode("utf-16-be"),
            "utf-16 le no bom": text.encode("utf-16-le"),
            "utf-16 be no bom": text.encode("utf-16-be"),
            "cp1252": text.encode("cp1252"),
            "latin-1": text.encode("latin-1"),
        }
        for label, data in cases.items():
            with self.subTest(encoding=label):
                wizard = self._import(data, duplicate_policy="create")
                self.assertEqual(self._counts(wizard), (2, 0, 0, 0))
                leads = self._leads()[-2:]
                self.assertEqual(leads.mapped("name"), ["Zoë", "François"])
                self.assertEqual(leads.channel_id, self.channel_import)
                leads.unlink()

    def test_forced_encoding_that_cannot_decode(self):
        data = "Name,Phone\nZoë,+1 415 555 0101\n".encode("cp1252")
        wizard = self._wizard(data, encoding="utf-8")
        with self.assertRaisesRegex(UserError, "cannot be decoded as utf-8"):
            wizard.action_import()
        # UTF-8 forced over a BOM file: the BOM never sticks to the first header.
        data = "Name,Phone\nZoë,+1 415 555 0101\n".encode("utf-8-sig")
        wizard = self._import(data, encoding="utf-8")
        self.assertEqual(wizard.created_count, 1)
        self.assertEqual(self._leads().name, "Zoë")

    def test_invalid_utf8_byte_names_its_line_and_asks_for_the_encoding(self):
        """One stray byte in a UTF-8 file: detection never falls back to an
        8-bit encoding that garbles every accent; the user chooses."""
        data = (
            "Name,Phone\nZoë,+1 415 555 0101\nFrançois,+1 415 555 0102\n".encode()
            + b"Ren\xe9,+1 415 555 0103\n"
        )
        wizard = self._wizard(data)
        message = (
            r"Line 4 of the file is not valid UTF-8 \(Ren\ufffd,\+1 415 555 0103\)"
            r".*choose its Encoding"
        )
        with self.assertRaisesRegex(UserError, message):
            wizard.action_load()
        with self.assertRaisesRegex(UserError, message):
            wizard.action_import()
        self.assertFalse(self._leads())
        wizard.encoding = "windows-1252"
        wizard.action_import()
        self.assertEqual(self._counts(wizard), (3, 0, 0, 0))

    def test_forced_utf8_names_the_line_that_is_not(self):
        data = "Name,Phone\nAl,+1 415 555 0100\nZoë,+1 415 555 0101\n".encode("cp1252")
        wizard = self._wizard(data, encoding="utf-8")
        with self.assertRaisesRegex(
            UserError, r"cannot be decoded as utf-8: line 3 is not valid \(Zo\ufffd,"
        ):
            wizard.action_load()

    def test_unterminated_quote_is_refused_naming_its_line(self):
        content = HEADER + (
            "Zoe,+1 415 555 0101,\n"
            'Al,"+1 415 555 0102,\n'
            "Bob,+1 415 555 0103,\n"
            "Eve,+1 415 555 0104,\n"
        )
        wizard = self._wizard(content)
        message = (
            r"Line 3 opens a quoted cell that is never closed: it takes lines 3 to 5 "
            r"\(3 lines\) as one row"
        )
        with self.assertRaisesRegex(UserError, message):
            wizard.action_preview()
        with self.assertRaisesRegex(UserError, message):
            wizard.action_import()
        self.assertFalse(self._leads())
        self.assertFalse(self.env["leads.import.job"].search([]))

    def test_unterminated_quote_in_a_large_file_is_named(self):
        content = HEADER + 'Al,"+1 415 555 0102,\n' + "Bob,+1 415 555 0103,\n" * 8000
        with self.assertRaisesRegex(
            UserError, "Line 2 opens a quoted cell that is never closed"
        ):
            self._import(content)
        self.assertFalse(self._leads())

    def test_quoted_cell_closed_on_the_last_line_is_imported(self):
        wizard = self._import('Name,Phone,Notes\nZoe,+1 415 555 0101,"one\ntwo"\n')
        self.assertEqual(self._counts(wizard), (1, 0, 0, 0))

    def test_bom_inside_a_header_cell_is_stripped_and_mapped(self):
        cases = {
            "after an empty first column": "\ufeff,\ufeffName,Phone\n",
            "second bom in a quoted cell": '\ufeff"\ufeffName",Phone\n',
            "bom before the delimiter": "Phone,Name\ufeff\n",
        }
        for label, header in cases.items():
            with self.subTest(label):
                columns = [c.strip('"\ufeff') for c in header.strip().split(",")]
                row = ",".join(
                    {"Name": "Zoe", "Phone": "+1 415 555 0101"}.get(c, "")
                    for c in columns
                )
                wizard = self._wizard((header + row + "\n").encode())
                wizard.action_load()
                self.assertEqual(
                    {line.column_name: line.field_name for line in wizard.line_ids},
                    {c: c.lower() or False for c in columns},
                )
                wizard.action_import()
                self.assertEqual(self._leads().name, "Zoe")
                self._leads().unlink()

    def test_file_size_is_told_in_mib(self):
        content = HEADER + "Zoe,+1 415 555 0101," + "x" * (3 * 1024 * 1024 // 2) + "\n"
        with (
            patch.object(leads_import_job, "MAX_FILE_SIZE", 1024 * 1024),
            self.assertRaisesRegex(UserError, r"is 1\.5 MiB; the limit is 1 MiB\."),
        ):
            self._import(content)

    def test_each_step_decodes_the_file_once(self):
        decoded = []
        decode = csv_reader.decode_csv

        def counting_decode(data, encoding=None):
            decoded.append(encoding)
            return decode(data, encoding)

        wizard = self._wizard(HEADER + "Zoe,+1 415 555 0101,\n")
        steps = {}
        with patch.object(csv_reader, "decode_csv", counting_decode):
            for step in ("action_load", "action_preview", "action_import"):
                decoded.clear()
                getattr(wizard, step)()
                steps[step] = len(decoded)
        self.assertEqual(
            steps, {"action_load": 1, "action_preview": 1, "action_import": 1}
        )
        self.assertEqual(wizard.created_count, 1)

    def test_delimiters_quoting_and_line_ends(self):
        rows = [
            ["Name", "Phone", "Notes"],
            ["Doe, Jane; Jr|x", "+1 415 555 0101", 'Said "hi"\nthen left'],
            ["Bob", "+1 415 555 0102", ""],
        ]
        for delimiter in (",", ";", "\t", "|"):
            for ending in ("\r\n", "\n", "\r"):
                with self.subTest(delimiter=delimiter, ending=ending):
                    buffer = io.StringIO()
                    csv.writer(
                        buffer,
                        delimiter=delimiter,
                        lineterminator=ending,
                        quoting=csv.QUOTE_MINIMAL,
                    ).writerows(rows)
                    # A trailing delimiter on a row is an empty extra cell.
                    content = buffer.getvalue()
                    wizard = self._import(content)
                    self.assertEqual(self._counts(wizard), (2, 0, 0, 0))
                    jane, bob = self._leads()
                    self.assertEqual(jane.name, "Doe, Jane; Jr|x")
                    self.assertIn('Said "hi"', jane.description)
                    self.assertIn("then left", jane.description)
                    self.assertEqual(bob.phone, "+1 415 555 0102")
                    (jane | bob).unlink()

    def test_trailing_delimiter(self):
        wizard = self._import(
            "Name;Phone;\nZoe;+1 415 555 0101;\nAl;+1 415 555 0102;\n"
        )
        self.assertEqual(self._counts(wizard), (2, 0, 0, 0))

    def test_ambiguous_delimiter_asks_the_user(self):
        content = "Name,Phone;Email\nZoe,+1 415 555 0101;zoe@example.com\n"
        wizard = self._wizard(content)
        with self.assertRaisesRegex(UserError, "ambiguous"):
            wizard.action_import()
        wizard.action_load()
        self.assertTrue(wizard.delimiter_ambiguous)
        self.assertTrue(wizard.delimiter)
        wizard.delimiter = ";"
        wizard.action_load()
        self.assertEqual(wizard.line_ids.mapped("column_name"), ["Name,Phone", "Email"])
        wizard.action_import()
        self.assertEqual(wizard.created_count, 1)
        self.assertEqual(self._leads().email, "zoe@example.com")

    # ------------------------------------------------------------------
    # Mapping
    # ------------------------------------------------------------------

    def test_mapping_labels_names_accents_and_case(self):
        for name, label, ttype, extra in [
            ("x_pet_name", "Pet Name", "char", {}),
            ("x_weight", "Weight", "float", {}),
            ("x_visits", "Visits", "integer", {}),
            ("x_vip", "VIP", "boolean", {}),
            ("x_birthday", "Birthday", "date", {}),
            ("x_seen_at", "Seen At", "datetime", {}),
            (
                "x_size",
                "Size",
                "selection",
                {"selection": "[('small', 'Small'), ('big', 'Big')]"},
            ),
        ]:
            self.create_manual_field(name, label, ttype, **extra)
        content = (
            "LEAD NAME;Numéro;ÉMAIL;stage_id;Action Status;channel;"
            "Pet name;X_WEIGHT;visits;Vip;Birthday;Seen at;Size;Source;Comments\n"
            "Zoë;+1 415 555 0101;Zoe@Example.com;Opportunity;connected;Call;"
            "Rex;12,5;3;yes;2020-02-29;2026-01-31 10:00:00;Big;Flyer;hello\n"
        )
        wizard = self._wizard(content)
        wizard.action_load()
        mapping = dict(
            zip(
                wizard.line_ids.mapped("column_name"),
                wizard.line_ids.mapped("field_name"),
                strict=True,
            )
        )
        self.assertEqual(mapping["LEAD NAME"], "name")
        self.assertFalse(mapping["Numéro"], "no such label: left to the user")
        self.assertEqual(
            self.env["leads.import.job"]._import_suggest_mapping(["Téléphone"]),
            ["phone"],
        )
        self.assertEqual(mapping["ÉMAIL"], "email")
        self.assertEqual(mapping["stage_id"], "stage_id")
        self.assertEqual(mapping["Action Status"], "action_status_id")
        self.assertEqual(mapping["channel"], "channel_id")
        self.assertEqual(mapping["Pet name"], "x_pet_name")
        self.assertEqual(mapping["X_WEIGHT"], "x_weight")
        self.assertEqual(mapping["Comments"], "description")
        self.assertEqual(mapping["Source"], "source_id")
        # The user maps the phone column and ignores the notes.
        with Form(wizard) as form:
            with form.line_ids.edit(1) as line:
                line.field_name = "phone"
            with form.line_ids.edit(14) as line:
                line.field_name = False
        wizard.action_import()
        self.assertEqual(self._counts(wizard), (1, 0, 0, 0))
        lead = self._leads()
        self.assertEqual(lead.phone_sanitized, "+14155550101")
        self.assertEqual(lead.email_normalized, "zoe@example.com")
        self.assertEqual(lead.stage_id, self.stage_opportunity)
        self.assertEqual(lead.action_status_id, self.status_connected)
        self.assertEqual(lead.channel_id, self.channel_call)
        self.assertEqual(lead.x_pet_name, "Rex")
        self.assertEqual(lead.x_weight, 12.5)
        self.assertEqual(lead.x_visits, 3)
        self.assertTrue(lead.x_vip)
        self.assertEqual(str(lead.x_birthday), "2020-02-29")
        self.assertTrue(lead.x_seen_at)
        self.assertEqual(lead.x_size, "big")
        self.assertEqual(lead.source_id.name, "Flyer")
        self.assertFalse(lead.description)
        # Bad values of custom fields are row errors.
        bad = (
            "Name,Phone,Visits,Vip,Birthday,Size,Weight\n"
            "A,+1 415 555 0111,three,,,,\n"
            "B,+1 415 555 0112,,maybe,,,\n"
            "C,+1 415 555 0113,,,31/02/2020,,\n"
            "D,+1 415 555 0114,,,,Huge,\n"
            "E,+1 415 555 0115,,,,,nan\n"
            "F,+1 415 555 0116,99999999999,,,,\n"
        )
        wizard = self._import(bad)
        self.assertEqual(self._counts(wizard), (0, 0, 0, 6))

    def test_new_lead_defaults(self):
        self._import(HEADER + "Zoe,+1 415 555 0101,\n")
        lead = self._leads()
        self.assertEqual(lead.channel_id, self.channel_import)
        self.assertFalse(lead.action_status_id)
        self.assertEqual(lead.stage_id, self.stage_lead)
        self.assertEqual(lead.company_id, self.company_a)
        self.assertEqual(lead.create_uid, self.importer)
        # No name: the lead is named after the phone.
        self._import(HEADER + ",+1 415 555 0102,\n")
        self.assertEqual(self._leads()[-1].name, "+1 415 555 0102")

    def test_mapping_errors(self):
        wizard = self._wizard("Name,Notes\nZoe,hi\n")
        with self.assertRaisesRegex(UserError, "Phone or an Email"):
            wizard.action_import()
        wizard = self._wizard("Phone,Mobile\n+1 415 555 0101,+1 415 555 0102\n")
        wizard.action_load()
        wizard.line_ids[1].field_name = "phone"
        with self.assertRaisesRegex(UserError, "both mapped"):
            wizard.action_import()

    def test_id_and_relational_columns_never_imported(self):
        admin_partner = self.env.ref("base.partner_admin")
        name_before = admin_partner.name
        content = (
            "id,.id,name,phone,user_id,company_id,partner_id,create_uid,partner_id/id\n"
            f"base.partner_admin,{admin_partner.id},Hacked,+1 415 555 0101,"
            f"{self.env.ref('base.user_admin').id},{self.company_b.name},"
            f"{admin_partner.id},1,base.partner_admin\n"
        )
        wizard = self._wizard(content)
        wizard.action_load()
        mapped = wizard.line_ids.filtered("field_name").mapped("field_name")
        self.assertEqual(mapped, ["name", "phone"])
        options = dict(
            self.env["leads.import.wizard.line"]
            ._fields["field_name"]
            ._description_selection(self.env)
        )
        for forbidden in ("id", "user_id", "company_id", "partner_id", "create_uid"):
            self.assertNotIn(forbidden, options)
        wizard.action_import()
        lead = self._leads()
        self.assertEqual(lead.name, "Hacked")
        self.assertEqual(admin_partner.name, name_before)
        self.assertFalse(lead.partner_id)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.company_id, self.company_a)
        self.assertEqual(lead.create_uid, self.importer)
        # A crafted job mapping a relational field is refused.
        job = (
            self.env["leads.import.job"]
            .sudo()
            .new(
                {
                    "name": "x.csv",
                    "company_id": self.company_a.id,
                    "user_id": self.importer.id,
                    "file": base64.b64encode(content.encode()),
                    "mapping": [
                        False,
                        False,
                        "name",
                        "phone",
                        False,
                        False,
                        "partner_id",
                    ]
                    + [False, False],
                }
            )
        )
        with self.assertRaisesRegex(UserError, "cannot be imported"):
            job._import_run(dry_run=True)

    def test_urls_are_never_fetched(self):
        content = (
            "Name,Phone,Email,Notes\n"
            "http://169.254.169.254/latest,+1 415 555 0101,,https://example.com/x.png\n"
        )
        with (
            patch("requests.Session.send", side_effect=AssertionError("fetched")),
            patch("urllib.request.urlopen", side_effect=AssertionError("fetched")),
        ):
            wizard = self._import(content)
        self.assertEqual(wizard.created_count, 1)
        lead = self._leads()
        self.assertEqual(lead.name, "http://169.254.169.254/latest")
        self.assertIn("https://example.com/x.png", lead.description)

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    def test_duplicate_policies(self):
        existing = self.create_lead(
            name="Old",
            phone="+1 415 555 0100",
            email="old@example.com",
            stage_id=self.stage_opportunity.id,
            channel_id=self.channel_call.id,
        )
        content = (
            "Name,Phone,Email\n"
            "By phone,(415) 555-0100,\n"
            "By email,,OLD@example.com \n"
            "New,+1 415 555 0199,new@example.com\n"
        )
        wizard = self._import(content, duplicate_policy="skip")
        self.assertEqual(self._counts(wizard), (1, 0, 2, 0))
        self.assertEqual(existing.name, "Old")
        self._leads().filtered(lambda lead: lead.name == "New").unlink()

        wizard = self._import(content, duplicate_policy="create")
        self.assertEqual(self._counts(wizard), (3, 0, 0, 0))
        self._leads().filtered(lambda lead: lead != existing).unlink()

        wizard = self._import(content, user=self.editor, duplicate_policy="update")
        self.assertEqual(self._counts(wizard), (1, 2, 0, 0))
        self.assertEqual(existing.name, "By email")
        # Only the file's cells change: stage, channel and keys stay.
        self.assertEqual(existing.stage_id, self.stage_opportunity)
        self.assertEqual(existing.channel_id, self.channel_call)
        self.assertEqual(existing.phone_sanitized, "+14155550100")
        self.assertEqual(existing.email, "OLD@example.com")
        self.assertEqual(existing.email_normalized, "old@example.com")
        self.assertEqual(len(self._leads()), 2)

    def test_skipped_duplicates_listed_with_row_and_reason(self):
        self.create_lead(name="Old", phone="+1 415 555 0100", email="old@example.com")
        content = (
            "Name,Phone,Email\n"
            "By phone,(415) 555-0100,\n"
            "New,+1 415 555 0199,new@example.com\n"
            "By email,,OLD@example.com\n"
            "New again,,NEW@example.com\n"
        )
        expected = (
            "Row 2: Skipped: an open lead has the same phone number.\n"
            "Row 4: Skipped: an open lead has the same email.\n"
            "Row 5: Skipped: row 3 of the file has the same email."
        )
        wizard = self._wizard(content)
        wizard.action_preview()
        self.assertEqual(wizard.skipped_count, 3)
        self.assertEqual(wizard.skipped_rows, expected)
        wizard.action_import()
        self.assertEqual(self._counts(wizard), (1, 0, 3, 0))
        self.assertEqual(wizard.skipped_rows, expected)
        self.assertEqual(wizard.job_id.skipped_rows, expected)

    def test_duplicates_inside_the_file_and_reimport(self):
        content = (
            "Name,Phone,Email\n"
            "Zoe,+1 415 555 0101,zoe@example.com\n"
            "Zoe again,,ZOE@example.com\n"
            "Zoe third,4155550101,\n"
            "Bob,+1 415 555 0102,\n"
        )
        wizard = self._import(content)
        self.assertEqual(self._counts(wizard), (2, 0, 2, 0))
        wizard = self._import(content)
        self.assertEqual(self._counts(wizard), (0, 0, 4, 0))
        # Another user imports the same file: nothing new either.
        wizard = self._import(content, user=self.importer_2)
        self.assertEqual(self._counts(wizard), (0, 0, 4, 0))
        self.assertEqual(len(self._leads()), 2)
        # Update: the second occurrence updates the lead the first one created.
        self._leads().unlink()
        wizard = self._import(content, user=self.editor, duplicate_policy="update")
        self.assertEqual(self._counts(wizard), (2, 2, 0, 0))
        zoe, bob = self._leads()
        self.assertEqual((zoe.name, bob.name), ("Zoe third", "Bob"))
        self.assertEqual(zoe.phone, "4155550101")
        self.assertEqual(zoe.phone_sanitized, "+14155550101")
        self.assertEqual(zoe.email_normalized, "zoe@example.com")

    def test_duplicates_across_batches(self):
        self.env["ir.config_parameter"].set_param(
            "leads_management.import_batch_size", 2
        )
        content = HEADER + "".join(
            f"Lead {i},+1 415 555 01{i % 3:02d},\n" for i in range(7)
        )
        wizard = self._wizard(content)
        wizard.action_preview()
        self.assertEqual(self._counts(wizard), (3, 0, 4, 0))
        self.assertFalse(self._leads())
        wizard.action_import()
        self.assertEqual(self._counts(wizard), (3, 0, 4, 0))
        self.assertEqual(len(self._leads()), 3)

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

    # ------------------------------------------------------------------
    # Limits
    # ------------------------------------------------------------------

    def test_size_limits(self):
        content = HEADER + "Zoe,+1 415 555 0101,\n"
        with patch.object(leads_import_job, "MAX_FILE_SIZE", 10):
            with self.assertRaisesRegex(UserError, "the limit is"):
                self._import(content)
        with patch.object(leads_import_job, "MAX_ROWS", 1):
            with self.assertRaisesRegex(UserError, "more than 1 rows"):
                self._import(content + "Al,+1 415 555 0102,\n")
        many = ",".join(f"c{i}" for i in range(201))
        with self.assertRaisesRegex(UserError, "201 columns"):
            self._import(f"{many}\n{many}\n")
        huge_cell = HEADER + "Zoe,+1 415 555 0101," + "x" * 200_000 + "\n"
        with self.assertRaisesRegex(UserError, "cell of 200000 characters"):
            self._import(huge_cell)
        self.assertFalse(self._leads())

    # ------------------------------------------------------------------
    # Failures and background
    # ------------------------------------------------------------------

    def _rows(self, count, start=0):
        return HEADER + "".join(
            f"Lead {i},+1 415 555 {1000 + i},\n" for i in range(start, start + count)
        )

    def test_next_batch_phones_formatted_during_the_copy(self):
        """The phones of the next batch are formatted while PostgreSQL stores
        the current one, once each, and an invalid one still fails its row."""
        self.env["ir.config_parameter"].set_param(
            "leads_management.import_batch_size", 3
        )
        phones = [f"+1 415 555 {2100 + i}" for i in range(9)]
        phones[4] = "+1 415 55"  # batch 2
        phones[7] = "12"  # batch 3
        content = HEADER + "".join(
            f"Lead {i},{phone},\n" for i, phone in enumerate(phones)
        )
        calls, prefetched = [], []
        key = leads_import_run.leads_phone_key
        Job = self.registry["leads.import.job"]
        prefetch = Job._import_phone_prefetch

        def counting_key(number, *region):
            calls.append(number)
            return key(number, *region)

        def counting_prefetch(job, run, rows):
            for step in prefetch(job, run, rows):
                prefetched.append(step)
                yield step

        with (
            patch.object(leads_import_run, "leads_phone_key", counting_key),
            patch.object(Job, "_import_phone_prefetch", counting_prefetch),
        ):
            wizard = self._import(content)
        self.assertEqual(self._counts(wizard), (7, 0, 0, 2))
        # Batches 2 and 3 were formatted by the COPYs of batches 1 and 2.
        self.assertEqual(len(prefetched), 6)
        self.assertEqual(sorted(calls), sorted(phones), "each phone formatted once")
        self.assertEqual(
            self._leads().mapped("phone_sanitized"),
            [f"+1415555{2100 + i}" for i in range(9) if i not in (4, 7)],
        )
        errors = self._error_rows(wizard)
        self.assertEqual([row[0] for row in errors[1:]], ["6", "9"])
        self.assertIn("not a valid phone number", errors[1][1])

    def test_phone_helper_keys_equal_the_module_keys(self):
        """The helper process runs the module's own phone key function: the
        same key, or none, for every kind of number, hostile ones included."""
        numbers = [
            "+1 415 555 0100",
            "(415) 555-0101",
            "415.555.0102",
            "0032 470 12 34 56",
            "+32 470 12 34 56",
            "0470 12 34 56",
            "+1 415 55",
            "12",
            "not a phone",
            "+1 415 555 0103 ext. 9",
            "＋１ ４１５ ５５５ ０１０４",  # full-width digits
            "+1 415\x00 555 0105",
            "+1 415\n555 0106",
            "=cmd|' /C calc'!A0",
            "\ud800 415 555 0107",  # lone surrogate
            "9" * 64,
        ]
        for region in (("US", 1), ("BE", 32)):
            helper = PhoneKeyHelper(*region)
            try:
                token = helper.submit(numbers)
                keys = helper.take(token, timeout=60)
            finally:
                helper.close()
            self.assertFalse(helper.failed)
            self.assertIsNotNone(helper._process.poll(), "the helper has exited")
            self.assertEqual(
                keys, {number: leads_phone_key(number, *region) for number in numbers}
            )
        self.assertEqual(keys["0470 12 34 56"], "+32470123456")

    def _phone_helper_import(self, phones):
        """Background import of ``phones`` in batches of 2, the phone helper
        on; the import waits for the helper's keys of each batch, so that the
        split of the work is deterministic.

        Returns the job, the numbers the import formatted itself and, for
        each helper closed, whether it had failed and its exit status.
        """
        for p in self._background_setup():
            p.start()
            self.addCleanup(p.stop)
        self.env["ir.config_parameter"].set_param(
            "leads_management.import_phone_helper_threshold", 1
        )
        content = HEADER + "".join(
            f"Lead {i},{phone},\n" for i, phone in enumerate(phones)
        )
        calls, closed = [], []
        key = leads_import_run.leads_phone_key
        take, close = PhoneKeyHelper.take, PhoneKeyHelper.close

        def counting_key(number, *region):
            calls.append(number)
            return key(number, *region)

        def waiting_take(helper, token, timeout=0):
            return take(helper, token, timeout=60)

        def checked_close(helper):
            close(helper)
            closed.append((helper.failed, helper._process.poll()))

        with (
            patch.object(leads_import_run, "leads_phone_key", counting_key),
            patch.object(PhoneKeyHelper, "take", waiting_take),
            patch.object(PhoneKeyHelper, "close", checked_close),
        ):
            wizard = self._import(content)
            self.env["leads.import.job"]._cron_process_import_jobs()
        return wizard.job_id, calls, closed

    def test_large_import_formats_phones_in_the_helper(self):
        """Once it has started, the helper formats the numbers; the import's
        result is the same as without it."""
        phones = [f"+1 415 555 {2300 + i}" for i in range(10)]
        phones[5] = "+1 415 55"  # batch 3
        job, calls, closed = self._phone_helper_import(phones)
        # Batch 1 in the row check, batch 2 during the COPY of batch 1, while
        # the helper starts; the helper did the others.
        self.assertEqual(calls, phones[:4])
        self.assertEqual(len(closed), 1)
        self.assertFalse(closed[0][0], "the helper did not fail")
        self.assertIsNotNone(closed[0][1], "the helper has exited")
        self.assertEqual(
            (job.state, job.created_count, job.failed_count), ("done", 9, 1)
        )
        self.assertEqual(
            self._leads().mapped("phone_sanitized"),
            [f"+1415555{2300 + i}" for i in range(10) if i != 5],
        )

    def test_broken_phone_helper_costs_speed_not_rows(self):
        """A helper that answers nonsense (or dies, or cannot start): the
        import formats every number itself, with the same result."""
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        impostor = Path(tmp.name) / "impostor.py"
        impostor.write_text(
            "import sys\nprint('\"not ready\"', flush=True)\nsys.stdin.read()\n"
        )
        phones = [f"+1 415 555 {2400 + i}" for i in range(6)]
        with (
            patch.object(phone_key_helper, "__file__", str(impostor)),
            self.assertLogs(phone_key_helper.__name__, "WARNING") as logs,
        ):
            job, calls, closed = self._phone_helper_import(phones)
        self.assertEqual([failed for failed, _status in closed], [True])
        self.assertIsNotNone(closed[0][1], "the impostor has exited")
        self.assertIn("the phone key helper stopped", logs.output[0])
        self.assertEqual(sorted(calls), sorted(phones))
        self.assertEqual((job.state, job.created_count), ("done", 6))
        self.assertEqual(
            self._leads().mapped("phone_sanitized"),
            [f"+1415555{2400 + i}" for i in range(6)],
        )

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

    def test_archived_lead_is_not_a_duplicate(self):
        """As for the webhooks, an archived lead is no duplicate: the row
        makes a new lead instead of being skipped or updating a hidden one."""
        content = HEADER + "Old,+1 415 555 2201,\n"
        first = self._import(content)
        self.assertEqual(self._counts(first), (1, 0, 0, 0))
        self._leads().action_archive()
        again = self._import(content)
        self.assertEqual(self._counts(again), (1, 0, 0, 0))
        self.assertEqual(len(self._leads()), 1)

    def _key_statistics(self):
        """``(columns with statistics, leads counted by them)``."""
        self.env.cr.execute(
            "SELECT attname FROM pg_stats WHERE tablename = 'leads_lead' "
            "AND attname IN ('phone_sanitized', 'email_normalized') ORDER BY 1"
        )
        columns = [row[0] for row in self.env.cr.fetchall()]
        self.env.cr.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'leads_lead'::regclass"
        )
        return columns, self.env.cr.fetchone()[0]

    def test_background_import_keeps_the_keys_statistics(self):
        """Without statistics on the keys, or with statistics of a much
        smaller table, PostgreSQL would scan the whole table for every batch's
        duplicate lookup; a background import analyses them as it goes."""
        for p in self._background_setup():
            p.start()
            self.addCleanup(p.stop)
        self.env.cr.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        self.assertTrue(
            self.env.cr.fetchone()[0],
            "the test suite's database user can reset statistics",
        )
        self.env.cr.execute(
            "DELETE FROM pg_statistic WHERE starelid = 'leads_lead'::regclass"
        )
        self.assertEqual(self._key_statistics()[0], [])
        self._import(self._rows(6))
        self.env["leads.import.job"]._cron_process_import_jobs()
        leads = self.env["leads.lead"].sudo().with_context(active_test=False)
        columns, counted = self._key_statistics()
        self.assertEqual(columns, ["email_normalized", "phone_sanitized"])
        self.assertGreaterEqual(counted, leads.search_count([]) - 6)
        # Statistics of a table half as large as it has become are renewed.
        self.env.cr.execute(
            "UPDATE pg_class SET reltuples = 1 WHERE oid = 'leads_lead'::regclass"
        )
        self._import(self._rows(6, start=100))
        self.env["leads.import.job"]._cron_process_import_jobs()
        self.assertGreaterEqual(self._key_statistics()[1], leads.search_count([]) - 6)

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

    def _background_setup(self):
        param = self.env["ir.config_parameter"]
        param.set_param("leads_management.import_batch_size", 2)
        param.set_param("leads_management.import_background_threshold", 3)
        Job = self.registry["leads.import.job"]
        return [
            patch.object(Job, "_import_commit", lambda job, processed: float("inf")),
            patch.object(Job, "_import_commit_final", lambda model: None),
        ]

    def test_background_import(self):
        patches = self._background_setup()
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        cron = self.env.ref("leads_management.ir_cron_leads_import")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        content = self._rows(5) + "Broken,,nope\n"
        wizard = self._import(content)
        self.assertEqual(wizard.state, "background")
        self.assertEqual(wizard.job_id.state, "queued")
        self.assertFalse(self._leads())
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
        )
        # The user sees their own job only.
        self.assertEqual(
            self.env["leads.import.job"].with_user(self.importer).search([]),
            wizard.job_id,
        )
        self.assertFalse(
            self.env["leads.import.job"].with_user(self.importer_2).search([])
        )
        sent = []
        with patch.object(
            type(self.env["res.partner"]),
            "_bus_send",
            lambda partner, kind, message, **kw: sent.append((partner, message)),
        ):
            self.env["leads.import.job"]._cron_process_import_jobs()
        job = wizard.job_id
        self.assertEqual(job.state, "done")
        self.assertEqual(job.next_row, 6)
        self.assertEqual(job.progress, 100)
        self.assertEqual(self._counts(wizard), (5, 0, 0, 1))
        self.assertEqual(wizard.state, "done")
        self.assertTrue(wizard.error_file)
        self.assertEqual(len(self._leads()), 5)
        self.assertEqual(sent[0][0], self.importer.partner_id)
        self.assertIn("Import of leads.csv finished: 5 created", sent[0][1]["message"])

    def test_background_job_never_writes_into_the_wizard(self):
        patches = self._background_setup()
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        wizard = self._import(self._rows(4))
        self.assertEqual(wizard.state, "background")
        Wizard = self.registry["leads.import.wizard"]
        with patch.object(Wizard, "write", side_effect=AssertionError("job wrote")):
            self.env["leads.import.job"]._cron_process_import_jobs()
        self.assertEqual((wizard.state, self._counts(wizard)), ("done", (4, 0, 0, 0)))

    def test_background_crash_resumes_without_duplicates(self):
        patches = self._background_setup()
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        content = self._rows(6)
        wizard = self._import(content)
        Job = self.registry["leads.import.job"]
        original = Job._import_create_batch
        calls = []

        def crash_second(job, Lead, vals_list, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise WorkerKilled("worker killed")
            return original(job, Lead, vals_list, **kwargs)

        # Batch 1 is "committed" (the commit is stubbed in tests), batch 2 dies
        # with the worker (not an Exception: the cron cannot catch a kill).
        with (
            contextlib.suppress(WorkerKilled),
            patch.object(Job, "_import_create_batch", crash_second),
        ):
            self.env["leads.import.job"]._cron_process_import_jobs()
        job = wizard.job_id
        self.assertEqual(job.state, "running")
        self.assertEqual(job.next_row, 2)
        self.assertEqual(len(self._leads()), 2)
        # The cron runs again: it resumes at row 3 and never duplicates.
        self.env["leads.import.job"]._cron_process_import_jobs()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.created_count, 6)
        self.assertEqual(len(self._leads()), 6)
        self.assertEqual(len(set(self._leads().mapped("phone_sanitized"))), 6)

    def test_background_job_error_fails_the_job_and_moves_on(self):
        patches = self._background_setup()
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        first = self._import(self._rows(4)).job_id
        second = self._import(self._rows(4, start=10)).job_id
        Job = self.registry["leads.import.job"]
        original = Job._import_create_batch

        def crash_first(job, Lead, vals_list, **kwargs):
            if job == first:
                raise RuntimeError("unexpected bug")
            return original(job, Lead, vals_list, **kwargs)

        sent = []
        with (
            patch.object(Job, "_import_rollback", lambda model: None),
            patch.object(Job, "_import_create_batch", crash_first),
            patch.object(
                type(self.env["res.partner"]),
                "_bus_send",
                lambda partner, kind, message, **kw: sent.append((partner, message)),
            ),
            mute_logger("odoo.addons.leads_management.models.leads_import_job"),
        ):
            self.env["leads.import.job"]._cron_process_import_jobs()
        self.assertEqual(first.state, "failed")
        self.assertIn("RuntimeError: unexpected bug", first.error_message)
        self.assertIn("resume", first.error_message)
        self.assertEqual(second.state, "done")
        self.assertEqual(second.created_count, 4)
        messages = [message["message"] for _partner, message in sent]
        self.assertTrue(any("failed" in m for m in messages), messages)
        self.assertTrue(any("finished" in m for m in messages), messages)

    def test_background_job_stops_when_leads_management_turned_off(self):
        patches = self._background_setup()
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        wizard = self._import(self._rows(5))
        self.company_a.leads_management_enabled = False
        Job = self.registry["leads.import.job"]
        with patch.object(Job, "_import_rollback", lambda model: None):
            self.env["leads.import.job"]._cron_process_import_jobs()
        job = wizard.job_id
        self.assertEqual(job.state, "failed")
        self.assertIn("turned off", job.error_message)
        self.assertFalse(self._leads())
        # Turned on again: the user resumes the job from Import History.
        self.company_a.leads_management_enabled = True
        with self.assertRaises(AccessError):
            job.with_user(self.importer_2).action_resume()
        job.with_user(self.importer).action_resume()
        self.assertEqual(job.state, "queued")
        self.env["leads.import.job"]._cron_process_import_jobs()
        self.assertEqual(job.state, "done")
        self.assertEqual(len(self._leads()), 5)

    def test_background_job_stops_when_permission_revoked(self):
        patches = self._background_setup()
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        job = self._import(self._rows(5)).job_id
        self.importer.group_ids = [
            Command.unlink(self.env.ref("leads_management.group_lead_import").id)
        ]
        Job = self.registry["leads.import.job"]
        with patch.object(Job, "_import_rollback", lambda model: None):
            self.env["leads.import.job"]._cron_process_import_jobs()
        self.assertEqual(job.state, "failed")
        self.assertIn("Import Leads permission", job.error_message)
        self.assertFalse(self._leads())

    def test_background_job_whose_file_was_deleted(self):
        """A queued job whose stored file was removed (an attachment cleanup)
        fails with what to do, not with the wizard's "choose a file"."""
        patches = self._background_setup()
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        wizard = self._import(self._rows(5))
        job = wizard.job_id
        self.env["ir.attachment"].sudo().search(
            [
                ("res_model", "=", "leads.import.job"),
                ("res_field", "=", "file"),
                ("res_id", "=", job.id),
            ]
        ).unlink()
        job.invalidate_recordset()
        Job = self.registry["leads.import.job"]
        with patch.object(Job, "_import_rollback", lambda model: None):
            self.env["leads.import.job"]._cron_process_import_jobs()
        self.assertEqual(job.state, "failed")
        self.assertIn("no longer stored", job.error_message)
        self.assertFalse(self._leads())


@tagged("post_install", "-at_install", "concurrency")
class TestLeadsImportConcurrency(TransactionCase):
    """Two users import the same file at the same moment (real cursors)."""

    def test_same_file_imported_at_once_creates_each_lead_once(self):
        registry = self.registry
        phones = [f"+1 415 555 {3000 + i}" for i in range(20)]
        content = HEADER + "".join(f"Race {p},{p},\n" for p in phones)
        barrier = threading.Barrier(2, timeout=30)
        results, failures = [], []

        def worker(line_end):
            # Same rows; other line ends, so that the two uploads are not the same
            # filestore file (written at the same moment, Odoo refuses the second).
            data = content.replace("\n", line_end).encode()
            first_try = [True]
            try:
                with registry.cursor() as cr:
                    cr.execute("SET lock_timeout = '30s'")
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    admin = env.ref("base.user_admin")
                    env = env(
                        user=admin.id,
                        context={"allowed_company_ids": [admin.company_id.id]},
                    )

                    def run():
                        job = (
                            env["leads.import.job"]
                            .sudo()
                            .create(
                                {
                                    "name": "race.csv",
                                    "user_id": admin.id,
                                    "company_id": admin.company_id.id,
                                    "file": base64.b64encode(data),
                                }
                            )
                        )
                        if first_try[0]:
                            first_try[0] = False
                            barrier.wait()
                        job._import_run()
                        return job.created_count, job.skipped_count

                    results.append(retrying(run, env))
                    cr.commit()  # pylint: disable=invalid-commit
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [
            threading.Thread(target=worker, args=(end,)) for end in ("\n", "\r\n")
        ]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            self.assertFalse(failures)
            self.assertEqual(sorted(results), [(0, 20), (20, 0)])
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                count = env["leads.lead"].search_count([("name", "=like", "Race %")])
                self.assertEqual(count, 20)
        finally:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["leads.lead"].search([("name", "=like", "Race %")]).unlink()
                env["leads.import.job"].search([("name", "=", "race.csv")]).unlink()
                cr.commit()  # pylint: disable=invalid-commit
