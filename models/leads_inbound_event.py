"""Inbound events (leads.inbound.event): the model, the webhook user that
processes events, the idempotent store and the actions of Calling Activity.

The schema is tools/webhook_payload.py; processing is
models/leads_inbound_event_process.py; a sender's own needs are its extension
(models/leads_inbound_event_twilio.py). Nothing here knows HTTP: the routes
map the exceptions of leads_management/exceptions.py to answers.
"""

import hashlib
import json
import logging

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import LazyTranslate, clean_context, frozendict

from ..exceptions import IdempotencyConflict
from ..tools.text import neutralize_formula
from ..tools.text_values import TEXT_TYPES
from ..tools.webhook_payload import (
    EVENT_TYPES,
    MAX_MESSAGE,
    MAX_PATH,
    InvalidPayload,
    check_str,
    parse_event,
)
from .leads_field import CustomValueError

_logger = logging.getLogger(__name__)

_lt = LazyTranslate(__name__)
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
# Who sent an event (controllers/adapters.py holds one adapter per sender).
PROVIDERS = [
    ("leads", "Leads Webhook"),
    ("twilio", "Twilio"),
    ("google_ads", "Google Ads"),
    ("stripe", "Stripe"),
]


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


# What the history of a conversion does not need (EventType.label is None).
CONVERSION_LABELS = {
    "booking.completed": _lt("Booking completed"),
    "package.purchased": _lt("Package purchased"),
    "membership.purchased": _lt("Membership purchased"),
    "transaction.completed": _lt("Payment completed"),
}


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
    event_type_label = fields.Char(string="Event", compute="_compute_event_type_label")
    message_text = fields.Text(
        string="Message",
        compute="_compute_message_text",
        groups=GROUP_CONTACT,
        help="The SMS text or form notes the person sent.",
    )
    can_add_manually = fields.Boolean(compute="_compute_can_add_manually")
    can_add_lead = fields.Boolean(
        compute="_compute_can_add_manually",
        help="A visitor of a business taking leads (Leads Management on) again.",
    )

    _company_external_uniq = models.Constraint(
        "UNIQUE(company_id, provider, external_id)",
        "An event id is received once per business and sender.",
    )

    # ------------------------------------------------------------------
    # The webhook user
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

    # ------------------------------------------------------------------
    # The idempotent store (called by the adapters with a verified request)
    # ------------------------------------------------------------------

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
            return event._process_in_transaction(data)
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
        if not row:
            return self.browse()
        event = self.browse(row[0])
        # Processing reads the business of the event it has just written.
        event._update_cache({"company_id": company.id}, validate=False)
        return event

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

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    @api.model
    def _get_event_types(self, provider):
        """``type -> EventType`` of what ``provider`` may send: the webhook
        schema's types, and the sender's own internal ones (added by its
        extension)."""
        return EVENT_TYPES

    @api.model
    def _event_type(self, data):
        """The EventType of a validated event."""
        return self._get_event_types(data["provider"])[data["type"]]

    @api.model
    def _validate_payload(self, payload, provider="leads"):
        """Check the schema strictly (tools/webhook_payload.py); return the
        normalised values. A sender's own keys are checked by
        ``_validate_provider_data``."""
        data = parse_event(
            payload,
            provider,
            self._get_event_types(provider),
            self._validate_custom_fields,
        )
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
            name = f"fields.{key}"[:MAX_PATH]
            field = Lead._fields.get(key)
            if not (key.startswith("x_") and field and field.manual):
                raise InvalidPayload(name, "is not a custom lead field")
            result[key] = self._validate_custom_value(field, value, name)
        return result

    @api.model
    def _validate_custom_value(self, field, value, name):
        if field.type in TEXT_TYPES and value is not None:
            value = check_str(
                value, name, 1024 if field.type == "char" else MAX_MESSAGE
            )
            return neutralize_formula(value) or False
        try:
            return self.env["leads.field"]._leads_field_value(field.name, value)
        except CustomValueError as exc:
            if field.type == "selection":
                keys = [k for k, _label in field._description_selection(self.env)]
                raise InvalidPayload(
                    name, "must be one of " + ", ".join(keys)
                ) from None
            raise InvalidPayload(name, f"must be a valid {exc.expected}") from None

    @api.depends("provider", "event_type")
    def _compute_event_type_label(self):
        for event in self:
            event_type = event._get_event_types(event.provider).get(event.event_type)
            label = (event_type and event_type.label) or CONVERSION_LABELS.get(
                event.event_type
            )
            event.event_type_label = (
                self.env._(label)
                if label
                else (event.event_type or "").replace(".", " ").replace("_", " ")
            )

    @api.depends("payload")
    def _compute_message_text(self):
        # sudo: the message is the person's, shown to who may see their contact;
        # the rest of the raw payload stays for managers.
        for event in self:
            try:
                payload = json.loads(event.sudo().payload or "{}")
            except ValueError:
                payload = {}
            message = payload.get("message") if isinstance(payload, dict) else None
            event.message_text = message if isinstance(message, str) else False

    @api.depends("contact_name", "event_type_label")
    @api.depends_context("uid")
    def _compute_display_name(self):
        sees_contact = self.env.user.has_group(GROUP_CONTACT)
        for event in self:
            who = event.contact_name or (sees_contact and event.sudo().contact_phone)
            event.display_name = self.env._(
                "%(who)s: %(event)s",
                who=who or self.env._("Unknown caller"),
                event=event.event_type_label,
            )

    @api.depends("result", "lead_id", "partner_id", "company_id")
    def _compute_can_add_manually(self):
        for event in self:
            event.can_add_manually = (
                event.result == "visitor_logged"
                and not event.lead_id
                and not event.partner_id
            )
            # sudo: whether a business takes leads is no secret.
            event.can_add_lead = (
                event.can_add_manually
                and event.company_id.sudo().leads_management_enabled
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
        phone, _raw_phone, email = self._contact_keys(data)
        if kind == "lead":
            record = self._capture_new_lead(data, phone, email)
            self.sudo().lead_id = record
        else:
            record = self._capture_new_client(data, phone)
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
