"""Google Ads lead form webhook: the request as Google sends it, translated
into the event of the webhook schema (no database).

Google posts JSON: ``lead_id``, ``user_column_data`` (``column_id``,
``column_name``, ``string_value``), ``gcl_id``, ``campaign_id``,
``form_id``, ``adgroup_id``, ``creative_id``, ``google_key``, ``is_test``
and ``lead_submit_time``.
"""

import hmac
from datetime import date

from . import text_values

LEAD_TYPE = "google_ads.lead"
TEST_TYPE = "google_ads.test"
NAME_COLUMNS = ("FULL_NAME",)
EMAIL_COLUMNS = ("EMAIL", "WORK_EMAIL")
PHONE_COLUMNS = ("PHONE_NUMBER", "WORK_PHONE")
MAX_COLUMNS = 100
# The ids Google sends beside the answers, kept on the event.
ID_KEYS = ("campaign_id", "form_id", "adgroup_id", "creative_id")
# Compared against when the business is unknown, so both paths cost the same.
_DUMMY_KEY = "leads-management-unknown-endpoint"


class GoogleAdsError(ValueError):
    """The request is not a lead form webhook; ``field`` names what is wrong."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def verify_key(expected, payload):
    """Whether the ``google_key`` of the parsed body is ``expected``
    (constant time; no key, or an empty one, never matches)."""
    sent = payload.get("google_key") if isinstance(payload, dict) else None
    if not isinstance(sent, str):
        sent = ""
    matched = hmac.compare_digest(
        (expected or _DUMMY_KEY).encode(), sent.encode("utf-8", "replace")
    )
    return matched and bool(expected)


def _text(value):
    """A string of Google's value (ids are numbers in its JSON)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value.strip() or None
    raise GoogleAdsError("value", "must be a string or a number")


def custom_value(spec, text):
    """The value of the webhook schema's ``fields`` for ``text``, Google's
    answer, in a custom field, read as every path reads it
    (``text_values.convert``; Google's answers carry no time zone, a date and
    time is in UTC); None when the answer is not of the field's type (it is
    then kept for the history).

    ``spec``: the field's name (a text field), or ``(name, type, options)``
    with ``options`` the selection's ``[(key, label)]``.
    """
    ftype, options = ("char", []) if isinstance(spec, str) else spec[1:]
    try:
        value = text_values.convert(ftype, text, options=options)
    except (ValueError, OverflowError):
        return None
    return value.isoformat() if isinstance(value, date) else value


def _column(index, column):
    """``(column_id upper-cased, name, value)`` of answer ``index``; the name
    falls back on the column id, the value is None when the answer is empty."""
    if not isinstance(column, dict):
        raise GoogleAdsError(f"user_column_data[{index}]", "must be an object")
    try:
        column_id = _text(column.get("column_id")) or ""
        name = _text(column.get("column_name")) or column_id
        value = _text(column.get("string_value"))
    except GoogleAdsError as exc:
        raise GoogleAdsError(f"user_column_data[{index}]", exc.message) from exc
    return column_id.upper(), name, value


def _sort_answers(columns, custom_labels):
    """``(values, answers, fields)`` of Google's answers: ``values`` the first
    answer of each standard contact column by column id, ``fields`` the custom
    fields' values by field name, ``answers`` every other answer (for the
    history)."""
    values, answers, fields = {}, [], {}
    for index, column in enumerate(columns):
        column_id, name, value = _column(index, column)
        if value is None:
            continue
        if column_id in (
            *NAME_COLUMNS,
            *EMAIL_COLUMNS,
            *PHONE_COLUMNS,
        ) or column_id in (
            "FIRST_NAME",
            "LAST_NAME",
        ):
            values.setdefault(column_id, value)
        elif (spec := custom_labels.get(name.casefold())) is not None and (
            converted := custom_value(spec, value)
        ) is not None:
            fields.setdefault(spec if isinstance(spec, str) else spec[0], converted)
        else:
            answers.append({"question": name, "answer": value})
    return values, answers, fields


def _contact(values):
    """The event's ``contact`` of the standard columns' ``values``: the full
    name, else the first and last names; the first email and phone columns
    that were answered."""
    name = values.get("FULL_NAME") or " ".join(
        part for part in (values.get("FIRST_NAME"), values.get("LAST_NAME")) if part
    )
    return {
        "name": name or None,
        "email": next((values[c] for c in EMAIL_COLUMNS if c in values), None),
        "phone": next((values[c] for c in PHONE_COLUMNS if c in values), None),
    }


def translate(payload, custom_labels=None):
    """The event of the webhook schema of a Google Ads lead form submission.

    ``custom_labels``: ``{label casefolded: spec}`` of the custom fields (see
    ``custom_value``); an answer whose ``column_name`` is one of them fills it
    when it is of the field's type.
    The name, phone and email come from Google's standard columns; every
    other answer is kept for the history. ``google_key`` is not kept.
    """
    if not isinstance(payload, dict):
        raise GoogleAdsError("body", "must be a JSON object")
    columns = payload.get("user_column_data")
    if columns is None:
        columns = []
    if not isinstance(columns, list) or len(columns) > MAX_COLUMNS:
        raise GoogleAdsError("user_column_data", "must be a list of answers")
    values, answers, fields = _sort_answers(columns, custom_labels or {})
    try:
        lead_id = _text(payload.get("lead_id"))
        ids = {key: _text(payload.get(key)) for key in ID_KEYS}
        gclid = _text(payload.get("gcl_id"))
        submitted = _text(payload.get("lead_submit_time"))
    except GoogleAdsError as exc:
        raise GoogleAdsError("lead_id", exc.message) from exc
    return {
        "id": lead_id,
        "type": TEST_TYPE if payload.get("is_test") is True else LEAD_TYPE,
        "contact": _contact(values),
        "gclid": gclid,
        "utm": {"source": "Google Ads", "campaign": ids["campaign_id"]},
        "fields": fields,
        "google_ads": {"answers": answers, "lead_submit_time": submitted, **ids},
    }
