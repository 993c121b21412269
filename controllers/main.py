import logging

import psycopg2.errors

from odoo import http
from odoo.http import request

from odoo.addons.leads_management.exceptions import (
    RETRYABLE_ERRORS,
    IdempotencyConflict,
    InvalidPayload,
    SettledConflict,
)

from .adapters import ADAPTERS, Refused

_logger = logging.getLogger(__name__)

# Conflicts that are settled by the time they reach us: PostgreSQL reports a
# serialization failure only once the other transaction has committed (its
# row lock was waited for), and a unique violation means a committed row. A
# fresh transaction sees that commit, so the event is retried at once rather
# than after Odoo's random back-off of up to 2 s, which holds one of the
# server's few workers idle while requests queue behind it (a returning
# caller, or a duplicate delivery, arriving while the first one is written).
SETTLED_CONFLICTS = (SettledConflict, psycopg2.errors.SerializationFailure)
IMMEDIATE_ATTEMPTS = 3
# Set in the WSGI environ once the immediate attempts are spent: Odoo's own
# retries then call the route again, for one attempt each.
RETRIED_AT_ONCE = "leads_management.retried_at_once"
# The routes of the senders: no user, the sender's signature authenticates
# the request, and processing runs as the webhook user
# (leads.inbound.event._get_runner_env).
WEBHOOK_ROUTE = {
    "type": "http",
    "auth": "none",
    "readonly": False,
    "csrf": False,
    "save_session": False,
}


def serve(key, **route_values):
    """Serve the request with the adapter registered as ``key``
    (controllers/adapters.py): the routes of every sender call this."""
    environ = request.httprequest.environ
    if not environ.get(RETRIED_AT_ONCE):
        for attempt in range(1, IMMEDIATE_ATTEMPTS):
            try:
                return _serve_once(key, route_values)
            except SETTLED_CONFLICTS as exc:
                _logger.info(
                    "Leads webhook: %s, trying again at once (attempt %s of %s).",
                    type(exc).__name__,
                    attempt + 1,
                    IMMEDIATE_ATTEMPTS,
                )
                # The body is cached: it is read again as it came.
                _restart_transaction(request.env)
        environ[RETRIED_AT_ONCE] = True
    # The last one leaves a conflict to Odoo's retries, with their back-off.
    return _serve_once(key, route_values)


def _restart_transaction(env):
    """Roll back and forget the transaction, as Odoo's ``retrying`` does
    between two tries."""
    env.cr.rollback()
    env.transaction.reset()
    env.registry.reset_changes()


def _serve_once(key, route_values):
    """One attempt; refusals and the model's exceptions become the sender's
    HTTP answers, never a 500."""
    adapter = ADAPTERS[key](route_values)
    try:
        return adapter.receive()
    except Refused as refusal:
        if refusal.warning:
            _logger.warning(refusal.warning)
        return adapter.refuse(refusal)
    except InvalidPayload as exc:
        return adapter.refuse(
            Refused(400, "invalid_payload", f"{exc.field} {exc.message}.")
        )
    except IdempotencyConflict:
        return adapter.refuse(
            Refused(
                409,
                "idempotency_conflict",
                "This event id was already received with a different body.",
            )
        )
    except RETRYABLE_ERRORS:
        raise  # retried with a fresh transaction
    except Exception:
        _logger.exception("Leads webhook: unexpected error.")
        request.env.cr.rollback()
        return adapter.refuse(
            Refused(400, "invalid_payload", "The event could not be processed.")
        )


class LeadsWebhookController(http.Controller):
    @http.route("/leads/v1/companies/<int:company_id>/events", **WEBHOOK_ROUTE)
    def leads_webhook_event(self, company_id, **_query):
        """Inbound events of telephony, forms and booking systems (docs/webhooks.md).

        Every method reaches this route so that the answer to a GET or PUT is
        the contract's JSON 405, not Odoo's HTML page.
        """
        return serve("leads", company_id=company_id)
