"""The signed webhook's shared fixtures: its secret, its signature and the
base class of its tests (a business of each kind, posting an event)."""

import hashlib
import hmac
import itertools
import json
import time

from odoo.tests import HttpCase

from .common import LeadsCommon

SECRET = "whsec-test-0123456789abcdef"
CONTROLLER_LOGGER = "odoo.addons.leads_management.controllers.main"
# The event model's files (the store and the processing) log under it.
EVENT_LOGGER = "odoo.addons.leads_management.models"
_SEQ = itertools.count(1)


def sign(body, secret=SECRET, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookCommon(HttpCase, LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_silent = cls.env["res.company"].create(
            {
                "name": "Paws Quiet D",
                "country_id": cls.env.ref("base.us").id,
                "leads_management_enabled": False,
                "leads_auto_create_client": False,
            }
        )
        for company in (
            cls.company_a,
            cls.company_b,
            cls.company_off,
            cls.company_silent,
        ):
            company.sudo().leads_webhook_secret = SECRET
        cls.runner = cls.env.ref("leads_management.user_leads_webhook")
        cls.Event = cls.env["leads.inbound.event"]
        cls.Lead = cls.env["leads.lead"].with_context(active_test=False)

    def url(self, company=None):
        company_id = (
            company if isinstance(company, int) else (company or self.company_a).id
        )
        return f"/leads/v1/companies/{company_id}/events"

    def event(self, type_="call.inbound", **values):
        payload = {"id": f"evt_{next(_SEQ)}_{time.time_ns()}", "type": type_}
        payload.update(values)
        return payload

    def post(
        self,
        payload=None,
        company=None,
        raw=None,
        signature=None,
        content_type="application/json",
        method="POST",
        headers=None,
    ):
        body = raw if raw is not None else json.dumps(payload).encode()
        all_headers = {
            "Content-Type": content_type,
            "X-Leads-Signature": sign(body) if signature is None else signature,
        }
        all_headers.update(headers or {})
        return self.url_open(
            self.url(company), data=body, headers=all_headers, method=method
        )

    def assertResult(self, response, result, status=200):
        self.assertEqual(response.status_code, status, response.text)
        data = response.json()
        self.assertTrue(data["ok"], data)
        self.assertEqual(data["result"], result, data)
        return data

    def assertError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        data = response.json()
        self.assertEqual(data, {"ok": False, "error": data["error"]})
        self.assertEqual(data["error"]["code"], code)
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn(SECRET, response.text)
        return data
