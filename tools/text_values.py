"""The value a custom lead field stores, from text a person typed (a CSV cell
of the import, an answer of a Google Ads lead form, a webhook's string) or from
JSON's own numbers and true/false. One reading of numbers, yes/no, dates and
selection options for every path (``convert``, called through
leads.field._leads_field_value); each function raises ValueError (or
OverflowError, at the calendar's edge) for a value that is not of its type."""

from datetime import date, datetime

import pytz

from .csv_reader import normalize_label

TRUE_VALUES = {"1", "true", "yes", "y", "x", "on", "vrai", "oui", "ja", "si"}
FALSE_VALUES = {"0", "false", "no", "n", "off", "faux", "non", "nein"}
INT_LIMIT = 2**31
# Beyond this a decimal number has lost its cents (a double's precision).
FLOAT_LIMIT = 1e15
TEXT_TYPES = ("char", "text")


def convert(ftype, value, *, options=(), tz=pytz.UTC):
    """The value Odoo stores in a field of type ``ftype`` for ``value``: text,
    or a JSON number or true/false of the field's type; False for None.

    ``options``: a selection's ``[(key, label)]``; ``tz``: the time zone of a
    date and time given without one.
    """
    if value is None:
        return False
    if ftype in TEXT_TYPES:
        if not isinstance(value, str):
            raise ValueError(value)
        return value
    if isinstance(value, str):
        if ftype not in _TEXT_PARSERS:
            raise ValueError(ftype)
        return _TEXT_PARSERS[ftype](value.strip(), options, tz)
    if isinstance(value, bool):
        if ftype != "boolean":
            raise ValueError(value)
        return value
    if isinstance(value, int) and ftype == "integer":
        return check_integer(value)
    if isinstance(value, int | float) and ftype == "float":
        return check_float(float(value))
    raise ValueError(value)


def check_integer(value):
    if not -INT_LIMIT <= value < INT_LIMIT:
        raise ValueError(value)
    return value


def check_float(value):
    # NaN is the one value not within any range.
    if not -FLOAT_LIMIT <= value <= FLOAT_LIMIT:
        raise ValueError(value)
    return value


def parse_integer(raw):
    return check_integer(int(raw.replace(" ", "")))


def parse_float(raw):
    text = raw.replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return check_float(float(text))


def parse_boolean(raw):
    key = normalize_label(raw)
    if key in TRUE_VALUES:
        return True
    if key in FALSE_VALUES:
        return False
    raise ValueError(raw)


def parse_date(raw):
    """YYYY-MM-DD or YYYY/MM/DD; the date of an ISO 8601 date and time."""
    try:
        return datetime.strptime(raw, "%Y/%m/%d").date()
    except ValueError:
        pass
    if len(raw) == 10:
        return date.fromisoformat(raw)
    return _iso_datetime(raw).date()


def parse_datetime(raw, tz):
    """An ISO 8601 date and time (a date alone is its midnight), in the time
    zone ``tz`` unless it gives its own (``Z``, ``+02:00``); naive UTC, as Odoo
    stores date-times."""
    value = _iso_datetime(raw)
    if value.tzinfo is None:
        value = tz.localize(value)
    return value.astimezone(pytz.UTC).replace(tzinfo=None)


def _iso_datetime(raw):
    # Python reads the compact forms too (20261210T0930); a person types the
    # dashes and colons, which also keeps "2026" from being a date.
    if len(raw) < 10 or raw[4] != "-" or raw[7] != "-":
        raise ValueError(raw)
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def parse_selection(options, raw):
    """The key of ``options`` (``[(key, label)]``) whose key or label is
    ``raw``, compared as labels are (case and accents aside)."""
    key = normalize_label(raw)
    for value, label in options:
        if key in (normalize_label(value), normalize_label(label)):
            return value
    raise ValueError(raw)


_TEXT_PARSERS = {
    "integer": lambda raw, _options, _tz: parse_integer(raw),
    "float": lambda raw, _options, _tz: parse_float(raw),
    "boolean": lambda raw, _options, _tz: parse_boolean(raw),
    "date": lambda raw, _options, _tz: parse_date(raw),
    "datetime": lambda raw, _options, tz: parse_datetime(raw, tz),
    "selection": lambda raw, options, _tz: parse_selection(options, raw),
}
