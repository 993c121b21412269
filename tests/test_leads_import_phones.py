"""Formatting the phones of an import: during the copy, in the helper
process, or by the import itself when the helper fails."""

import tempfile
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.leads_management.models import leads_import_run
from odoo.addons.leads_management.tools import phone_key_helper
from odoo.addons.leads_management.tools.phone_key import leads_phone_key
from odoo.addons.leads_management.tools.phone_key_helper import PhoneKeyHelper

from .common_import import HEADER, ImportCommon


@tagged("post_install", "-at_install")
class TestLeadsImportPhones(ImportCommon):
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
