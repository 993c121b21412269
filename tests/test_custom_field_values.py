"""A custom field's value reads the same whoever sends it: the webhook, a CSV
import and a Google Ads answer all convert through leads.field's one
converter (tools/text_values.py), with the same rules and the same refusals."""

import base64
import csv
import datetime
import io

from odoo.tests import Form, tagged

from .common_webhook import WebhookCommon

VALUES = {
    "x_visits": "3",
    "x_weight": "2,5",
    "x_vaccinated": "yes",
    "x_due": "2026/12/10",
    "x_booked": "2026-12-10T15:30:00+01:00",
    "x_species": "Dog",
}
STORED = {
    "x_visits": 3,
    "x_weight": 2.5,
    "x_vaccinated": True,
    "x_due": datetime.date(2026, 12, 10),
    "x_booked": datetime.datetime(2026, 12, 10, 14, 30),
    "x_species": "dog",
}


@tagged("post_install", "-at_install")
class TestOneReadingOfCustomValues(WebhookCommon):
    def setUp(self):
        super().setUp()
        self.create_manual_field("x_visits", "Visits", "integer")
        self.create_manual_field("x_weight", "Weight", "float")
        self.create_manual_field("x_vaccinated", "Vaccinated", "boolean")
        self.create_manual_field("x_due", "Due", "date")
        self.create_manual_field("x_booked", "Booked", "datetime")
        self.create_manual_field(
            "x_species", "Species", "selection", selection="[('dog', 'Dog')]"
        )
        self.manager.tz = "America/New_York"

    def _import(self, header, row):
        env = self.env(
            user=self.manager, context={"allowed_company_ids": [self.company_a.id]}
        )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Name", "Phone", *header])
        writer.writerow(["Rex", "+14155550901", *row])
        content = out.getvalue()
        with Form(env["leads.import.wizard"]) as form:
            form.file = base64.b64encode(content.encode())
            form.company_id = self.company_a
        form.record.filename = "leads.csv"
        form.record.action_import()
        return form.record

    def _stored(self, lead):
        return {fname: lead[fname] for fname in STORED}

    def test_webhook_and_import_store_the_same_values(self):
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550900"}, fields=VALUES)),
            "lead_created",
        )
        self.assertEqual(self._stored(self.Lead.browse(data["lead_id"])), STORED)

        wizard = self._import(
            [self.Lead._fields[f].string for f in VALUES], VALUES.values()
        )
        self.assertEqual(wizard.created_count, 1, wizard.preview_errors)
        lead = self.Lead.search([("phone", "=", "+14155550901")])
        self.assertEqual(self._stored(lead), STORED)

    def test_json_numbers_and_true_false_are_read_as_their_type(self):
        values = {"x_visits": 3, "x_weight": 2.5, "x_vaccinated": True}
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550902"}, fields=values)),
            "lead_created",
        )
        lead = self.Lead.browse(data["lead_id"])
        self.assertEqual(
            (lead.x_visits, lead.x_weight, lead.x_vaccinated), (3, 2.5, True)
        )

    def test_the_same_value_is_refused_by_both_naming_the_field(self):
        before = self.Lead.search_count([])
        data = self.assertError(
            self.post(
                self.event(
                    contact={"phone": "+14155550903"},
                    fields={"x_visits": "2147483648"},
                )
            ),
            400,
            "invalid_payload",
        )
        self.assertEqual(
            data["error"]["message"], "fields.x_visits must be a valid whole number."
        )
        wizard = self._import(["Visits"], ["2147483648"])
        self.assertEqual(wizard.failed_count, 1)
        report = base64.b64decode(wizard.error_file).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(report, newline="")))
        self.assertEqual(
            rows[1][1], "2147483648 is not a valid whole number in column Visits."
        )
        self.assertEqual(self.Lead.search_count([]), before)
