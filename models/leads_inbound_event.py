import datetime
import hashlib
import json
import logging
from functools import partial

import psycopg2
import psycopg2.errors
from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ConcurrencyError, UserError
from odoo.fields import Command
from odoo.tools import SQL, clean_context, frozendict
from odoo.tools.mail import generate_tracking_message_id

from ..tools.contact import (
    MIN_PHONE_DIGITS,
    ContactError,
    normalize_email,
    normalize_phone,
)
from .leads_contact_mixin import CONTACT_COLUMNS
from .leads_text import neutralize_formula

_logger = logging.getLogger(__name__)

# type -> (kind, channel code or conversion trigger)
EVENT_TYPES = {
    "call.inbound": ("capture", "call"),
    "sms.inbound": ("capture", "sms"),
    "intake_form.submitted": ("capture", "intake_form"),
    "booking.abandoned": ("capture", "abandoned_booking"),
    "booking.completed": ("convert", "booking"),
    "package.purchased": ("convert", "package"),
    "membership.purchased": ("convert", "membership"),
    "transaction.completed": ("convert", "transaction"),
}
GROUP_RAW = "leads_management.group_lead_manager,leads_management.group_lead_webhook"
GROUP_CONTACT = "leads_management.group_lead_view_contact"
RESULTS = [
    ("lead_created", "Lead created"),
    ("lead_updated", "Lead updated"),
    ("client_matched", "Client matched"),
    ("client_created", "Client created"),
    ("visitor_logged", "Visitor logged"),
    ("lead_converted", "Lead converted"),
    ("no_matching_lead", "No matching lead"),
    ("failed", "Failed"),
]
# Maximum lengths of the payload's strings.
MAX_ID = 128
MAX_NAME = 256
MAX_PHONE = 64
MAX_EMAIL = 254
MAX_SHORT = 256
MAX_MESSAGE = 10000
MAX_OCCURRED_AT = 64
# Why contact.phone or contact.email is refused (ContactError codes).
CONTACT_ERRORS = {
    "invisible": "must not contain tabs, line breaks or invisible characters",
    "phone": "must be a phone number (digits, spaces and + ( ) - . / only, at "
    f"least {MIN_PHONE_DIGITS} digits)",
    "email": "must be one email address (name@example.com)",
    "formula": "must be an email address not starting with = + or -",
}
SURROGATE_MESSAGE = "must not contain lone surrogates (invalid Unicode)"
# Database errors Odoo retries (a concurrent transaction won): never swallow them.
RETRYABLE_ERRORS = (ConcurrencyError, psycopg2.OperationalError)
# Who sent an event (controllers/adapters.py holds one adapter per sender).
PROVIDERS = [
    ("leads", "Leads Webhook"),
    ("twilio", "Twilio"),
    ("google_ads", "Google Ads"),
    ("stripe", "Stripe"),
]


class SettledConflict(ConcurrencyError):
    """A concurrent transaction committed the same unique value: a fresh
    transaction sees it (the webhook route retries at once)."""


