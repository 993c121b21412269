"""Imports run in the background by the cron: progress, crashes and
resuming, stops; the statistics of the keys."""

import contextlib
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_import import ImportCommon


class WorkerKilled(BaseException):
    """Stands for a worker killed mid-batch (not an Exception)."""


@tagged("post_install", "-at_install")
class TestLeadsImportBackground(ImportCommon):
    # ------------------------------------------------------------------
    # Background jobs
    # ------------------------------------------------------------------

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
