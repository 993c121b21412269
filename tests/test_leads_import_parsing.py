"""Reading the file: encodings, quoting, delimiters, line ends; its limits."""

import csv
import io
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.leads_management.models import leads_import_job
from odoo.addons.leads_management.tools import csv_reader

from .common_import import HEADER, ImportCommon


@tagged("post_install", "-at_install")
class TestLeadsImportParsing(ImportCommon):
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
