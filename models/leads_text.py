"""Text rules shared by every way text enters or leaves leads (no model here).

Lead names and notes come from anonymous webhooks and files, and end up in
spreadsheets through exports.
"""

import re

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PHONE_CHARS = re.compile(r"^[\d\s+()\-./]+$")
MIN_PHONE_DIGITS = 3


def is_phone_number(value):
    """Digits, spaces and + ( ) - . / only, at least three digits."""
    return bool(PHONE_CHARS.match(value)) and (
        sum(ch.isdigit() for ch in value) >= MIN_PHONE_DIGITS
    )


def neutralize_formula(value):
    """Text to store: never starts like a formula.

    A real phone number starting with ``+`` ("+1 415 555 0100") stays as is.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if value.startswith("+") and is_phone_number(value):
        return value
    return "'" + value


def neutralize_cell(value):
    """A cell to export: any text starting like a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
