"""Text that ends up in spreadsheets: never stored starting like a formula.

Plain functions without the ORM; lead names and notes come from anonymous
webhooks and files, and leave through exports.
"""

from .contact import ContactError, normalize_phone

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_phone_number(value):
    """Whether ``value`` is a phone number by the contact rules."""
    try:
        return bool(normalize_phone(value))
    except ContactError:
        return False


def neutralize_formula(value):
    """Text to store: never starts like a formula.

    A real phone number starting with ``+`` ("+1 415 555 0100") stays as is.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if value.startswith("+") and is_phone_number(value):
        return value
    return "'" + value
