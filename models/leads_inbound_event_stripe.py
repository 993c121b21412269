from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..tools import stripe_events
from ..tools.webhook_payload import (
    EVENT_TYPES,
    MAX_ID,
    MAX_SHORT,
    EventType,
    InvalidPayload,
    check_str,
)

_lt = LazyTranslate(__name__)
MAX_URL = 2048
# What the Stripe adapter sends (controllers/stripe.py): payments and expired
# checkouts as the webhook schema's types, any other Stripe event as ignored.
STRIPE_EVENT_TYPES = {
    "transaction.completed": EVENT_TYPES["transaction.completed"],
    "booking.abandoned": EVENT_TYPES["booking.abandoned"],
    stripe_events.IGNORED_TYPE: EventType(
        "ignored", "transaction", _lt("Stripe event ignored")
    ),
}


class LeadsInboundEvent(models.Model):
    """Stripe's payments convert the payer's open lead (trigger
    ``transaction``) and record what was paid; an expired checkout is an
    abandoned booking with its recovery link in the history."""

    _inherit = "leads.inbound.event"

    result = fields.Selection(selection_add=[("ignored", "Ignored")])

    @api.model
    def _get_event_types(self, provider):
        if provider == "stripe":
            return STRIPE_EVENT_TYPES
        return super()._get_event_types(provider)

    @api.model
    def _validate_provider_data(self, provider, payload):
        if provider != "stripe":
            return super()._validate_provider_data(provider, payload)
        values = payload.get("stripe")
        if not isinstance(values, dict):
            raise InvalidPayload("stripe", "must be an object")
        amount = values.get("amount_minor")
        if amount is not None and (
            isinstance(amount, bool)
            or not isinstance(amount, int)
            or not 0 <= amount < 2**53
        ):
            raise InvalidPayload("stripe.amount_minor", "must be an amount")
        url = check_str(values.get("recovery_url"), "stripe.recovery_url", MAX_URL)
        if url and not url.lower().startswith("https://"):
            raise InvalidPayload("stripe.recovery_url", "must be an https URL")
        return {
            "stripe": {
                "type": check_str(values.get("type"), "stripe.type", MAX_SHORT),
                "object_id": check_str(
                    values.get("object_id"), "stripe.object_id", MAX_ID
                ),
                "amount_minor": amount,
                "currency": check_str(values.get("currency"), "stripe.currency", 8),
                "recovery_url": url,
            }
        }

    def _dispatch(self, data):
        if data["provider"] != "stripe":
            return super()._dispatch(data)
        if data["type"] == stripe_events.IGNORED_TYPE:
            return "ignored", self.env["leads.lead"], self.env["res.partner"]
        result, lead, partner = super()._dispatch(data)
        if result == "lead_converted":
            lead._leads_set_conversion_value(
                data["stripe"]["amount_minor"], data["stripe"]["currency"]
            )
        return result, lead, partner

    @api.model
    def _event_body(self, data):
        body = super()._event_body(data)
        if data["provider"] != "stripe" or not data["stripe"]["recovery_url"]:
            return body
        return body + Markup(
            '<p><a href="%s" target="_blank" rel="noopener noreferrer">%s</a></p>'
        ) % (data["stripe"]["recovery_url"], self.env._("Checkout recovery link"))
