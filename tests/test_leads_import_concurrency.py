"""The same file imported by two users at once (real cursors)."""

import base64
import threading

from odoo import SUPERUSER_ID, api
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged

from .common_import import HEADER


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
