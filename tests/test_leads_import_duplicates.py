"""Rows of leads that exist already, in the database or in the file."""

from odoo.tests import tagged

from .common_import import HEADER, ImportCommon


@tagged("post_install", "-at_install")
class TestLeadsImportDuplicates(ImportCommon):
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
