"""pytest plugins for running this module's tests under pytest-odoo on Odoo 19.

Loaded with ``-p pytest_odoo19`` (scripts/ on PYTHONPATH); Odoo never imports it.

* Odoo 19's ``import odoo`` no longer imports its sub-packages, which
  pytest-odoo reaches as attributes (``odoo.tools.config``, ``odoo.service``).
* pytest-odoo's --odoo-http server start does not survive Odoo 19; a session
  HTTP server replaces it.
* Odoo skips browser tests silently when Chromium or websocket-client is
  missing; a green run without them would prove nothing, so any skipped test
  fails the run, with the skip reasons listed.
* Odoo gives Chromium 10 s to open its DevTools port before skipping the
  test; a busy 2-core machine sometimes needs more, so it gets 60 s.
"""

import importlib

import pytest

for _name in (
    "odoo.tools",
    "odoo.service.server",
    "odoo.release",
    "odoo.api",
    "odoo.tests.common",
    "odoo.sql_db",
    "odoo.modules.registry",
):
    importlib.import_module(_name)

importlib.import_module("odoo.tests.common").CHECK_BROWSER_ITERATIONS = 600


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    # Odoo's own suite marks the running test; HttpCase's test cursor needs it.
    from odoo.modules import module  # noqa: PLC0415

    module.current_test = getattr(item, "instance", None) or True
    try:
        yield
    finally:
        module.current_test = False


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(
            f"ERROR: {len(skipped)} test(s) were skipped (is Chromium installed and "
            "websocket-client in the virtualenv?); failing the run.",
            red=True,
        )
        for report in skipped:
            reporter.write_line(f"  skipped: {report.nodeid}: {report.longrepr}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def odoo19_http_server(request):
    """Serve HTTP for the whole run when --odoo-http is given.

    pytest-odoo's own per-module ``load_http`` calls Odoo's ``server.start(stop=True)``,
    which on Odoo 19 shuts the HTTP server (and logging) down again; it is made a
    no-op while this server runs.
    """
    if not request.config.getoption("--odoo-http"):
        yield
        return
    import odoo.http  # noqa: PLC0415
    from odoo.service import server as odoo_server  # noqa: PLC0415

    threaded = odoo_server.ThreadedServer(odoo.http.root)
    threaded.http_spawn()
    odoo_server.server = threaded
    original_start = odoo_server.start
    odoo_server.start = lambda *args, **kwargs: 0
    try:
        yield
    finally:
        odoo_server.start = original_start
        threaded.httpd.shutdown()
        odoo_server.server = None
