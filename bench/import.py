#!/usr/bin/env python3
"""Benchmark the lead import against Odoo's own base_import (a script, not a test).

    scripts/bench.sh import [--sizes 1000,10000,50000,100000] [--base-import-max N]

Creates a scratch database from the template database of scripts/test.sh (run
`make test` once first), installs leads_management, base_import and crm there only
(the module depends on neither), then imports the same synthetic leads (name,
phone, email, stage, notes) of each size with:

- ``wizard``: the import wizard's engine (``leads.import.job``), the background
  path that large files take: batches of 2000, a commit after each batch;
- ``base_import crm.lead``: ``base_import.import.execute_import`` on Odoo's own
  lead model, as the administrator, the way the web client calls it (chunks of
  2000 rows, tracking disabled, one commit per chunk). This is the reference of
  the target (the wizard >= 20x its rows/s at 50k and 100k rows);
- ``base_import leads.lead``: the same on this module's model, as the superuser
  (leads.lead refuses the generic import to everyone else), for comparison.

Each (engine, size) runs in a child process, on a freshly vacuumed and analysed
database, so that its peak RSS growth (its own and its child processes', such as
the wizard's phone key helper; sampled every 20 ms above the baseline taken
once Odoo is loaded and the CSV generated) and its time are its own. Prints rows/s,
memory growth and the speed ratios, then drops the database.
"""

import argparse
import base64
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
DEPENDS = "base_setup,contacts,mail,phone_validation,sms,sms_twilio,utm"


def template_name():
    """Same name logic as scripts/test.sh."""
    odoo_id = Path(
        os.path.realpath(CACHE / "odoo-src" / ".." / ".." / ".." / "..")
    ).name
    digest = hashlib.sha256(f"{odoo_id} {DEPENDS}".encode()).hexdigest()
    return f"leads_tmpl_{digest[:10]}"


def make_csv(size, offset, stage="Lead"):
    lines = ["Name,Phone,Email,Stage,Notes"]
    for i in range(offset, offset + size):
        phone = f"+1 415 {200 + i // 10000:03d} {i % 10000:04d}"
        lines.append(
            f"Lead {i},{phone},lead{i}@bench.example.com,{stage},imported row {i}"
        )
    return ("\n".join(lines) + "\n").encode()


class PeakRss:
    def __init__(self):
        import psutil

        self.process = psutil.Process()
        self.baseline = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self):
        """This process's RSS plus its children's (the phone key helper)."""
        import psutil

        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.rss())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def growth_mb(self):
        return (self.peak - self.baseline) / 1024 / 1024


ENGINES = ("wizard", "base_import_crm", "base_import")


def child(engine, size, offset, db, phone_helper=True):
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", str(CONF), "-d", db, "--log-level=warn"])
    registry = Registry(db)
    model = "crm.lead" if engine == "base_import_crm" else "leads.lead"
    data = make_csv(size, offset, stage="New" if model == "crm.lead" else "Lead")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        company = admin.company_id
        env = env(user=admin.id, context={"allowed_company_ids": [company.id]})
        Model = env[model].sudo().with_context(active_test=False)
        before = Model.search_count([])
        if not phone_helper:
            env["ir.config_parameter"].sudo().set_param(
                "leads_management.import_phone_helper_threshold", "0"
            )
        cr.commit()
        with PeakRss() as rss:
            start = time.perf_counter()
            if engine == "wizard":
                errors = run_wizard(env, cr, data, admin, company)
            else:
                # leads.lead refuses the generic import to everyone but the
                # superuser (files go through the wizard); the superuser skips
                # the access checks, which only flatters base_import's figures.
                importer_env = env if model == "crm.lead" else env(su=True)
                errors = run_base_import(importer_env, cr, data, model)
            elapsed = time.perf_counter() - start
        created = Model.search_count([]) - before
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


def run_wizard(env, cr, data, admin, company):
    """Import ``data`` with the wizard's background engine; its failed rows."""
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
    return job.failed_count


def run_base_import(env, cr, data, model):
    importer = (
        env["base_import.import"]
        .with_context(tracking_disable=True)
        .create(
            {
                "res_model": model,
                "file": data,
                "file_name": "bench.csv",
                "file_type": "text/csv",
            }
        )
    )
    cr.commit()
    email = "email_from" if model == "crm.lead" else "email"
    fields = ["name", "phone", email, "stage_id", "description"]
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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000,100000")
    parser.add_argument(
        "--base-import-max",
        type=int,
        default=10**9,
        help="skip base_import above this size (it is slow)",
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--no-phone-helper",
        action="store_true",
        help="the wizard formats every phone number in its own process",
    )
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "SIZE", "OFFSET", "DB"))
    return parser.parse_args()


