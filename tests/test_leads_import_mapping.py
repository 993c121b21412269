"""Mapping the file's columns to the lead's fields."""

import base64
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common_import import HEADER, ImportCommon


@tagged("post_install", "-at_install")
class TestLeadsImportMapping(ImportCommon):
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
