"""Google Ads lead forms: the adapter and route.

Google posts JSON with the form's ``google_key``; it is checked against the
business's key (constant time) before anything is stored. The answer Google
expects is 200 with an empty JSON object.
"""

import json

from odoo import http
from odoo.http import request

from odoo.addons.leads_management.tools import google_ads

from .adapters import LeadsAdapter, Refused, register
from .main import WEBHOOK_ROUTE, serve


@register("google_ads")
class GoogleAdsAdapter(LeadsAdapter):
    provider = "google_ads"

    def find_company(self):
        company = super().find_company()
        if company:
            company.fetch(["leads_google_ads_key"])
        return company

    def verify(self, company):
        try:
            self.payload = json.loads(self.raw_body.decode("utf-8"))
        except (ValueError, RecursionError):
            self.payload = None
        key = company.leads_google_ads_key if company else None
        return google_ads.verify_key(key, self.payload)

    def translate(self):
        if not isinstance(self.payload, dict):
            raise Refused(400, "invalid_json", "The body is not a JSON object.")
        try:
            return google_ads.translate(self.payload, self._custom_labels())
        except google_ads.GoogleAdsError as exc:
            raise Refused(400, "invalid_payload", str(exc)) from exc

    def _custom_labels(self):
        return request.env["leads.field"]._leads_answer_specs()

    def answer(self, response):
        return request.make_json_response({}, status=200)


class LeadsGoogleAdsController(http.Controller):
    @http.route("/leads/v1/companies/<int:company_id>/google-ads", **WEBHOOK_ROUTE)
    def leads_google_ads_lead(self, company_id, **_query):
        return serve("google_ads", company_id=company_id)