def require_template(template):
    exists = subprocess.run(
        ["psql", "-h", PG_HOST, "-d", template, "-tAc", "select 1"],
        capture_output=True,
        text=True,
    )
    if exists.returncode:
        sys.exit(f"Template database {template} missing: run `make test` once first.")


def install(python, env, db):
    print(f"Installing leads_management, base_import and crm into {db}", flush=True)
    run(
        [python, "-m", "odoo", "-c", str(CONF), "-d", db]
        + ["-i", "leads_management,base_import,crm", "--stop-after-init"]
        + ["--log-level=warn"],
        env=env,
    )


def run_engines(args, python, env, db):
    """The results of every (size, engine) of the options, in order; each new
    run imports rows of its own (``offset``), never rows already stored."""
    results = []
    offset = 0
    for size in [int(s) for s in args.sizes.split(",")]:
        for engine in ENGINES:
            if engine != "wizard" and size > args.base_import_max:
                continue
            results.append(run_in_child(args, python, env, db, engine, size, offset))
            offset += size
    return results


def run_in_child(args, python, env, db, engine, size, offset):
    """The result of one (engine, size) measured in a child process."""
    # Every run starts on a settled database: the autovacuum that the
    # previous run's inserts trigger would otherwise slow the next one down
    # (on 2 cores, by up to half).
    run(["vacuumdb", "-h", PG_HOST, "--analyze", "--quiet", db])
    print(f"{engine} {size} rows...", flush=True)
    out = subprocess.run(
        [python, __file__, "--child", engine, str(size), str(offset), db]
        + (["--no-phone-helper"] if args.no_phone_helper else []),
        env=env,
        capture_output=True,
        text=True,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode or not lines:
        print(out.stdout[-3000:], out.stderr[-3000:])
        sys.exit(f"{engine} {size} failed")
    result = json.loads(lines[-1][7:])
    print("   ", result, flush=True)
    return result


def main():
    args = parse_args()
    if args.child:
        engine, size, offset, db = args.child
        child(engine, int(size), int(offset), db, not args.no_phone_helper)
        return
    template = template_name()
    db = f"leads_bench_{os.getpid()}"
    env = dict(os.environ, PYTHONPATH=str(CACHE / "odoo-src"))
    python = str(BUILD / "venv" / "bin" / "python")
    require_template(template)
    run(["createdb", "-h", PG_HOST, "-T", template, db])
    try:
        install(python, env, db)
        print_table(run_engines(args, python, env, db))
    finally:
        if not args.keep_db:
            run(["dropdb", "-h", PG_HOST, "--if-exists", db])


def print_table(results):
    by = {(r["engine"], r["size"]): r for r in results}

    def cell(engine, size, key, spec, suffix=""):
        r = by.get((engine, size))
        return format(r[key], spec) + suffix if r else "-"

    def ratio(size, baseline):
        wiz, base = by.get(("wizard", size)), by.get((baseline, size))
        return f"{wiz['rows_per_s'] / base['rows_per_s']:.1f}x" if wiz and base else "-"

    print()
    print(
        "| rows | wizard rows/s | wizard RSS | base_import crm.lead rows/s | RSS "
        "| ratio | base_import leads.lead rows/s | RSS | ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sorted({r["size"] for r in results}):
        print(
            f"| {size} | {cell('wizard', size, 'rows_per_s', '.0f')} "
            f"| {cell('wizard', size, 'rss_mb', '+.0f', ' MB')} "
            f"| {cell('base_import_crm', size, 'rows_per_s', '.0f')} "
            f"| {cell('base_import_crm', size, 'rss_mb', '+.0f', ' MB')} "
            f"| {ratio(size, 'base_import_crm')} "
            f"| {cell('base_import', size, 'rows_per_s', '.0f')} "
            f"| {cell('base_import', size, 'rss_mb', '+.0f', ' MB')} "
            f"| {ratio(size, 'base_import')} |"
        )
    print()
    for size in sorted({r["size"] for r in results}):
        wiz, crm = by.get(("wizard", size)), by.get(("base_import_crm", size))
        if size >= 50000 and wiz and crm:
            speed = wiz["rows_per_s"] / crm["rows_per_s"]
            print(
                f"{size} rows: wizard {speed:.1f}x base_import on crm.lead "
                f"(target >= 20x) {'OK' if speed >= 20 else 'MISSED'}; wizard "
                f"memory {wiz['rss_mb']:+.0f} MB (target < 150 MB) "
                f"{'OK' if wiz['rss_mb'] < 150 else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
