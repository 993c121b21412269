"""Processing of a stored event (leads.inbound.event): the behaviour table
of the webhook schema, the capture of a caller, the conversion of a lead and
the event's entry in the history.

A sender's extension handles the kinds of its own internal types by
overriding ``_dispatch`` (models/leads_inbound_event_twilio.py).
"""

import logging
from functools import partial

import psycopg2.errors
from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..exceptions import RETRYABLE_ERRORS, SettledConflict
from ..tools.text import neutralize_formula
from .leads_contact_mixin import CONTACT_COLUMNS
from .leads_inbound_event import ProcessingFailed

_logger = logging.getLogger(__name__)


class LeadsInboundEvent(models.Model):
    _inherit = "leads.inbound.event"

    def _process(self, data):
        """Process the event in a savepoint (a retry by a manager); store the
        result, or the failure, and return the answer stored."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return self._process_in_transaction(data)
        except ProcessingFailed as failure:
            return self._store_outcome(
                "failed", "failed", error_message=failure.message
            )

    def _process_in_transaction(self, data):
        """Process the event and store its result; return the answer stored.

        A failure raises ProcessingFailed, for the caller to undo what was
        done and store it; conflicts with concurrent transactions propagate,
        to be retried.
        """
        self.ensure_one()
        try:
            result, lead, partner = self._dispatch(data)
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
                "Webhook event %s of company %s failed.", self.id, self.company_id.id
            )
            message = exc.args[0] if isinstance(exc, UserError) else repr(exc)
            raise ProcessingFailed(str(message)[:2000]) from exc
        response = self._store_outcome("done", result, lead, partner)
        self.env.cr.postcommit.add(
            partial(_after_commit, self.env.cr.dbname, self.id, result)
        )
        return response

    def _dispatch(self, data):
        """``(result, lead, partner)`` of the event; a sender's extension
        handles the kinds of its own internal types."""
        if self._event_type(data).kind == "convert":
            return self._process_conversion(data)
        return self._process_capture(data)

    def _contact_keys(self, data):
        """``(phone key, raw phone, email key)`` of the event's contact
        (leads.contact.mixin): its phone and email were normalised by the
        validation, as a lead stores them."""
        contact = data["contact"]
        return self.env["leads.lead"]._leads_contact_keys(
            self.company_id, contact["phone"], contact["email"]
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

    def _process_capture(self, data):
        company = self.company_id
        Lead = self.env["leads.lead"].with_company(company)
        Partner = self.env["res.partner"].with_company(company)
        phone, raw_phone, email = self._contact_keys(data)
        if not (company.leads_management_enabled or company.leads_auto_create_client):
            return "visitor_logged", Lead, Partner
        lead, partner = self._touch_and_find_contact(data, phone, raw_phone, email)
        if lead:
            lead._update_from_webhook(data)
            self._log_on_record(lead, data)
            return "lead_updated", lead, Partner
        if partner:
            self._log_on_record(partner, data)
            return "client_matched", Lead, partner
        if company.leads_management_enabled:
            lead = self._capture_new_lead(data, phone, email)
            return "lead_created", lead, Partner
        partner = self._capture_new_client(data, phone)
        return "client_created", Lead, partner

    def _touch_and_find_contact(self, data, phone, raw_phone, email):
        """``(open lead, client)`` of a capture's contact, the client only
        looked for when no lead matches (and the lead only when Leads
        Management is on); both empty when the contact is new.

        The contact's keys are touched first, in the same statement: every
        capture of a contact in a business is serialised (leads.inbound.key).
        One statement for the three (the webhooks' hot path).
        """
        company = self.company_id
        Lead = self.env["leads.lead"].with_company(company)
        Partner = self.env["res.partner"].with_company(company)
        keys = self._inbound_keys(phone, raw_phone, email)
        if self._event_type(data).phone_only:
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

    def _capture_new_lead(self, data, phone, email):
        """The new lead of a capture, its event in its history (the webhook
        user, or staff adding a visitor by hand: their rights apply)."""
        company = self.company_id
        lead = (
            self.env["leads.lead"]
            .with_company(company)
            ._create_from_webhook(
                company, self._event_type(data).code, data, phone, email
            )
        )
        self._log_on_record(lead, data)
        return lead

    def _capture_new_client(self, data, phone):
        """The new client of a capture, its event in its history."""
        partner = (
            self.env["res.partner"]
            .with_company(self.company_id)
            .create(self._prepare_client_vals(data, phone))
        )
        self._log_on_record(partner, data)
        return partner

    def _prepare_client_vals(self, data, phone):
        contact = data["contact"]
        event_type = self._event_type(data)
        if event_type.phone_only:
            # Named after the number and the channel ("14155550100_call").
            digits = "".join(c for c in (phone or contact["phone"]) if c.isdigit())
            name = f"{digits}_{event_type.code}"
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
            "company_id": self.company_id.id,
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
        label = self._event_type(data).label
        return self.env._(label) if label else data["type"]

    def _process_conversion(self, data):
        company = self.company_id
        Lead = self.env["leads.lead"].with_company(company)
        Partner = self.env["res.partner"]
        phone, raw_phone, email = self._contact_keys(data)
        lead = self._find_open_lead(company, data, phone, raw_phone, email)
        if not lead:
            return "no_matching_lead", Lead, Partner
        client = lead._find_matching_partners()[:1]
        partner = lead._convert(
            partner=client or None, trigger=self._event_type(data).code
        )
        return "lead_converted", lead, partner


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
