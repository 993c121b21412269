"""Log into a running Odoo with headless Chromium and save screenshots.

Used to refresh the README screenshots:
    <build folder>/venv/bin/python scripts/screenshot.py URL out.png /odoo/leads
Each extra path argument adds one screenshot (out-1.png, out-2.png, ...).
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


def start_browser(profile, port, width, height):
    """Headless Chromium with its DevTools on ``port``."""
    return subprocess.Popen(
        [
            shutil.which("chromium") or "chromium",
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def page_target(port):
    """The DevTools target of the browser's page, once the browser answers."""
    for _ in range(50):
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/json", timeout=2
            ) as r:
                targets = json.load(r)
            break
        except OSError:
            time.sleep(0.2)
    return next(t for t in targets if t["type"] == "page")


class Page:
    """The DevTools protocol of one page: ``call`` a method, ``goto`` a URL."""

    def __init__(self, target):
        self.ws = websocket.create_connection(
            target["webSocketDebuggerUrl"], timeout=30
        )
        self.counter = iter(range(1, 10**6))

    def call(self, method, **params):
        msg_id = next(self.counter)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                return msg.get("result", {})

    def goto(self, url, wait=4):
        self.call("Page.navigate", url=url)
        time.sleep(wait)


def log_in(page, base_url, login, password):
    page.goto(f"{base_url}/web/login", 2)
    page.call(
        "Runtime.evaluate",
        expression=(
            f"document.querySelector('#login').value={json.dumps(login)};"
            f"document.querySelector('#password').value={json.dumps(password)};"
            "document.querySelector('form.oe_login_form').submit();"
        ),
    )
    time.sleep(4)


def save_screenshots(page, base_url, out, paths):
    """One screenshot per path: ``out``, then out-1.png, out-2.png, ..."""
    for index, path in enumerate(paths):
        page.goto(base_url + path, 10)
        shot = page.call("Page.captureScreenshot", format="png")
        target = out if index == 0 else out.replace(".png", f"-{index}.png")
        with open(target, "wb") as fh:
            fh.write(base64.b64decode(shot["data"]))
        print(target)


def main(base_url, out, paths, login=None, password=None, width=1440, height=900):
    profile = tempfile.mkdtemp(prefix="leads-shot-")
    port = 9333
    browser = start_browser(profile, port, width, height)
    try:
        page = Page(page_target(port))
        page.call("Page.enable")
        log_in(page, base_url, login, password)
        save_screenshots(page, base_url, out, paths)
    finally:
        browser.terminate()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    login = os.environ.get("LOGIN", "admin")
    main(
        sys.argv[1],
        sys.argv[2],
        sys.argv[3:] or ["/odoo/leads"],
        login,
        os.environ.get("PASSWORD", login),
    )
