"""Stripe's webhook: the adapter and route.

Stripe posts JSON signed with ``Stripe-Signature`` by the endpoint's signing
secret; the signature is checked over the raw body before anything is
parsed or stored. Stripe expects a 2xx answer, and retries otherwise.
"""

from odoo import http
from odoo.http import request

from odoo.addons.leads_management.tools import stripe_events
from odoo.addons.leads_management.tools.stripe_signature import (
    verify_stripe_signature,
)

from .adapters import REFUSED, LeadsAdapter, Refused, register
from .main import WEBHOOK_ROUTE, serve


@register("stripe")
class StripeAdapter(LeadsAdapter):
    provider = "stripe"

    def find_company(self):
        company = super().find_company()
        if company:
            company.fetch(["leads_stripe_webhook_secret"])
        return company

    def verify(self, company):
        secret = company.leads_stripe_webhook_secret if company else None
        header = self.httprequest.headers.get("Stripe-Signature", "")
        return verify_stripe_signature(secret, header, self.raw_body)

    def translate(self):
        event = super().translate()
        try:
            return stripe_events.translate(event)
        except ValueError as exc:
            raise Refused(
                400, "invalid_payload", "The body is not a Stripe event."
            ) from exc

    def bad_signature(self):
        return Refused(
            400,
            "bad_signature",
            REFUSED,
            warning="Leads Stripe webhook: refused a request with a missing or "
            "wrong Stripe-Signature.",
        )

    def unknown_company(self):
        return Refused(400, "bad_signature", REFUSED)

    def answer(self, response):
        return request.make_json_response({"received": True}, status=200)


class LeadsStripeController(http.Controller):
    @http.route("/leads/v1/companies/<int:company_id>/stripe", **WEBHOOK_ROUTE)
    def leads_stripe_event(self, company_id, **_query):
        return serve("stripe", company_id=company_id)
