"""Typed values read from text a person typed: a CSV cell of the import, an
answer of a Google Ads lead form. One reading of numbers, yes/no, dates and
selection options for every path; each function raises ValueError (or
OverflowError, at the calendar's edge) for text that is not of its type."""

from datetime import datetime

import pytz

from .csv_reader import normalize_label

TRUE_VALUES = {"1", "true", "yes", "y", "x", "on", "vrai", "oui", "ja", "si"}
FALSE_VALUES = {"0", "false", "no", "n", "off", "faux", "non", "nein"}
INT_LIMIT = 2**31


def parse_integer(raw):
    value = int(raw.replace(" ", ""))
    if not -INT_LIMIT <= value < INT_LIMIT:
        raise ValueError(raw)
    return value


def parse_float(raw):
    text = raw.replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(raw)
    return value


def parse_boolean(raw):
    key = normalize_label(raw)
    if key in TRUE_VALUES:
        return True
    if key in FALSE_VALUES:
        return False
    raise ValueError(raw)


def parse_date(raw):
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(raw)


def parse_datetime(raw, tz):
    """ISO date and time, in the time zone ``tz`` unless it ends with ``Z``;
    naive UTC, as Odoo stores date-times."""
    text = raw.replace("T", " ").removesuffix("Z")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if raw.endswith("Z"):
            return value
        return tz.localize(value).astimezone(pytz.UTC).replace(tzinfo=None)
    raise ValueError(raw)


def parse_selection(options, raw):
    """The key of ``options`` (``[(key, label)]``) whose key or label is
    ``raw``, compared as labels are (case and accents aside)."""
    key = normalize_label(raw)
    for value, label in options:
        if key in (normalize_label(value), normalize_label(label)):
            return value
    raise ValueError(raw)
