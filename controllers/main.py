import hashlib
import hmac
import json
import logging
import time

import psycopg2.errors
from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.exceptions import MissingError
from odoo.http import request

from odoo.addons.leads_management.models.leads_inbound_event import (
    RETRYABLE_ERRORS,
    SettledConflict,
    _error,
    restart_transaction,
)

_logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
SIGNATURE_TOLERANCE = 300  # seconds, either way
# The same message for a bad signature and an unknown endpoint (no oracle).
REFUSED = "The request was refused: check the endpoint URL and the signature."
# Compared against when the company is unknown, so both paths cost the same.
_DUMMY_SECRET = b"leads-management-unknown-endpoint"
# Conflicts that are settled by the time they reach us: PostgreSQL reports a
# serialization failure only once the other transaction has committed (its
# row lock was waited for), and a unique violation means a committed row. A
# fresh transaction sees that commit, so the event is retried at once rather
# than after Odoo's random back-off of up to 2 s, which holds one of the
# server's few workers idle while requests queue behind it (a returning
# caller, or a duplicate delivery, arriving while the first one is written).
SETTLED_CONFLICTS = (SettledConflict, psycopg2.errors.SerializationFailure)
IMMEDIATE_ATTEMPTS = 3
# What the webhooks read of a business, in one query.
COMPANY_FIELDS = [
    "active",
    "leads_webhook_secret",
    "leads_webhook_secret_previous",
    "leads_webhook_secret_previous_expiry",
    "leads_management_enabled",
    "leads_auto_create_client",
]
# Set in the WSGI environ once the immediate attempts are spent: Odoo's own
# retries then call the route again, for one attempt each.
RETRIED_AT_ONCE = "leads_management.retried_at_once"


def verify_signature(secrets, header, raw_body, now=None):
    """Check ``X-Leads-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]``.

    HMAC-SHA256(secret, "<t>." + raw body) for any of ``secrets`` (a secret
    or a list: the current one and the previous one during its grace period),
    constant-time comparison, the timestamp within 300 s of the server clock
    either way. No secret, or only empty ones, never matches (fail closed).
    """
    if isinstance(secrets, str) or secrets is None:
        secrets = [secrets]
    secrets = [secret for secret in secrets if secret]
    if not header or len(header) > 2048:
        return False
    timestamp, candidates = None, []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit():
        return False
    if len(timestamp) > 12 or not candidates:
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > SIGNATURE_TOLERANCE:
        return False
    matched = False
    # Without a secret the work is the same, against a dummy key.
    for secret in secrets or [None]:
        key = secret.encode() if secret else _DUMMY_SECRET
        expected = hmac.new(
            key, timestamp.encode() + b"." + raw_body, hashlib.sha256
        ).hexdigest()
        for candidate in candidates[:8]:
            # compare_digest over bytes: non-ASCII input cannot raise.
            matched |= hmac.compare_digest(
                expected.encode(), candidate.encode("utf-8", "replace")
            )
    return matched and bool(secrets)


def _json_response(status, body):
    return request.make_json_response(body, status=status)


def _refuse(status, code, message):
    return _json_response(status, _error(code, message))


class LeadsWebhookController(http.Controller):
    @http.route(
        "/leads/v1/companies/<int:company_id>/events",
        type="http",
        # No user: the signature authenticates the sender, and processing
        # runs as the webhook user (leads.inbound.event._get_runner_env).
        auth="none",
        readonly=False,
        csrf=False,
        save_session=False,
    )
    def leads_webhook_event(self, company_id, **_query):
        """Inbound events of telephony, forms and booking systems (docs/webhooks.md).

        Every method reaches this route so that the answer to a GET or PUT is
        the contract's JSON 405, not Odoo's HTML page.
        """
        environ = request.httprequest.environ
        if not environ.get(RETRIED_AT_ONCE):
            for attempt in range(1, IMMEDIATE_ATTEMPTS):
                try:
                    return self._serve(company_id)
                except SETTLED_CONFLICTS as exc:
                    _logger.info(
                        "Leads webhook: %s, trying again at once (attempt %s of %s).",
                        type(exc).__name__,
                        attempt + 1,
                        IMMEDIATE_ATTEMPTS,
                    )
                    # The body is cached: it is read again as it came.
                    restart_transaction(request.env)
            environ[RETRIED_AT_ONCE] = True
        # The last one leaves a conflict to Odoo's retries, with their back-off.
        return self._serve(company_id)

    def _serve(self, company_id):
        try:
            return self._handle(company_id)
        except RETRYABLE_ERRORS:
            raise  # retried with a fresh transaction
        except Exception:
            _logger.exception("Leads webhook: unexpected error.")
            request.env.cr.rollback()
            return _refuse(400, "invalid_payload", "The event could not be processed.")

    def _get_company(self, company_id):
        """The business of the URL, with what processing needs of it read in
        one query; empty when it is unknown or archived.

        sudo: only to read the business's secret, before anything else.
        browse and fetch rather than search: a search would build, optimise
        and order a domain, a third of this read's cost on every event.
        """
        company = request.env["res.company"].sudo().browse(company_id)
        company.fetch(COMPANY_FIELDS)
        try:
            known = company.active
        except MissingError:
            known = False
        return company if known else company.browse()

    def _handle(self, company_id):
        httprequest = request.httprequest
        if httprequest.method != "POST":
            response = _refuse(405, "method_not_allowed", "Use POST to send events.")
            response.headers["Allow"] = "POST"
            return response
        if (httprequest.content_length or 0) > MAX_BODY:
            return _refuse(413, "too_large", "The body is larger than 256 KiB.")
        if httprequest.mimetype != "application/json":
            return _refuse(
                415, "unsupported_media_type", "Send the body as application/json."
            )
        try:
            # Also bounds bodies sent without a Content-Length (chunked).
            httprequest.max_content_length = MAX_BODY
            raw_body = httprequest.get_data(cache=True)
        except RequestEntityTooLarge:
            return _refuse(413, "too_large", "The body is larger than 256 KiB.")
        if len(raw_body) > MAX_BODY:
            return _refuse(413, "too_large", "The body is larger than 256 KiB.")

        company = self._get_company(company_id)
        secrets = company._leads_webhook_secrets() if company else []
        header = httprequest.headers.get("X-Leads-Signature", "")
        signed = verify_signature(secrets, header, raw_body)
        if not company:
            return _refuse(404, "unknown_company", REFUSED)
        if not signed:
            _logger.warning(
                "Leads webhook: refused a request with a missing or wrong signature."
            )
            return _refuse(401, "bad_signature", REFUSED)

        try:
            payload = json.loads(
                raw_body.decode("utf-8"), parse_constant=_reject_constant
            )
        except (ValueError, RecursionError):
            return _refuse(400, "invalid_json", "The body is not valid UTF-8 JSON.")

        Event = request.env["leads.inbound.event"].sudo()
        runner_env = Event._get_runner_env(company)
        status, body = Event.with_env(runner_env)._receive(
            company.with_env(runner_env), payload
        )
        return _json_response(status, body)


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")
