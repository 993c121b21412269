"""The CSV import wizard's shared fixtures: its users, and helpers that
upload a file, import it and read the result."""

import base64
import csv
import io
from unittest.mock import patch

from odoo.tests import Form, new_test_user

from .common import LeadsCommon

HEADER = "Name,Phone,Email\n"


class ImportCommon(LeadsCommon):
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

    def _rows(self, count, start=0):
        return HEADER + "".join(
            f"Lead {i},+1 415 555 {1000 + i},\n" for i in range(start, start + count)
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
