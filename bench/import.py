#!/usr/bin/env python3
"""Benchmark the lead import against Odoo's own base_import (a script, not a test).

    scripts/bench.sh import [--sizes 1000,10000,50000] [--base-import-max N]

Creates a scratch database from the template database of scripts/test.sh (run
`make test` once first), installs leads_management and base_import there only (the
module does not depend on base_import), then imports synthetic leads of each size:

- ``wizard``: the import wizard's engine (``leads.import.job``), the background
  path that large files take: batches of 1000, a commit after each batch;
- ``base_import``: ``base_import.import.execute_import`` on ``leads.lead`` the way
  the web client calls it (chunks of 2000 rows, tracking disabled, one commit per
  chunk).

Each (engine, size) runs in a child process, so that its peak RSS growth (sampled
every 20 ms above the baseline taken once Odoo is loaded and the CSV generated) is
its own. Prints rows/s, memory growth and the speed ratio, then drops the database.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(
    os.environ.get("LEADS_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "leads_management"
)
BUILD = Path(
    os.environ.get("LEADS_BUILD_DIR")
    or subprocess.check_output(
        ["bash", "-c", f'source "{REPO}/scripts/lib.sh" && printf %s "$BUILD_DIR"']
    ).decode()
)
CONF = BUILD / "odoo.conf"
PG_HOST = os.environ.get("PGHOST", "/var/run/postgresql")
DEPENDS = "base_setup,contacts,mail,phone_validation,sms,utm"


def template_name():
    """Same name logic as scripts/test.sh."""
    odoo_id = Path(
        os.path.realpath(CACHE / "odoo-src" / ".." / ".." / ".." / "..")
    ).name
    digest = hashlib.sha256(f"{odoo_id} {DEPENDS}".encode()).hexdigest()
    return f"leads_tmpl_{digest[:10]}"


def make_csv(size, offset):
    lines = ["Name,Phone,Email,Stage,Notes"]
    for i in range(offset, offset + size):
        phone = f"+1 415 {200 + i // 10000:03d} {i % 10000:04d}"
        lines.append(
            f"Lead {i},{phone},lead{i}@bench.example.com,Lead,imported row {i}"
        )
    return ("\n".join(lines) + "\n").encode()


class PeakRss:
    def __init__(self):
        import psutil

        self.process = psutil.Process()
        self.baseline = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def growth_mb(self):
        return (self.peak - self.baseline) / 1024 / 1024


def child(engine, size, offset, db):
    import base64

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", str(CONF), "-d", db, "--log-level=warn"])
    registry = Registry(db)
    data = make_csv(size, offset)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        company = admin.company_id
        env = env(user=admin.id, context={"allowed_company_ids": [company.id]})
        Lead = env["leads.lead"].sudo()
        before = Lead.search_count([])
        cr.commit()
        with PeakRss() as rss:
            start = time.perf_counter()
            if engine == "wizard":
                job = (
                    env["leads.import.job"]
                    .sudo()
                    .create(
                        {
                            "name": "bench.csv",
                            "user_id": admin.id,
                            "company_id": company.id,
                            "file": base64.b64encode(data),
                        }
                    )
                )
                cr.commit()
                job.with_user(admin).sudo()._import_run(commit=True)
                errors = job.failed_count
            else:
                errors = run_base_import(env, cr, data)
            elapsed = time.perf_counter() - start
        created = Lead.search_count([]) - before
    print(
        "RESULT "
        + json.dumps(
            {
                "engine": engine,
                "size": size,
                "created": created,
                "errors": errors,
                "seconds": elapsed,
                "rows_per_s": size / elapsed,
                "rss_mb": rss.growth_mb,
            }
        ),
        flush=True,
    )


def run_base_import(env, cr, data):
    # As the superuser: leads.lead refuses Odoo's generic import to everyone
    # else (files go through the wizard); the superuser also skips the access
    # checks, which only flatters base_import's figures.
    importer = (
        env["base_import.import"]
        .sudo()
        .with_context(tracking_disable=True)
        .create(
            {
                "res_model": "leads.lead",
                "file": data,
                "file_name": "bench.csv",
                "file_type": "text/csv",
            }
        )
    )
    cr.commit()
    fields = ["name", "phone", "email", "stage_id", "description"]
    columns = ["Name", "Phone", "Email", "Stage", "Notes"]
    options = {
        "encoding": "utf-8",
        "separator": ",",
        "quoting": '"',
        "has_headers": True,
        "advanced": True,
        "keep_matches": False,
        "limit": 2000,
        "skip": 0,
        "date_format": "",
        "datetime_format": "",
        "float_thousand_separator": ",",
        "float_decimal_separator": ".",
        "fallback_values": {},
        "name_create_enabled_fields": {},
        "import_set_empty_fields": [],
        "import_skip_records": [],
        "tracking_disable": True,
    }
    errors = 0
    while True:
        result = importer.execute_import(fields, columns, dict(options))
        cr.commit()
        errors += sum(1 for m in result.get("messages", []) if m.get("type") == "error")
        if errors or not result.get("nextrow"):
            return errors
        options["skip"] = result["nextrow"]


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000,100000")
    parser.add_argument(
        "--base-import-max",
        type=int,
        default=10**9,
        help="skip base_import above this size (it is slow)",
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "SIZE", "OFFSET", "DB"))
    args = parser.parse_args()
    if args.child:
        engine, size, offset, db = args.child
        child(engine, int(size), int(offset), db)
        return
    template = template_name()
    db = f"leads_bench_{os.getpid()}"
    env = dict(os.environ, PYTHONPATH=str(CACHE / "odoo-src"))
    python = str(BUILD / "venv" / "bin" / "python")
    exists = subprocess.run(
        ["psql", "-h", PG_HOST, "-d", template, "-tAc", "select 1"],
        capture_output=True,
        text=True,
    )
    if exists.returncode:
        sys.exit(f"Template database {template} missing: run `make test` once first.")
    run(["createdb", "-h", PG_HOST, "-T", template, db])
    try:
        print(f"Installing leads_management and base_import into {db}", flush=True)
        run(
            [python, "-m", "odoo", "-c", str(CONF), "-d", db]
            + ["-i", "leads_management,base_import", "--stop-after-init"]
            + ["--log-level=warn"],
            env=env,
        )
        results = []
        offset = 0
        for size in [int(s) for s in args.sizes.split(",")]:
            for engine in ("wizard", "base_import"):
                if engine == "base_import" and size > args.base_import_max:
                    continue
                print(f"{engine} {size} rows...", flush=True)
                out = subprocess.run(
                    [python, __file__, "--child", engine, str(size), str(offset), db],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                offset += size
                lines = [
                    line
                    for line in out.stdout.splitlines()
                    if line.startswith("RESULT ")
                ]
                if out.returncode or not lines:
                    print(out.stdout[-3000:], out.stderr[-3000:])
                    sys.exit(f"{engine} {size} failed")
                result = json.loads(lines[-1][7:])
                print("   ", result, flush=True)
                results.append(result)
        print_table(results)
    finally:
        if not args.keep_db:
            run(["dropdb", "-h", PG_HOST, "--if-exists", db])


def print_table(results):
    by = {(r["engine"], r["size"]): r for r in results}
    print()
    print(
        "| rows | wizard rows/s | wizard RSS growth | base_import rows/s "
        "| base_import RSS growth | speed ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sorted({r["size"] for r in results}):
        wiz, base = by.get(("wizard", size)), by.get(("base_import", size))
        ratio = (
            f"{wiz['rows_per_s'] / base['rows_per_s']:.1f}x" if wiz and base else "-"
        )

        def fmt(r, key, spec):
            return format(r[key], spec) if r else "-"

        print(
            f"| {size} | {fmt(wiz, 'rows_per_s', '.0f')} | "
            f"{fmt(wiz, 'rss_mb', '.0f')} MB | {fmt(base, 'rows_per_s', '.0f')} | "
            f"{fmt(base, 'rss_mb', '.0f')} MB | {ratio} |"
        )


if __name__ == "__main__":
    main()
