"""The webhook schema (docs/webhooks.md): its event types and the check of an
event's body, plain functions without the ORM.

``leads.inbound.event`` validates every event through ``parse_event``, with
the custom lead fields converted by ``leads.field`` and a sender's own keys by
its extension of the event model.
"""

import datetime
from typing import NamedTuple

from odoo.tools.translate import LazyTranslate

from .contact import MIN_PHONE_DIGITS, ContactError, normalize_email, normalize_phone
from .text import neutralize_formula

_lt = LazyTranslate(__name__)

# Maximum lengths of the payload's strings.
MAX_ID = 128
MAX_NAME = 256
MAX_PHONE = 64
MAX_EMAIL = 254
MAX_SHORT = 256
MAX_MESSAGE = 10000
MAX_OCCURRED_AT = 64
MAX_URL = 2048
MAX_PATH = 80
# Why contact.phone or contact.email is refused (ContactError codes).
CONTACT_ERRORS = {
    "invisible": "must not contain tabs, line breaks or invisible characters",
    "phone": "must be a phone number (digits, spaces and + ( ) - . / only, at "
    f"least {MIN_PHONE_DIGITS} digits)",
    "email": "must be one email address (name@example.com)",
    "formula": "must be an email address not starting with = + or -",
}
SURROGATE_MESSAGE = "must not contain lone surrogates (invalid Unicode)"


class EventType(NamedTuple):
    """What an event type is, in the one table every step reads."""

    # "capture" (a caller to find or add) or "convert" (a sale converting the
    # caller's lead); a sender's extension may add kinds of its own.
    kind: str
    # The channel of a capture's new lead, the trigger of a conversion.
    code: str
    # The summary of the event in the history (lazy: the model translates it);
    # None when a sender's extension writes it.
    label: object = None
    # A call or an SMS is about its phone number alone: the phone is
    # required, the email is not matched, a new client is named after the
    # number.
    phone_only: bool = False


EVENT_TYPES = {
    "call.inbound": EventType("capture", "call", _lt("Inbound call"), True),
    "sms.inbound": EventType("capture", "sms", _lt("SMS received"), True),
    "intake_form.submitted": EventType(
        "capture", "intake_form", _lt("Intake form submitted")
    ),
    "booking.abandoned": EventType(
        "capture", "abandoned_booking", _lt("Online booking abandoned")
    ),
    "booking.completed": EventType("convert", "booking"),
    "package.purchased": EventType("convert", "package"),
    "membership.purchased": EventType("convert", "membership"),
    "transaction.completed": EventType("convert", "transaction"),
}


class InvalidPayload(Exception):
    """The JSON body does not follow the webhook schema."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_str(value, field, max_length, required=False):
    """A string of the payload, stripped; None when absent or empty."""
    if value is None:
        if required:
            raise InvalidPayload(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidPayload(field, "must be a string")
    if "\x00" in value:
        raise InvalidPayload(field, "must not contain NUL characters")
    if has_surrogate(value):
        raise InvalidPayload(field, SURROGATE_MESSAGE)
    value = value.strip()
    if required and not value:
        raise InvalidPayload(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidPayload(field, f"must be at most {max_length} characters")
    return value or None


def check_object(value, field):
    """An object of the payload; {} when absent."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidPayload(field, "must be an object")
    return value


