"""Senders as adapters: one small class per sender, registered in ADAPTERS.

An adapter verifies the raw request (before anything is parsed or stored),
translates it into the event of the webhook schema (docs/webhooks.md) and
writes the sender's answer. Everything in between, the store, idempotency,
behaviour table and Calling Activity, is ``leads.inbound.event._receive``;
the routes call ``controllers.main.serve(key, **route_values)``, which maps
refusals and model exceptions to the adapter's HTTP answers.

A sender's own needs stay out of the webhook schema's path: an extension of
``leads.inbound.event`` may add internal event types (``_get_event_types``),
check the keys only its adapter sends (``_validate_provider_data``), handle
its kinds (``_dispatch``) and add to the history entry (``_event_body``).
"""

import json

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from odoo.exceptions import MissingError
from odoo.http import request

from odoo.addons.leads_management.tools.webhook_signature import verify_signature

MAX_BODY = 256 * 1024
# The same message for a bad signature and an unknown endpoint (no oracle).
REFUSED = "The request was refused: check the endpoint URL and the signature."
# What the webhooks read of a business, in one query.
COMPANY_FIELDS = [
    "active",
    "leads_webhook_secret",
    "leads_webhook_secret_previous",
    "leads_webhook_secret_previous_expiry",
    "leads_management_enabled",
    "leads_auto_create_client",
]

ADAPTERS = {}
# What ``translate`` returns for a verified request that holds nothing to store
# (a JSON ``null`` is a payload, refused by the schema).
NOTHING_TO_STORE = object()


def register(key):
    """Class decorator: the adapter serving the routes of ``key``."""

    def decorator(cls):
        ADAPTERS[key] = cls
        return cls

    return decorator


class Refused(Exception):  # noqa: N818 - a refusal is an answer, not a failure
    """The request is answered with ``status`` and nothing is stored.

    ``warning``: logged by the controller (signature failures, for the
    administrator looking for a misconfigured sender).
    """

    def __init__(self, status, code, message, headers=None, warning=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.warning = warning


class InboundAdapter:
    """One sender: verify, translate, answer. Subclasses set ``provider``
    (``leads.inbound.event.provider``) and override the steps."""

    provider = None
    methods = ("POST",)

    def __init__(self, route_values):
        self.httprequest = request.httprequest
        self.route_values = route_values
        self.raw_body = b""

    # -- the steps, in order -------------------------------------------------

    def check_request(self):
        """Method, size and media type, before the body is read."""
        if self.httprequest.method not in self.methods:
            raise Refused(
                405,
                "method_not_allowed",
                "Use POST to send events.",
                headers={"Allow": ", ".join(self.methods)},
            )
        if (self.httprequest.content_length or 0) > MAX_BODY:
            raise Refused(413, "too_large", "The body is larger than 256 KiB.")

    def read_body(self):
        try:
            # Also bounds bodies sent without a Content-Length (chunked).
            self.httprequest.max_content_length = MAX_BODY
            raw_body = self.httprequest.get_data(cache=True)
        except RequestEntityTooLarge as exc:
            raise Refused(413, "too_large", "The body is larger than 256 KiB.") from exc
        except ClientDisconnected as exc:
            raise broken_body(exc) from exc
        if len(raw_body) > MAX_BODY:
            raise Refused(413, "too_large", "The body is larger than 256 KiB.")
        return raw_body

    def find_company(self):
        """The business the request is for (sudo, what ``verify`` and the
        processing read of it fetched); empty when there is none."""
        raise NotImplementedError

    def verify(self, company):
        """Whether the request is signed by the sender, for ``company``.

        Called also when ``company`` is empty (against a dummy key), so that
        an unknown endpoint costs what a bad signature costs.
        """
        raise NotImplementedError

    def translate(self):
        """The event of the webhook schema (a dict, stored as the payload);
        NOTHING_TO_STORE when the request, verified, holds nothing to store
        (answered with ``answer(None)``)."""
        raise NotImplementedError

    def answer(self, response):
        """The HTTP answer to the stored outcome (``_receive``'s dict)."""
        raise NotImplementedError

    def refuse(self, refusal):
        """The HTTP answer to a ``Refused``."""
        raise NotImplementedError

    # -- the flow --------------------------------------------------------------

    def receive(self):
        self.check_request()
        self.raw_body = self.read_body()
        company = self.find_company()
        signed = self.verify(company)
        if not company:
            raise self.unknown_company()
        if not signed:
            raise self.bad_signature()
        payload = self.translate()
        if payload is NOTHING_TO_STORE:
            return self.answer(None)
        Event = request.env["leads.inbound.event"].sudo()
        runner_env = Event._get_runner_env(company)
        response = Event.with_env(runner_env)._receive(
            company.with_env(runner_env), payload, provider=self.provider
        )
        return self.answer(response)

    def unknown_company(self):
        return Refused(404, "unknown_company", REFUSED)

    def bad_signature(self):
        return Refused(
            401,
            "bad_signature",
            REFUSED,
            warning="Leads webhook: refused a request with a missing or wrong "
            "signature.",
        )


def broken_body(exc):
    """The refusal of a body that cannot be read to its end.

    Werkzeug reports both cases as ``ClientDisconnected``: a malformed chunked
    encoding (a chunk size that is not hexadecimal, a chunk extension, a
    missing line end) is the ``OSError`` its dechunker raised, while a body
    shorter than its ``Content-Length`` is the stream running dry. Neither is
    a fault of the server: a warning, no traceback.
    """
    if isinstance(exc.__context__, OSError):
        return Refused(
            400,
            "invalid_body",
            "The chunked transfer encoding of the body is malformed.",
            warning="Leads webhook: refused a request whose chunked body is malformed.",
        )
    return Refused(
        400,
        "incomplete_body",
        "The body ended before the length it announced.",
        warning="Leads webhook: refused a request whose body ended before its "
        "Content-Length (the client stopped sending).",
    )


def _error(code, message):
    return {"ok": False, "error": {"code": code, "message": message}}


@register("leads")
class LeadsAdapter(InboundAdapter):
    """The module's own signed JSON webhook (docs/webhooks.md)."""

    provider = "leads"

    def check_request(self):
        super().check_request()
        if self.httprequest.mimetype != "application/json":
            raise Refused(
                415, "unsupported_media_type", "Send the body as application/json."
            )

    def find_company(self):
        """The business of the URL, with what processing needs of it read in
        one query; empty when it is unknown or archived.

        sudo: only to read the business's secret, before anything else.
        browse and fetch rather than search: a search would build, optimise
        and order a domain, a third of this read's cost on every event.
        """
        company = (
            request.env["res.company"].sudo().browse(self.route_values["company_id"])
        )
        company.fetch(COMPANY_FIELDS)
        try:
            known = company.active
        except MissingError:
            known = False
        return company if known else company.browse()

    def verify(self, company):
        secrets = company._leads_webhook_secrets() if company else []
        header = self.httprequest.headers.get("X-Leads-Signature", "")
        return verify_signature(secrets, header, self.raw_body)

    def translate(self):
        try:
            return json.loads(
                self.raw_body.decode("utf-8"), parse_constant=_reject_constant
            )
        except (ValueError, RecursionError) as exc:
            raise Refused(
                400, "invalid_json", "The body is not valid UTF-8 JSON."
            ) from exc

    def answer(self, response):
        return request.make_json_response(response, status=200)

    def refuse(self, refusal):
        response = request.make_json_response(
            _error(refusal.code, refusal.message), status=refusal.status
        )
        response.headers.update(refusal.headers)
        return response


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")
