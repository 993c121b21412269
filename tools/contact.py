"""The contact rules: what a lead's phone and email may hold, and their keys.

Plain functions without the ORM, used by every way a lead's contact enters
(form, RPC, import, webhooks) through ``leads.contact.mixin``: one
normalisation, one validity rule for each, so that the same person typed in
two ways gets the same keys and two different inputs never share one.
"""

import re
import unicodedata

MIN_PHONE_DIGITS = 3
MAX_EMAIL = 254
MAX_EMAIL_LOCAL = 64
MAX_DOMAIN_LABEL = 63

# Never part of a phone number or an address, and invisible or misleading on
# screen: controls (tab, line breaks, NUL), format characters (right-to-left
# overrides, zero-width spaces), line and paragraph separators, surrogates,
# private-use and unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# A phone number once its spaces and digits are ASCII: digits, spaces and
# + ( ) - . /, starting with a digit, "+" or "(" (a leading "-" is a formula
# in a spreadsheet).
_PHONE_TEXT = re.compile(r"[0-9+(][0-9 +()\-./]*\Z")
_SPACES = re.compile(" {2,}")
# ASCII characters of an address's local part besides letters and digits
# (RFC 5322 atext); the dot separates its atoms.
_LOCAL_SYMBOLS = frozenset("!#$%&'*+/=?^_`{|}~-")
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-")


class ContactError(ValueError):
    """A phone or email that the contact rules refuse; ``code`` says why:

    - ``invisible``: a control, format or separator character (a tab, a line
      break, a right-to-left override, a zero-width space...);
    - ``phone``: not digits, spaces and + ( ) - . / with at least
      MIN_PHONE_DIGITS digits;
    - ``email``: not exactly one address ``local@domain``;
    - ``formula``: an address starting with = + or -.
    """

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _has_invisible(value):
    return any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value)


def normalize_phone(value):
    """The phone number to store for ``value``, "" when it is empty.

    Surrounding blanks are removed; spaces of any kind (no-break, em space)
    become one plain space and digits of any script (full-width,
    Arabic-Indic) ASCII digits, so that look-alike spellings of one number
    store the same text and the same key. Raises ContactError otherwise.
    """
    value = (value or "").strip()
    if not value:
        return ""
    if _has_invisible(value):
        raise ContactError("invisible")
    value = "".join(
        " " if ch.isspace() else str(unicodedata.decimal(ch)) if ch.isdecimal() else ch
        for ch in unicodedata.normalize("NFKC", value)
    )
    value = _SPACES.sub(" ", value)
    if not _PHONE_TEXT.match(value) or (
        sum(ch.isdigit() for ch in value) < MIN_PHONE_DIGITS
    ):
        raise ContactError("phone")
    return value


def _valid_local_part(local):
    if not local or len(local) > MAX_EMAIL_LOCAL:
        return False
    return all(
        atom and all(ch.isalnum() or ch in _LOCAL_SYMBOLS for ch in atom)
        for atom in local.split(".")
    )


def _valid_domain(domain):
    return all(
        label
        and len(label) <= MAX_DOMAIN_LABEL
        and not label.startswith("-")
        and not label.endswith("-")
        and all(ch.isalnum() or ch == "-" for ch in label)
        for label in domain.split(".")
    )


def normalize_email(value):
    """The email address to store for ``value``, "" when it is empty.

    Exactly one plain address ``local@domain`` (no display name, no list),
    kept as typed once its surrounding blanks are removed: one "@", a local
    part of dot-separated atoms, a domain of dot-separated labels (a local
    domain such as ``a@b`` included), letters and digits of any script
    allowed. Raises ContactError otherwise.
    """
    value = (value or "").strip()
    if not value:
        return ""
    if _has_invisible(value):
        raise ContactError("invisible")
    if value.startswith(_FORMULA_STARTS):
        raise ContactError("formula")
    # Composed accents: "é" typed as e + combining accent is the same address.
    value = unicodedata.normalize("NFC", value)
    local, _at, domain = value.partition("@")
    if (
        len(value) > MAX_EMAIL
        or any(ch.isspace() for ch in value)
        or "@" in domain
        or not _valid_local_part(local)
        or not _valid_domain(domain)
    ):
        raise ContactError("email")
    return value


def visible(value):
    """``value`` with its invisible characters written as escapes ("\\r",
    "\\u202e"), to show in a message what was refused."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES
        else ch
        for ch in value
    )


def email_key(address):
    """The key of an address that normalize_email accepted: what Odoo's
    ``email_normalize`` (the ``email_normalized`` fields) makes of it, an
    ASCII local part and the domain lower-cased; False for no address."""
    if not address:
        return False
    local, _at, domain = address.partition("@")
    if local.isascii():
        local = local.lower()
    return f"{local}@{domain.lower()}"