def has_surrogate(value):
    """Whether ``value`` holds a lone surrogate (valid JSON, not storable text)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def find_surrogate(payload):
    """Path ("contact.name", "tags[2]") of the first string of ``payload``, key
    or value, holding a lone surrogate; None when there is none.

    Iterative: a deeply nested body cannot exhaust the stack here.
    """
    stack = [("", payload)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if has_surrogate(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and has_surrogate(key):
                    return path or "body"
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return None


def parse_event(payload, provider, event_types, convert_fields):
    """Check the event's body strictly; return its normalised values.

    ``event_types``: what ``provider`` may send (EVENT_TYPES, and a sender's
    own types); ``convert_fields(values)``: the custom lead fields' values
    converted (raises InvalidPayload).

    Unknown keys are ignored: they are never used, so the payload cannot
    choose a company, user, stage, client or any other field.
    """
    if not isinstance(payload, dict):
        raise InvalidPayload("body", "must be a JSON object")
    # Lone surrogates ("\\ud800") are valid JSON but cannot be stored: any
    # string of the body, known key or not, is refused with its path.
    bad_path = find_surrogate(payload)
    if bad_path:
        raise InvalidPayload(bad_path[:MAX_PATH], SURROGATE_MESSAGE)
    data = {
        "provider": provider,
        "id": check_str(payload.get("id"), "id", MAX_ID, required=True),
        "type": _check_type(payload.get("type"), event_types),
        "occurred_at": _check_occurred_at(payload.get("occurred_at")),
        "contact": _check_contact(payload.get("contact")),
        "lead_id": _check_lead_id(payload.get("lead_id")),
        "message": check_str(payload.get("message"), "message", MAX_MESSAGE),
        "gclid": check_str(payload.get("gclid"), "gclid", MAX_SHORT),
        "utm": _check_utm(payload.get("utm")),
        "fields": convert_fields(payload.get("fields")),
        "booking": _check_booking(payload.get("booking")),
    }
    _check_reachable(event_types[data["type"]], data["contact"])
    return data


def _check_type(value, event_types):
    event_type = check_str(value, "type", MAX_SHORT, required=True)
    if event_type not in event_types:
        raise InvalidPayload("type", "must be one of " + ", ".join(sorted(event_types)))
    return event_type


def _check_occurred_at(value):
    value = check_str(value, "occurred_at", MAX_OCCURRED_AT)
    if value:
        try:
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidPayload(
                "occurred_at", "must be an ISO 8601 date and time"
            ) from exc
    return value


def _check_contact(value):
    contact = check_object(value, "contact")
    return {
        "name": neutralize_formula(
            check_str(contact.get("name"), "contact.name", MAX_NAME)
        ),
        "phone": _check_contact_value(
            normalize_phone,
            check_str(contact.get("phone"), "contact.phone", MAX_PHONE),
            "contact.phone",
        ),
        "email": _check_contact_value(
            normalize_email,
            check_str(contact.get("email"), "contact.email", MAX_EMAIL),
            "contact.email",
        ),
    }


def _check_contact_value(normalize, value, field):
    """A phone or email normalised by the contact rules (tools/contact.py),
    as a lead stores it; None when absent."""
    if value is None:
        return None
    try:
        return normalize(value) or None
    except ContactError as exc:
        raise InvalidPayload(field, CONTACT_ERRORS[exc.code]) from exc


def _check_lead_id(value):
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31
    ):
        raise InvalidPayload("lead_id", "must be a positive integer")
    return value


def _check_booking(value):
    """What an abandoned booking was for: the service, its start (naive UTC,
    as Odoo stores date-times) and the sender's link to finish booking."""
    booking = check_object(value, "booking")
    service = check_str(booking.get("service"), "booking.service", MAX_SHORT)
    starts_at = check_str(
        booking.get("starts_at"), "booking.starts_at", MAX_OCCURRED_AT
    )
    start = None
    if starts_at:
        try:
            start = datetime.datetime.fromisoformat(starts_at.replace("Z", "+00:00"))
            if start.tzinfo:
                start = start.astimezone(datetime.UTC).replace(tzinfo=None)
        except (ValueError, OverflowError) as exc:
            raise InvalidPayload(
                "booking.starts_at", "must be an ISO 8601 date and time"
            ) from exc
    url = check_str(booking.get("recovery_url"), "booking.recovery_url", MAX_URL)
    if url and not url.lower().startswith(("https://", "http://")):
        raise InvalidPayload("booking.recovery_url", "must be an http(s) link")
    return {
        "service": neutralize_formula(service),
        "start": start,
        "recovery_url": url,
    }


def _check_utm(value):
    utm = check_object(value, "utm")
    return {
        key: neutralize_formula(check_str(utm.get(key), f"utm.{key}", MAX_SHORT))
        for key in ("source", "medium", "campaign")
    }


def _check_reachable(event_type, contact):
    """A capture needs a way back to the caller."""
    if event_type.kind != "capture":
        return
    if event_type.phone_only:
        if not contact["phone"]:
            raise InvalidPayload("contact.phone", "is required")
    elif not (contact["phone"] or contact["email"]):
        raise InvalidPayload("contact", "needs a phone or an email")