class ProcessingFailed(Exception):
    """Processing an event failed; ``message`` is stored on the event."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def restart_transaction(env):
    """Roll back and forget the transaction, as Odoo's ``retrying`` does
    between two tries."""
    env.cr.rollback()
    env.transaction.reset()
    env.registry.reset_changes()


class IdempotencyConflict(Exception):
    """An event id received before, now with a different body."""


class InvalidPayload(Exception):
    """The JSON body does not follow the webhook schema."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _check_str(value, field, max_length, required=False):
    if value is None:
        if required:
            raise InvalidPayload(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidPayload(field, "must be a string")
    if "\x00" in value:
        raise InvalidPayload(field, "must not contain NUL characters")
    if _has_surrogate(value):
        raise InvalidPayload(field, SURROGATE_MESSAGE)
    value = value.strip()
    if required and not value:
        raise InvalidPayload(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidPayload(field, f"must be at most {max_length} characters")
    return value or None


def _has_surrogate(value):
    """Whether ``value`` holds a lone surrogate (valid JSON, not storable text)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _find_surrogate(payload):
    """Path ("contact.name", "tags[2]") of the first string of ``payload``, key
    or value, holding a lone surrogate; None when there is none.

    Iterative: a deeply nested body cannot exhaust the stack here.
    """
    stack = [("", payload)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _has_surrogate(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _has_surrogate(key):
                    return path or "body"
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return None


def _check_contact_value(normalize, value, field):
    """A phone or email normalised by the contact rules (tools/contact.py),
    as a lead stores it; None when absent."""
    if value is None:
        return None
    try:
        return normalize(value) or None
    except ContactError as exc:
        raise InvalidPayload(field, CONTACT_ERRORS[exc.code]) from exc


class LeadsInboundEvent(models.Model):
    _name = "leads.inbound.event"
    _description = "Inbound Event"
    _order = "received_date desc, id desc"
    _rec_name = "external_id"

    external_id = fields.Char(
        string="Event ID", required=True, readonly=True, help="Sender's event id."
    )
    provider = fields.Selection(
        PROVIDERS,
        string="Sender",
        required=True,
        default="leads",
        readonly=True,
        help="The system that sent the event; its event ids are its own.",
    )
    event_type = fields.Char(string="Type", required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company",
        string="Business",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    state = fields.Selection(
        [("received", "Received"), ("done", "Processed"), ("failed", "Failed")],
        required=True,
        default="received",
        readonly=True,
    )
    result = fields.Selection(RESULTS, readonly=True)
    lead_id = fields.Many2one(
        "leads.lead", string="Lead", readonly=True, ondelete="set null"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Client", readonly=True, ondelete="set null"
    )
    # Staff working leads see the calling activity of their businesses; the raw
    # exchange (payload, answer, errors) is for managers and the webhook user.
    error_message = fields.Text(readonly=True, groups=GROUP_RAW)
    payload = fields.Text(
        readonly=True, help="The JSON body as received.", groups=GROUP_RAW
    )
    payload_hash = fields.Char(readonly=True, groups=GROUP_RAW)
    response = fields.Text(
        readonly=True,
        help="The first answer, returned again on replays.",
        groups=GROUP_RAW,
    )
    received_date = fields.Datetime(required=True, readonly=True, index=True)
    occurred_at = fields.Char(string="Occurred At (sender)", readonly=True)
    contact_name = fields.Char(readonly=True)
    contact_phone = fields.Char(readonly=True, groups=GROUP_CONTACT)
    contact_email = fields.Char(readonly=True, groups=GROUP_CONTACT)
    can_add_manually = fields.Boolean(compute="_compute_can_add_manually")

    _company_external_uniq = models.Constraint(
        "UNIQUE(company_id, provider, external_id)",
        "An event id is received once per business and sender.",
    )

    # ------------------------------------------------------------------
    # Entry point (called by the controller with a verified signature)
    # ------------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _get_runner_ids(self):
        """``(user id, partner id)`` of the low-rights technical user that
        processes the events. Cached: read on every event; the user cannot be
        deleted (res.users), and an uninstall reloads the registry."""
        runner = (
            self.env["leads.lead"]
            ._leads_data_record("leads_management.user_leads_webhook")
            .sudo()
        )
        return runner.id, runner.partner_id.id

    @api.model
    @tools.ormcache()
    def _get_runner_context(self):
        """Language and time zone of the webhook user, for processing.

        Not ``context_get()``: for a user without an installed language it
        takes the request's Accept-Language, and caches it for every later
        event. Cached: writing a user's language or time zone, or changing
        the installed languages, clears it.
        """
        runner = self.env["res.users"].sudo().browse(self._get_runner_ids()[0])
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        lang = runner.lang
        if lang not in installed:
            lang = "en_US" if "en_US" in installed else installed[0]
        return frozendict(lang=lang, tz=runner.tz or False)

    @api.model
    def _leads_runner_partner_changed(self, partners):
        """The webhook user's language and time zone live on its contact:
        edited there (not through the user), the cached context is cleared."""
        # Not _get_runner_ids(): contacts are also written while the module
        # is installed, before the user exists.
        runner = self.env.ref(
            "leads_management.user_leads_webhook", raise_if_not_found=False
        )
        if runner and runner.sudo().partner_id in partners:
            self.env.registry.clear_cache()  # _get_runner_context

    @api.model
    def _get_runner_env(self, company):
        """Environment of the low-rights technical user, in ``company`` only.

        With the user's own context (language, time zone), not the caller's:
        a request's language is its Accept-Language header, outside the
        signed body, and the screen a manager retries from may carry
        ``default_*`` keys that would fill the lead.
        """
        runner = self.env["res.users"].sudo().browse(self._get_runner_ids()[0])
        if company.id not in runner._get_company_ids():  # ormcached
            runner.write({"company_ids": [Command.link(company.id)]})
        return self.env(
            user=runner.id,
            su=False,
            context=dict(
                self._get_runner_context(),
                allowed_company_ids=[company.id],
                mail_create_nosubscribe=True,
            ),
        )

    @api.model
    def _receive(self, company, payload, provider="leads"):
        """Store and process one verified event of ``provider``: the event of
        the webhook schema, as the sender's adapter translated it.

        Runs as the webhook user. Returns the answer stored on the event (the
        first one again, with ``replayed``, for an event id received before).
        Raises InvalidPayload when the event does not follow the schema, and
        IdempotencyConflict for a known id with another body.
        """
        data = self._validate_payload(payload, provider)
        canonical = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        # surrogatepass: hashing never fails, whatever the validation let through.
        payload_hash = hashlib.sha256(
            canonical.encode("utf-8", "surrogatepass")
        ).hexdigest()
        event = self._insert_once(company, data, canonical, payload_hash)
        if not event:
            return self._replay(company, data, payload_hash)
        try:
            # No savepoint (two statements fewer on every event): so far the
            # transaction holds the event's new row and nothing else.
            return event._process_in_transaction(data, company)
        except ProcessingFailed as failure:
            # Start again from the insertion: the event alone is stored, failed.
            restart_transaction(self.env)
            event = self._insert_once(company, data, canonical, payload_hash)
            if not event:
                return self._replay(company, data, payload_hash)
            return event._store_outcome(
                "failed", "failed", error_message=failure.message
            )

    def _replay(self, company, data, payload_hash):
        """The stored answer to an event id received before; a conflict when
        the body differs."""
        event = self.search_fetch(
            [
                ("company_id", "=", company.id),
                ("provider", "=", data["provider"]),
                ("external_id", "=", data["id"]),
            ],
            ["payload_hash", "response"],
        )
        if event.payload_hash != payload_hash:
            _logger.warning(
                "Webhook event %s of company %s replayed with another body.",
                event.id,
                company.id,
            )
            raise IdempotencyConflict(event.id)
        return dict(json.loads(event.response or "{}"), replayed=True)

    def _insert_once(self, company, data, canonical, payload_hash):
        """INSERT ... ON CONFLICT DO NOTHING: the event row, once per id.

        A copy arriving while the first one is being processed waits for it,
        then gets a serialization failure, retried in a fresh transaction (at
        once by the webhook route); the retry finds the stored event and
        replays its answer.
        """
        now = fields.Datetime.now()
        contact = data["contact"]
        self.env.cr.execute(
            """
            INSERT INTO leads_inbound_event (
                company_id, provider, external_id, event_type, state, payload,
                payload_hash, received_date, occurred_at, contact_name,
                contact_phone, contact_email, create_uid, write_uid, create_date,
                write_date)
            VALUES (%s, %s, %s, %s, 'received', %s, %s, %s, %s, %s, %s, %s,
                    %s, %s, %s, %s)
            ON CONFLICT (company_id, provider, external_id) DO NOTHING
            RETURNING id
            """,
            [
                company.id,
                data["provider"],
                data["id"],
                data["type"],
                canonical,
                payload_hash,
                now,
                data["occurred_at"],
                contact["name"],
                contact["phone"],
                contact["email"],
                self.env.uid,
                self.env.uid,
                now,
                now,
            ],
            log_exceptions=False,
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else self.browse()

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    @api.model
    def _get_event_types(self, provider):
        """``type -> (kind, channel code or trigger)`` of what ``provider``
        may send: the webhook schema's types, and the sender's own internal
        ones (added by its extension)."""
        return EVENT_TYPES

    @api.model
    def _validate_payload(self, payload, provider="leads"):
        """Check the schema strictly; return the normalised values.

        Unknown keys are ignored: they are never used, so the payload cannot
        choose a company, user, stage, client or any other field. A sender's
        own keys are checked by ``_validate_provider_data``.
        """
        event_types = self._get_event_types(provider)
        if not isinstance(payload, dict):
            raise InvalidPayload("body", "must be a JSON object")
        # Lone surrogates ("\\ud800") are valid JSON but cannot be stored: any
        # string of the body, known key or not, is refused with its path.
        bad_path = _find_surrogate(payload)
        if bad_path:
            raise InvalidPayload(bad_path[:80], SURROGATE_MESSAGE)
        data = {
            "provider": provider,
            "id": _check_str(payload.get("id"), "id", MAX_ID, required=True),
            "type": _check_str(payload.get("type"), "type", MAX_SHORT, required=True),
        }
        if data["type"] not in event_types:
            raise InvalidPayload(
                "type", "must be one of " + ", ".join(sorted(event_types))
            )
        data["occurred_at"] = _check_str(
            payload.get("occurred_at"), "occurred_at", MAX_OCCURRED_AT
        )
        if data["occurred_at"]:
            try:
                datetime.datetime.fromisoformat(
                    data["occurred_at"].replace("Z", "+00:00")
                )
            except ValueError as exc:
                raise InvalidPayload(
                    "occurred_at", "must be an ISO 8601 date and time"
                ) from exc
        contact = payload.get("contact")
        if contact is None:
            contact = {}
        if not isinstance(contact, dict):
            raise InvalidPayload("contact", "must be an object")
        data["contact"] = {
            "name": neutralize_formula(
                _check_str(contact.get("name"), "contact.name", MAX_NAME)
            ),
            "phone": _check_contact_value(
                normalize_phone,
                _check_str(contact.get("phone"), "contact.phone", MAX_PHONE),
                "contact.phone",
            ),
            "email": _check_contact_value(
                normalize_email,
                _check_str(contact.get("email"), "contact.email", MAX_EMAIL),
                "contact.email",
            ),
        }
        lead_id = payload.get("lead_id")
        if lead_id is not None and (
            isinstance(lead_id, bool)
            or not isinstance(lead_id, int)
            or not 0 < lead_id < 2**31
        ):
            raise InvalidPayload("lead_id", "must be a positive integer")
        data["lead_id"] = lead_id
        data["message"] = _check_str(payload.get("message"), "message", MAX_MESSAGE)
        data["gclid"] = _check_str(payload.get("gclid"), "gclid", MAX_SHORT)
        utm = payload.get("utm")
        if utm is None:
            utm = {}
        if not isinstance(utm, dict):
            raise InvalidPayload("utm", "must be an object")
        data["utm"] = {
            key: neutralize_formula(_check_str(utm.get(key), f"utm.{key}", MAX_SHORT))
            for key in ("source", "medium", "campaign")
        }
        data["fields"] = self._validate_custom_fields(payload.get("fields"))
        kind = event_types[data["type"]][0]
        if kind == "capture":
            if data["type"] in ("call.inbound", "sms.inbound"):
                if not data["contact"]["phone"]:
                    raise InvalidPayload("contact.phone", "is required")
            elif not (data["contact"]["phone"] or data["contact"]["email"]):
                raise InvalidPayload("contact", "needs a phone or an email")
        data.update(self._validate_provider_data(provider, payload))
        return data

    @api.model
    def _validate_provider_data(self, provider, payload):
        """The normalised values of the keys that only ``provider``'s adapter
        sends (none for the webhook schema)."""
        return {}

    @api.model
    def _validate_custom_fields(self, values):
        if values is None:
            return {}
        if not isinstance(values, dict):
            raise InvalidPayload("fields", "must be an object")
        Lead = self.env["leads.lead"]
        result = {}
        for key, value in values.items():
            name = f"fields.{key}"[:80]
            field = Lead._fields.get(key)
            if not (key.startswith("x_") and field and field.manual):
                raise InvalidPayload(name, "is not a custom lead field")
            result[key] = self._validate_custom_value(field, value, name)
        return result

    @api.model
    def _validate_custom_value(self, field, value, name):  # noqa: C901
        if value is None:
            return False
        ftype = field.type
        if ftype in ("char", "text", "html"):
            value = _check_str(value, name, MAX_MESSAGE if ftype != "char" else 1024)
            return neutralize_formula(value) or False
        if ftype == "boolean":
            if not isinstance(value, bool):
                raise InvalidPayload(name, "must be true or false")
            return value
        if ftype == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidPayload(name, "must be an integer")
            if not -(2**31) <= value < 2**31:
                raise InvalidPayload(name, "is out of range")
            return value
        if ftype in ("float", "monetary"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidPayload(name, "must be a number")
            if abs(value) > 1e15:
                raise InvalidPayload(name, "is out of range")
            return float(value)
        if ftype in ("date", "datetime"):
            value = _check_str(value, name, MAX_OCCURRED_AT)
            try:
                parsed = datetime.datetime.fromisoformat(
                    (value or "").replace("Z", "+00:00")
                )
                if ftype == "date":
                    return parsed.date()
                if parsed.tzinfo:
                    # OverflowError at the edges of the calendar (year 1 or 9999).
                    parsed = parsed.astimezone(datetime.timezone.utc)
            except (ValueError, OverflowError) as exc:
                raise InvalidPayload(name, "must be an ISO 8601 date") from exc
            return parsed.replace(tzinfo=None)
        if ftype == "selection":
            keys = [k for k, _label in field._description_selection(self.env)]
            if value not in keys:
                raise InvalidPayload(name, "must be one of " + ", ".join(keys))
            return value
        raise InvalidPayload(name, "cannot be set by webhooks")

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    def _process(self, data, company=None):
        """Process the event in a savepoint (a retry by a manager); store the
        result, or the failure, and return the answer stored."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return self._process_in_transaction(data, company)
        except ProcessingFailed as failure:
            return self._store_outcome(
                "failed", "failed", error_message=failure.message
            )

    def _process_in_transaction(self, data, company=None):
        """Process the event and store its result; return the answer stored.

        A failure raises ProcessingFailed, for the caller to undo what was
        done and store it; conflicts with concurrent transactions propagate,
        to be retried.
        """
        self.ensure_one()
        company = company or self.company_id
        try:
            result, lead, partner = self._dispatch(company, data)
            # Computed now, in this business as the webhook user: the request's
            # own environment (no user, no business) would otherwise compute
            # them at commit (a new client's phone key takes the business's
            # country).
            self.env.flush_all()
        except RETRYABLE_ERRORS:
            raise
        except psycopg2.errors.UniqueViolation as exc:
            # A concurrent transaction committed the same unique value: a
            # fresh transaction sees that row (the webhook route retries at
            # once, Odoo's retrying otherwise).
            raise SettledConflict(str(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - stored on the event, never a 500
            _logger.exception(
                "Webhook event %s of company %s failed.", self.id, company.id
            )
            message = exc.args[0] if isinstance(exc, UserError) else repr(exc)
            raise ProcessingFailed(str(message)[:2000]) from exc
        response = self._store_outcome("done", result, lead, partner)
        self.env.cr.postcommit.add(
            partial(_after_commit, self.env.cr.dbname, self.id, result)
        )
        return response

    def _store_outcome(
        self, state, result, lead=None, partner=None, error_message=None
    ):
        """Write the outcome on the event row; return the answer it stores.

        In SQL, like the row's insertion (_insert_once): the ORM write would
        first read the event and evaluate its record rules, for a row that this
        transaction created and holds locked.
        """
        lead_id = lead.id if lead else None
        partner_id = partner.id if partner else None
        response = {
            "ok": True,
            "result": result,
            "lead_id": lead_id,
            "partner_id": partner_id,
            "event_id": self.id,
        }
        self.env.cr.execute(
            """
            UPDATE leads_inbound_event
               SET state = %s, result = %s, lead_id = %s, partner_id = %s,
                   error_message = %s, response = %s,
                   write_uid = %s, write_date = now() at time zone 'UTC'
             WHERE id = %s
            """,
            [
                state,
                result,
                lead_id,
                partner_id,
                error_message,
                json.dumps(response),
                self.env.uid,
                self.id,
            ],
        )
        self.invalidate_recordset()
        return response

    def _dispatch(self, company, data):
        """``(result, lead, partner)`` of the event; a sender's extension
        handles the kinds of its own internal types."""
        kind, code = self._get_event_types(data["provider"])[data["type"]]
        if kind == "convert":
            return self._process_conversion(company, data, code)
        return self._process_capture(company, data)

    def _contact_keys(self, company, contact):
        """``(phone key, raw phone, email key)`` of the event's contact
        (leads.contact.mixin): its phone and email were normalised by the
        validation, as a lead stores them."""
        return self.env["leads.lead"]._leads_contact_keys(
            company, contact["phone"], contact["email"]
        )

    @api.model
    def _inbound_keys(self, phone, raw_phone, email):
        """Serialisation keys (leads.inbound.key) of a contact."""
        keys = []
        if phone:
            keys.append(f"phone:{phone}")
        elif raw_phone:
            # A stable key for a phone without an E.164 form: its digits.
            digits = "".join(ch for ch in raw_phone if ch.isdigit())
            keys.append(f"phone_raw:{digits or raw_phone}")
        if email:
            keys.append(f"email:{email}")
        return keys

    def _find_open_lead(self, company, data, phone, raw_phone, email):
        """The open lead of ``company`` the event is about: ``lead_id``, then
        the phone, then the email (contract, section 5)."""
        Lead = self.env["leads.lead"].with_company(company)
        query = self._open_lead_query(company, data, phone, raw_phone, email)
        if query is None:
            return Lead
        self.env.cr.execute(query)
        row = self.env.cr.fetchone()
        return Lead.browse(row[0]) if row else Lead

    def _open_lead_query(self, company, data, phone, raw_phone, email):
        """SELECT of the id of _find_open_lead; None when nothing can match.

        SQL, in the business's open leads (what the lead rules give the
        webhook user): through the ORM, building and optimising the domains
        cost more than the lookups themselves (the webhooks' hot path). The
        best criterion wins, then the oldest lead.
        """
        matches = []  # in matching order
        if data["lead_id"]:
            matches.append(SQL("id = %s", data["lead_id"]))
        matches += self.env["leads.lead"]._leads_contact_conditions(
            phone, raw_phone, email
        )
        if not matches:
            return None
        self.env["leads.lead"].flush_model(
            ["active", "company_id", "converted_date", *CONTACT_COLUMNS]
        )
        return SQL(
            """
            SELECT id FROM leads_lead
             WHERE company_id = %s AND converted_date IS NULL
               AND active IS TRUE AND (%s)
             ORDER BY CASE %s END, id
             LIMIT 1
            """,
            company.id,
            SQL(" OR ").join(matches),
            SQL(" ").join(
                SQL("WHEN %s THEN %s", match, rank)
                for rank, match in enumerate(matches)
            ),
        )

    def _process_capture(self, company, data):
        Lead = self.env["leads.lead"].with_company(company)
        Partner = self.env["res.partner"].with_company(company)
        contact = data["contact"]
        phone, raw_phone, email = self._contact_keys(company, contact)
        if not (company.leads_management_enabled or company.leads_auto_create_client):
            return "visitor_logged", Lead, Partner
        lead, partner = self._touch_and_find_contact(
            company, data, phone, raw_phone, email
        )
        if lead:
            lead._update_from_webhook(data)
            self._log_on_record(lead, data)
            return "lead_updated", lead, Partner
        if partner:
            self._log_on_record(partner, data)
            return "client_matched", Lead, partner
        if company.leads_management_enabled:
            lead = self._capture_new_lead(company, data, phone, email)
            return "lead_created", lead, Partner
        partner = self._capture_new_client(company, data, phone)
        return "client_created", Lead, partner

    def _touch_and_find_contact(self, company, data, phone, raw_phone, email):
        """``(open lead, client)`` of a capture's contact, the client only
        looked for when no lead matches (and the lead only when Leads
        Management is on); both empty when the contact is new.

        The contact's keys are touched first, in the same statement: every
        capture of a contact in a business is serialised (leads.inbound.key).
        One statement for the three (the webhooks' hot path).
        """
        Lead = self.env["leads.lead"].with_company(company)
        Partner = self.env["res.partner"].with_company(company)
        keys = self._inbound_keys(phone, raw_phone, email)
        if data["type"] in ("call.inbound", "sms.inbound"):
            # A call or an SMS is about its phone number only.
            email = False
        lead_query = None
        if company.leads_management_enabled:
            lead_query = self._open_lead_query(company, data, phone, raw_phone, email)
        partner_query = Partner._leads_clients_query(company, phone, raw_phone, email)
        lead_id, partner_id = self.env["leads.inbound.key"]._touch(
            company,
            keys,
            then=SQL(
                "SELECT (%s), (%s)",
                lead_query or SQL("NULL"),
                partner_query or SQL("NULL"),
            ),
        )
        if lead_id:
            return Lead.browse(lead_id), Partner
        return Lead, Partner.browse(partner_id) if partner_id else Partner

    def _capture_new_lead(self, company, data, phone, email):
        """The new lead of a capture, its event in its history (the webhook
        user, or staff adding a visitor by hand: their rights apply)."""
        lead = (
            self.env["leads.lead"]
            .with_company(company)
            ._create_from_webhook(
                company,
                self._get_event_types(data["provider"])[data["type"]][1],
                data,
                phone,
                email,
            )
        )
        self._log_on_record(lead, data)
        return lead

    def _capture_new_client(self, company, data, phone):
        """The new client of a capture, its event in its history."""
        partner = (
            self.env["res.partner"]
            .with_company(company)
            .create(self._prepare_client_vals(company, data, phone))
        )
        self._log_on_record(partner, data)
        return partner

    def _prepare_client_vals(self, company, data, phone):
        contact = data["contact"]
        if data["type"] in ("call.inbound", "sms.inbound"):
            suffix = "call" if data["type"] == "call.inbound" else "sms"
            digits = "".join(c for c in (phone or contact["phone"]) if c.isdigit())
            name = f"{digits}_{suffix}"
        else:
            # The phone and email were validated (no formula but a "+" phone);
            # the fallback name is neutralised all the same.
            name = neutralize_formula(
                contact["name"] or contact["phone"] or contact["email"]
            )
        return {
            "name": name,
            "phone": contact["phone"],
            "email": contact["email"],
            "company_id": company.id,
        }

    def _log_on_record(self, record, data):
        """Write the inbound event in the record's history (escaped text).

        What ``_message_log`` writes, less its two reads: the author is known
        (the webhook user, or the staff adding a visitor by hand), and a log is
        never sent, so it has no reply-to (whose computation reads the whole
        business).
        """
        body = self._event_body(data)
        runner_id, runner_partner_id = self._get_runner_ids()
        author_id = (
            runner_partner_id
            if self.env.uid == runner_id
            else self.env.user.partner_id.id
        )
        # sudo: as _message_log, once the record's own rights were checked.
        record.sudo()._message_create(
            [
                {
                    "author_id": author_id,
                    "email_from": False,
                    "model": record._name,
                    "res_id": record.id,
                    "record_alias_domain_id": False,
                    "record_company_id": False,
                    "body": body,
                    "message_type": "notification",
                    "is_internal": True,
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(
                        "mail.mt_note"
                    ),
                    "email_add_signature": False,
                    "message_id": generate_tracking_message_id("message-notify"),
                    "reply_to": False,
                }
            ]
        )

    @api.model
    def _event_body(self, data):
        """The history entry of an event (escaped text); a sender's extension
        adds what only it sends (links to media, recordings)."""
        body = Markup("<p>%s</p>") % self._event_summary(data)
        if data["message"]:
            body += Markup("<p>%s</p>") % data["message"]
        return body

    @api.model
    def _event_summary(self, data):
        labels = {
            "call.inbound": self.env._("Inbound call"),
            "sms.inbound": self.env._("SMS received"),
            "intake_form.submitted": self.env._("Intake form submitted"),
            "booking.abandoned": self.env._("Online booking abandoned"),
        }
        return labels.get(data["type"], data["type"])

    def _process_conversion(self, company, data, trigger):
        Lead = self.env["leads.lead"].with_company(company)
        Partner = self.env["res.partner"]
        phone, raw_phone, email = self._contact_keys(company, data["contact"])
        lead = self._find_open_lead(company, data, phone, raw_phone, email)
        if not lead:
            return "no_matching_lead", Lead, Partner
        client = lead._find_matching_partners()[:1]
        partner = lead._convert(partner=client or None, trigger=trigger)
        return "lead_converted", lead, partner

    @api.depends("result", "lead_id", "partner_id")
    def _compute_can_add_manually(self):
        for event in self:
            event.can_add_manually = (
                event.result == "visitor_logged"
                and not event.lead_id
                and not event.partner_id
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _lock_visitor(self):
        """Lock a visitor event before adding it by hand, once."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT id FROM leads_inbound_event WHERE id = %s FOR UPDATE NOWAIT",
            [self.id],
            log_exceptions=False,
        )
        self.invalidate_recordset(["lead_id", "partner_id", "result"])
        if not self.can_add_manually:
            raise UserError(
                self.env._(
                    "This caller has already been added, or was not a visitor: "
                    "open the lead or client linked to the event."
                )
            )
        # sudo: the payload is the managers'; the user gets the contact values
        # that the webhook validated, as the automatic capture would.
        return self.sudo()._validate_stored_payload()

    def _validate_stored_payload(self):
        """The stored payload validated again, as processing needs it; a clear
        refusal when it no longer validates (a custom field it fills was
        deleted or changed type since)."""
        self.ensure_one()
        try:
            return self._validate_payload(json.loads(self.payload), self.provider)
        except (ValueError, InvalidPayload) as exc:
            raise UserError(
                self.env._(
                    "Event %(event)s cannot be processed: %(error)s",
                    event=self.external_id,
                    error=str(exc),
                )
            ) from exc

    def action_create_client(self):
        """Add a visitor as a client by hand (calls and SMS left as visitors when
        Leads Management and auto-create are off). Needs the right to create
        contacts; the client is named as an auto-created one would be."""
        return self._add_visitor("client")

    def action_create_lead(self):
        """Add a visitor as a lead by hand: the rules of Add Lead apply (the
        permission, and Leads Management on for the business)."""
        return self._add_visitor("lead")

    def _add_visitor(self, kind):
        """Do by hand what the capture did not: the same methods, as the user
        (without the default_* keys of the screen, which are not the event's)."""
        self.ensure_one()
        self.check_access("read")
        self = self.with_context(clean_context(self.env.context))  # noqa: PLW0642
        data = self._lock_visitor()
        phone, _raw_phone, email = self._contact_keys(self.company_id, data["contact"])
        if kind == "lead":
            record = self._capture_new_lead(self.company_id, data, phone, email)
            self.sudo().lead_id = record
        else:
            record = self._capture_new_client(self.company_id, data, phone)
            self.sudo().partner_id = record
        return self._open_record(record)

    def _open_record(self, record):
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_retry(self):
        """Process failed events again (managers)."""
        if not self.env.user.has_group("leads_management.group_lead_manager"):
            raise AccessError(self.env._("Only Leads managers can retry events."))
        for event in self.filtered(lambda e: e.state == "failed"):
            runner_env = self._get_runner_env(event.company_id)
            runner_event = event.with_env(runner_env)
            data = runner_event._validate_stored_payload()
            runner_event._process(data)
        return True


def _after_commit(dbname, event_id, result):
    """Side effects that leave the database run here, once, after commit.

    None are sent yet (no automatic SMS or email reply); the log line marks
    the place and lets the concurrency tests count executions (at debug
    level: Odoo logs every request already).
    """
    _logger.debug(
        "leads webhook side effects: db=%s event=%s result=%s",
        dbname,
        event_id,
        result,
    )
