"""Conversion of a lead to a client: by hand (the wizard) or by a sender's
booking, purchase or payment."""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ..tools.text import neutralize_formula
from .leads_lead import CONVERSION_TRIGGERS

# Seconds a conversion waits for another one of the same lead.
CONVERSION_LOCK_TIMEOUT = 10


class LeadsLead(models.Model):
    _inherit = "leads.lead"

    def action_convert(self, partner=None, trigger="manual"):
        """Convert the leads into clients (public API, wizard and webhooks).

        :param partner: the client ``res.partner`` (record or id) to link;
            ``None`` creates one client per lead from the lead's details.
        :param trigger: a key of ``CONVERSION_TRIGGERS``.
        :return: the clients of the leads.
        """
        self._check_convert_access()
        if isinstance(partner, int):
            partner = self.env["res.partner"].browse(partner)
        if partner:
            partner.check_access("read")
            for lead in self:
                lead._check_possible_client(partner)
        return self._convert(partner=partner or None, trigger=trigger)

    def _check_convert_access(self):
        """The caller converts leads in their view scope, with the convert right.

        Conversion only writes the conversion fields, so it needs the Convert
        Leads group and the leads inside the user's read and write record rules,
        not the general write permission (Edit Lead Info).
        """
        if self.env.su:
            return
        if not self.env.user.has_group("leads_management.group_lead_convert"):
            raise AccessError(
                self.env._(
                    "You are not allowed to convert leads to clients. Ask an "
                    "administrator for the Convert Leads permission."
                )
            )
        self.check_access("read")
        domain = self.env["ir.rule"]._compute_domain(self._name, "write")
        if domain and (
            self - self.sudo().with_context(active_test=False).filtered_domain(domain)
        ):
            raise AccessError(
                self.env._("You are not allowed to convert some of these leads.")
            )

    def _convert(self, partner=None, trigger="manual"):
        """Convert without the caller checks (done by ``action_convert``).

        Locks the lead rows first, so two conversions of one lead racing each
        other produce one client: the second one waits for the first, then
        fails with a serialization failure once it commits, and the retry
        sees the lead converted.
        """
        if trigger not in dict(CONVERSION_TRIGGERS):
            raise UserError(
                self.env._("Unknown conversion trigger %(trigger)s.", trigger=trigger)
            )
        self._lock_for_conversion()
        stage = self.env["leads.lifecycle.stage"]._get_converted_stage()
        if not stage:
            raise UserError(
                self.env._(
                    "There is no converted lifecycle stage. Create one (tick "
                    "Converted Stage) in Leads > Configuration > Stages."
                )
            )
        partners = self.env["res.partner"]
        for lead in self:
            if lead.converted_date:
                raise UserError(
                    self.env._(
                        "Lead %(name)s has already been converted to a client "
                        "(%(client)s).",
                        name=lead.name,
                        client=lead.partner_id.display_name or "",
                    )
                )
            # sudo: the client of the lead's business, which the caller may
            # convert in (their view scope) without working there (View at
            # All Businesses); its values are the lead's. sudo() also drops
            # the caller's default_* keys, meant for leads (a client would
            # take a ``default_user_id`` as its salesperson). Not followed by
            # the caller: they may not be allowed to read it.
            client = partner or self.env["res.partner"].sudo().with_context(
                mail_create_nosubscribe=True
            ).create(lead._prepare_partner_vals())
            # sudo: only the conversion fields, after _check_convert_access.
            lead.sudo().write(
                {
                    "partner_id": client.id,
                    "converted_date": fields.Datetime.now(),
                    "conversion_trigger": trigger,
                    "stage_id": stage.id,
                }
            )
            lead._log_conversion(client, trigger, created=not partner)
            partners |= client
        return partners

    def _lock_for_conversion(self):
        if not self.ids:
            return
        # Waits for a running conversion rather than failing at once: when it
        # commits, this raises SerializationFailure (converted since this
        # transaction started), a conflict already settled, which the webhook
        # retries at once and Odoo after its back-off; the retry sees the
        # converted lead. Rows in id order, as the convert wizard takes them,
        # and at most CONVERSION_LOCK_TIMEOUT: a long transaction holding a
        # lead (LockNotAvailable then, retried by Odoo) must not keep a
        # worker waiting.
        cr = self.env.cr
        cr.execute(
            "SELECT current_setting('lock_timeout'), "
            "set_config('lock_timeout', %s, true)",
            [f"{CONVERSION_LOCK_TIMEOUT}s"],
        )
        lock_timeout = cr.fetchone()[0]
        cr.execute(
            "SELECT id FROM leads_lead WHERE id IN %s ORDER BY id FOR UPDATE",
            [tuple(self.ids)],
            log_exceptions=False,
        )
        cr.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
        self.invalidate_recordset(["partner_id", "converted_date", "stage_id"])

    def _check_possible_client(self, partner):
        """Refuse a ``partner`` that cannot be this lead's client: only an
        active contact of its business or of none, neither the contact of a
        business nor of a staff member (as for matching)."""
        self.ensure_one()
        Partner = self.env["res.partner"].sudo()
        if not Partner.search_count(
            Partner._leads_client_domain(self.company_id)
            & Domain("id", "=", partner.id),
            limit=1,
        ):
            raise UserError(
                self.env._(
                    "%(client)s is not a client of %(company)s (it is archived, "
                    "belongs to another business, or is the contact of a business "
                    "or of a staff member): pick a client of %(company)s for lead "
                    "%(name)s.",
                    client=partner.display_name,
                    name=self.name,
                    company=self.company_id.name,
                )
            )

    def _prepare_partner_vals(self):
        self.ensure_one()
        # sudo: the client gets the lead's contact details, whether or not the
        # converting user may see them (checked in _check_convert_access).
        lead = self.sudo()
        return {
            # Names typed by anyone end up in client exports: never a formula.
            "name": neutralize_formula(lead.name),
            "phone": lead.phone,
            "email": lead.email,
            "company_id": lead.company_id.id,
        }

    def _custom_field_values(self):
        """(label, value) of the filled custom (``x_``) fields of the lead."""
        self.ensure_one()
        values = []
        for fname, field in self._fields.items():
            if not (fname.startswith("x_") and field.manual):
                continue
            if field.type in ("one2many", "many2many", "binary"):
                continue
            value = self.sudo()[fname]  # copied into the client's history
            if value is False or value is None or value == "":
                continue
            if field.type == "many2one":
                value = value.display_name
            elif field.type == "selection":
                value = dict(field._description_selection(self.env)).get(value, value)
            values.append((field._description_string(self.env), value))
        return values

    def _log_conversion(self, client, trigger, created):
        self.ensure_one()
        trigger_label = dict(CONVERSION_TRIGGERS)[trigger]
        prefix = (
            self.env._("Converted to the new client")
            if created
            else self.env._("Converted and linked to the client")
        )
        lead_body = Markup(
            "%s <a href='#' data-oe-model='res.partner' data-oe-id='%s'>%s</a> (%s)"
        ) % (prefix, client.id, client.display_name, trigger_label)
        self._message_log(body=lead_body)
        partner_body = Markup(
            "%s <a href='#' data-oe-model='leads.lead' data-oe-id='%s'>%s</a> (%s)"
        ) % (
            self.env._("Converted from the lead"),
            self.id,
            self.name,
            trigger_label,
        )
        custom_values = self._custom_field_values()
        if custom_values:
            partner_body += Markup("<ul>%s</ul>") % Markup().join(
                Markup("<li>%s: %s</li>") % (label, value)
                for label, value in custom_values
            )
        # sudo: the client was checked or made by the conversion; the caller
        # may convert in a business whose contacts they cannot read.
        client.sudo()._message_log(body=partner_body)
