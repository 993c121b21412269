"""A real multi-worker Odoo on a scratch database, for race tests and benchmarks.

HttpCase serialises requests behind one test cursor, so it cannot show races.
This helper creates a scratch database from the template database that
``scripts/test.sh`` builds (Odoo's own modules), installs leads_management,
starts ``odoo --workers=2`` on loopback, and tears everything down.
No Odoo import: the benchmark (bench/webhooks.py) loads it from its path.
"""

import glob
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEPENDS = "base_setup,contacts,mail,phone_validation,sms,sms_twilio,utm"
PG_HOST = os.environ.get("PGHOST", "/var/run/postgresql")
SECRET = "live-" + uuid.uuid4().hex
# The Twilio account of business 1 on the live server (configure_twilio).
TWILIO_SID = "AC" + "7" * 32
TWILIO_TOKEN = "live-twilio-" + uuid.uuid4().hex
TWILIO_NUMBER = "+14155550100"


def _cache_dir():
    if os.environ.get("LEADS_CACHE_DIR"):
        return Path(os.environ["LEADS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "leads_management"


def template_db():
    """The template database of scripts/test.sh (same name computation)."""
    if os.environ.get("LEADS_TEMPLATE_DB"):
        return os.environ["LEADS_TEMPLATE_DB"]
    odoo_id = os.path.basename(
        os.path.realpath(str(_cache_dir() / "odoo-src" / ".." / ".." / ".." / ".."))
    )
    digest = hashlib.sha256(f"{odoo_id} {DEPENDS}".encode()).hexdigest()[:10]
    return f"leads_tmpl_{digest}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign(body, secret=SECRET, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def _run(args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def build_dir():
    """The clone's build folder (Odoo config, venv), as scripts/lib.sh defines it."""
    if os.environ.get("LEADS_BUILD_DIR"):
        return Path(os.environ["LEADS_BUILD_DIR"])
    script = f'source "{REPO_ROOT}/scripts/lib.sh" && printf %s "$BUILD_DIR"'
    return Path(subprocess.check_output(["bash", "-c", script]).decode())


class LiveServer:
    def __init__(self, workers=2, prefix="leads_live", modules=("leads_management",)):
        self.db = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.workers = workers
        self.modules = modules
        self.port = free_port()
        self.logfile = Path(f"/tmp/{self.db}.log")
        self.process = None
        self.conf = build_dir() / "odoo.conf"
        self.odoo = [str(REPO_ROOT / "scripts" / "odoo.sh"), "-c", str(self.conf)]

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------ lifecycle
    def __enter__(self):
        try:
            self.create_db()
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def create_db(self):
        template = template_db()
        for attempt in range(10):
            try:
                _run(["createdb", "-h", PG_HOST, "-T", template, self.db])
                break
            except subprocess.CalledProcessError as exc:
                # Another run may be copying the template at this very moment.
                if "being accessed" not in exc.stderr or attempt == 9:
                    raise RuntimeError(f"createdb failed: {exc.stderr}") from exc
                time.sleep(1 + attempt)
        _run(
            [
                *self.odoo,
                "-d",
                self.db,
                "-i",
                ",".join(self.modules),
                "--stop-after-init",
                "--log-level=warn",
                "--max-cron-threads=0",
                f"--http-port={free_port()}",
            ],
            timeout=600,
        )
        self.sql(
            "UPDATE res_company SET leads_webhook_secret = %s",
            [SECRET],
        )

    def start(self):
        self.process = subprocess.Popen(
            [
                *self.odoo,
                "-d",
                self.db,
                f"--db-filter=^{self.db}$",
                f"--workers={self.workers}",
                "--max-cron-threads=0",
                "--http-interface=127.0.0.1",
                f"--http-port={self.port}",
                f"--gevent-port={free_port()}",
                "--log-level=info",
                # The after-commit side effects, counted by the race tests.
                "--log-handler=odoo.addons.leads_management.models."
                "leads_inbound_event_process:DEBUG",
                f"--logfile={self.logfile}",
                "--limit-time-real=120",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo exited, see {self.logfile}")
            try:
                with urllib.request.urlopen(self.base_url + "/web/health", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError("Odoo did not start within 60 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        subprocess.run(
            ["dropdb", "-h", PG_HOST, "--if-exists", "--force", self.db],
            capture_output=True,
            check=False,
        )
        for path in glob.glob(f"{self.logfile}*"):
            if not os.environ.get("KEEP_LIVE_LOG"):
                os.unlink(path)

    # ------------------------------------------------------------ helpers
    def sql(self, query, params=None):
        import psycopg2  # noqa: PLC0415 - only in the venv running the tests

        conn = psycopg2.connect(dbname=self.db, host=PG_HOST)
        try:
            with conn, conn.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall() if cr.description else None
        finally:
            conn.close()

    def log_lines(self, needle):
        if not self.logfile.exists():
            return []
        with open(self.logfile, errors="replace") as log:
            return [line for line in log if needle in line]

    def configure_twilio(self):
        """Business 1 on Twilio (TWILIO_SID, TWILIO_TOKEN, TWILIO_NUMBER), and
        its base URL this server's, as Twilio would call it."""
        self.sql(
            "UPDATE res_company SET sms_provider = 'twilio', "
            "sms_twilio_account_sid = %s, sms_twilio_auth_token = %s WHERE id = 1",
            [TWILIO_SID, TWILIO_TOKEN],
        )
        self.sql(
            "INSERT INTO sms_twilio_number (company_id, number, country_id, sequence) "
            "SELECT 1, %s, id, 1 FROM res_country WHERE code = 'US'",
            [TWILIO_NUMBER],
        )
        for key, value in (
            ("web.base.url", self.base_url),
            ("web.base.url.freeze", "True"),
        ):
            self.sql(
                "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, value],
            )

    def twilio(self, path, pairs, timeout=60):
        """POST one form as Twilio does, signed by Twilio's own library;
        return (status, body text, seconds)."""
        # Only in the venv running the tests and benchmarks.
        from twilio.request_validator import RequestValidator  # noqa: PLC0415
        from werkzeug.datastructures import MultiDict  # noqa: PLC0415

        url = self.base_url + path
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(
            url, MultiDict(pairs)
        )
        status, text, elapsed = _post(
            url,
            urllib.parse.urlencode(pairs).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
            timeout,
        )
        return status, text.decode(errors="replace"), elapsed

    def webhook(self, payload, company_id=1, timeout=60):
        """POST one signed event; return (status, json body, seconds)."""
        body = json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.base_url}/leads/v1/companies/{company_id}/events",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Leads-Signature": sign(body),
            },
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read()
        elapsed = time.perf_counter() - start
        try:
            data = json.loads(text)
        except ValueError:
            data = {"raw": text[:200].decode(errors="replace")}
        return status, data, elapsed


def _post(url, body, headers, timeout):
    """POST; return (status, body bytes, seconds)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read()
    return status, text, time.perf_counter() - start


def fire_together(func, args_list):
    """Call ``func(*args)`` for every args in parallel threads, released at once."""
    barrier = threading.Barrier(len(args_list))
    results = [None] * len(args_list)

    def worker(index, args):
        barrier.wait()
        try:
            results[index] = func(*args)
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            results[index] = exc

    threads = [
        threading.Thread(target=worker, args=(i, args))
        for i, args in enumerate(args_list)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return results
