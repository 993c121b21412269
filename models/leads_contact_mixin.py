from collections import namedtuple

from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, split_every

from ..tools.contact import (
    MIN_PHONE_DIGITS,
    ContactError,
    email_key,
    normalize_email,
    normalize_phone,
    visible,
)

# What a contact is matched on, in matching order, the same columns on leads
# and partners: its E.164 phone, or the phone as stored when it has no E.164
# form ("12345"), then its email key. The ORM domain, the SQL conditions and
# the batch lookup below are all built from this list.
CONTACT_CRITERIA = (
    ("phone_sanitized", "phone"),
    ("phone", "raw_phone"),
    ("email_normalized", "email"),
)
CONTACT_COLUMNS = [column for column, _key in CONTACT_CRITERIA]
# Keys per batch lookup: PostgreSQL plans longer lists as table scans.
LOOKUP_CHUNK = 1000

ContactKeys = namedtuple("ContactKeys", ["phone", "raw_phone", "email"])
ContactKeys.__doc__ = """The keys of a contact: its E.164 phone, its phone
as stored when it has none (False otherwise), its email key."""


class LeadsContactMixin(models.AbstractModel):
    """Who a lead is: the one phone and email rule of every way a lead is
    written (form, RPC, import, webhooks), their keys, and the criteria that
    find the same person (duplicate warning, webhooks, import)."""

    _name = "leads.contact.mixin"
    _description = "Leads Contact Identity"

    # ------------------------------------------------------------------
    # Normalisation and validity
    # ------------------------------------------------------------------

    @api.model
    def _leads_contact_error(self, error, fname, value):
        """The message of a ContactError ``error`` for ``value`` of ``fname``."""
        shown = visible(value)
        if error.code == "invisible":
            if fname == "phone":
                return self.env._(
                    "The phone number %(value)s contains a tab, a line break or an "
                    "invisible character (such as a right-to-left mark): type it "
                    "again.",
                    value=shown,
                )
            return self.env._(
                "The email address %(value)s contains a tab, a line break or an "
                "invisible character (such as a right-to-left mark): type it again.",
                value=shown,
            )
        if error.code == "phone":
            return self.env._(
                "%(value)s is not a valid phone number: use digits, spaces and "
                "+ ( ) - . / only, with at least %(count)s digits.",
                value=shown,
                count=MIN_PHONE_DIGITS,
            )
        if error.code == "formula":
            return self.env._(
                "%(value)s is not a valid email address: it must not start with "
                "=, + or -.",
                value=shown,
            )
        return self.env._(
            "%(value)s is not a valid email address: enter one address, such as "
            "name@example.com.",
            value=shown,
        )

    @api.model
    def _leads_missing_contact_error(self, name):
        return self.env._(
            "Lead %(name)s needs a phone number or an email address.", name=name or ""
        )

    @api.model
    def _leads_normalize_contact(self, fname, value):
        """The ``phone`` or ``email`` to store for ``value`` (False when empty);
        ValidationError when the rule refuses it."""
        if not isinstance(value, str):
            return value
        normalize = normalize_phone if fname == "phone" else normalize_email
        try:
            return normalize(value) or False
        except ContactError as error:
            raise ValidationError(
                self._leads_contact_error(error, fname, value)
            ) from error

    @api.model
    def _leads_normalize_contact_vals(self, vals):
        """``vals`` with their phone and email normalised (in place)."""
        for fname in ("phone", "email"):
            if fname in vals:
                vals[fname] = self._leads_normalize_contact(fname, vals[fname])
        return vals

    @api.model
    def _leads_contact_keys(self, company, phone, email):
        """ContactKeys of a normalised ``phone`` and ``email`` in ``company``
        (its country is the default region, as for the stored keys)."""
        phone_key = company._leads_phone_key(phone) if phone else False
        return ContactKeys(
            phone_key, False if phone_key else (phone or False), email_key(email)
        )

    # ------------------------------------------------------------------
    # Match criteria
    # ------------------------------------------------------------------

    @api.model
    def _leads_contact_criteria(self, phone_key, raw_phone, email_key):
        """``(column, value)`` pairs a contact is matched on, in matching
        order (CONTACT_CRITERIA): the raw phone only without an E.164 one."""
        keys = {
            "phone": phone_key,
            "raw_phone": not phone_key and raw_phone,
            "email": email_key,
        }
        return [(column, keys[key]) for column, key in CONTACT_CRITERIA if keys[key]]

    @api.model
    def _leads_contact_domain(self, phone_key, raw_phone, email_key):
        """Records (leads or partners) with this contact's phone or email."""
        return Domain.OR(
            Domain(column, "=", value)
            for column, value in self._leads_contact_criteria(
                phone_key, raw_phone, email_key
            )
        )

    @api.model
    def _leads_contact_conditions(self, phone_key, raw_phone, email_key):
        """_leads_contact_domain in SQL, one condition per criterion, in
        matching order."""
        return [
            SQL("%s = %s", SQL.identifier(column), value)
            for column, value in self._leads_contact_criteria(
                phone_key, raw_phone, email_key
            )
        ]

    @api.model
    def _leads_contact_search_domain(self, text):
        """Leads whose phone or email is the searched ``text``: a phone in any
        spelling (its E.164 key in the region of each of the user's
        businesses, or its digits within the stored numbers), an address or
        part of one. FALSE when ``text`` is neither."""
        domains = []
        try:
            phone = normalize_phone(text)
        except ContactError:
            phone = ""
        if phone:
            keys = {company._leads_phone_key(phone) for company in self.env.companies}
            keys.discard(False)
            if keys:
                domains.append(Domain("phone_sanitized", "in", sorted(keys)))
            domains.append(Domain("phone_mobile_search", "ilike", phone))
        if "@" in text:
            domains.append(Domain("email_normalized", "ilike", text.strip()))
        return Domain.OR(domains)

    @api.model
    def _leads_find_keys(self, table, keys_by_kind):
        """Batch lookup: ``{kind: {key: [row]}}`` of the rows of ``table``
        holding each key, ``keys_by_kind`` mapping a key kind of
        CONTACT_CRITERIA ("phone", "raw_phone", "email") to keys. A row is
        ``(id, company_id, converted_date, active)``, in id order.

        SQL, without record rules (a lead the user cannot see is still the
        same person); each query names one column and at most LOOKUP_CHUNK
        keys, so that it is served by that column's index.
        """
        found = {}
        for column, kind in CONTACT_CRITERIA:
            by_key = found[kind] = {}
            for chunk in split_every(
                LOOKUP_CHUNK, sorted(keys_by_kind.get(kind) or ()), list
            ):
                rows = self.env.execute_query(
                    SQL(
                        "SELECT %(key)s, id, company_id, converted_date, active "
                        "FROM %(table)s WHERE %(key)s = ANY(%(values)s) ORDER BY id",
                        table=SQL.identifier(table),
                        key=SQL.identifier(column),
                        values=chunk,
                    )
                )
                for key, *row in rows:
                    by_key.setdefault(key, []).append(tuple(row))
        return found
