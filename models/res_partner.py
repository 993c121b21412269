from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from .leads_contact_mixin import CONTACT_COLUMNS

# Partners that are never clients: the partners of the businesses, and those of
# internal users (employees, administrators), archived or not. Sub-queries, not
# lists: no query of their own on the webhooks' hot path (partner_id is
# required on both tables, so NOT IN sees no NULL).
BUSINESS_PARTNERS = SQL("SELECT partner_id FROM res_company")
STAFF_PARTNERS = SQL("SELECT partner_id FROM res_users WHERE share IS NOT TRUE")


class ResPartner(models.Model):
    # The contact criteria of leads.contact.mixin: a client is matched on the
    # same columns, built the same way, as a lead.
    _name = "res.partner"
    _inherit = ["res.partner", "leads.contact.mixin"]

    lead_ids = fields.One2many(
        "leads.lead",
        "partner_id",
        string="Leads",
        groups="leads_management.group_lead_view_working",
    )
    lead_count = fields.Integer(
        compute="_compute_lead_count",
        string="Lead Count",
        groups="leads_management.group_lead_view_working",
    )
    # For the convert wizard's client picker, which a view domain cannot
    # express otherwise.
    leads_can_be_client = fields.Boolean(
        string="Can Be a Leads Client",
        compute="_compute_leads_can_be_client",
        search="_search_leads_can_be_client",
        help="Neither the contact of a business nor the contact of a staff member.",
    )

    def write(self, vals):
        res = super().write(vals)
        self._leads_country_changed(vals)
        if {"lang", "tz"} & set(vals):
            self.env["leads.inbound.event"]._leads_runner_partner_changed(self)
        return res

    def _update_address(self, vals):
        # Address sync (a parent's address, a first contact's) writes through
        # super().write(), not through write() above.
        res = super()._update_address(vals)
        self._leads_country_changed(vals)
        return res

    def _leads_country_changed(self, vals):
        """A business's address country is its default phone region: set or
        corrected, its leads' numbers typed without a country code get their
        keys in it (before, they matched no later call and made duplicates).
        Only those: an international number's key does not change."""
        if "country_id" not in vals:
            return
        companies = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.ids)])
        )
        if not companies:
            return
        self.env.registry.clear_cache()  # res.company._leads_phone_region
        Lead = self.env["leads.lead"].sudo().with_context(active_test=False)
        national = Lead.search(
            [
                ("company_id", "in", companies.ids),
                ("phone", "!=", False),
                ("phone", "not =like", "+%"),
            ]
        )
        self.env.add_to_compute(Lead._fields["phone_sanitized"], national)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_leads_client(self):
        """A converted lead keeps its client (contract: the client once
        converted), and cannot be converted again."""
        # sudo: contacts managers may delete contacts of leads they cannot see.
        converted = (
            self.env["leads.lead"]
            .sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", self.ids)])
        )
        if converted:
            raise UserError(
                self.env._(
                    "%(clients)s is the client of %(count)s converted lead(s), "
                    "which stay linked to it: archive it instead.",
                    clients=", ".join(converted.partner_id.mapped("display_name")),
                    count=len(converted),
                )
            )

    def _leads_never_client_domain(self):
        return Domain("id", "any!", BUSINESS_PARTNERS) | Domain(
            "id", "any!", STAFF_PARTNERS
        )

    def _compute_leads_can_be_client(self):
        never = set(
            self.sudo()
            .with_context(active_test=False)
            .search(Domain("id", "in", self.ids) & self._leads_never_client_domain())
            .ids
        )
        for partner in self:
            partner.leads_can_be_client = partner.id not in never

    def _search_leads_can_be_client(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        wanted = {bool(item) for item in value}
        if operator == "not in":
            wanted = {True, False} - wanted
        if len(wanted) != 1:
            return Domain.TRUE if wanted else Domain.FALSE
        never = self._leads_never_client_domain()
        return ~never if True in wanted else never

    def _compute_lead_count(self):
        counts = dict(
            self.env["leads.lead"]
            .with_context(active_test=False)
            ._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.lead_count = counts.get(partner, 0)

    @api.model
    def _leads_client_domain(self, company):
        """Partners that can be a client of ``company`` (matching by phone/email).

        A client belongs to the business or to no business, but a partner
        without a business is not always a client: the partner of any business
        (``res.company.partner_id``) and the partner of an internal user
        (employee, administrator, archived or not) never are.
        """
        return (
            # Explicit: a screen with ``active_test`` off never offers an
            # archived client (the webhooks' SQL reads active clients only).
            Domain("active", "=", True)
            & Domain("company_id", "in", [company.id, False])
            & ~self._leads_never_client_domain()
        )

    @api.model
    def _leads_clients_query(self, company, phone_key, raw_phone, email_key, limit=1):
        """SELECT of the ids of the clients of ``company`` with this phone or
        email, oldest first; None when nothing can match.

        SQL, as _leads_client_domain and _leads_contact_domain say, for the
        webhooks' hot path: through the ORM, building and optimising the
        domain cost more than the lookup. The business's own clients only,
        stricter than the partner record rules, which are not evaluated.
        """
        matches = self._leads_contact_conditions(phone_key, raw_phone, email_key)
        if not matches:
            return None
        self.flush_model(["active", "company_id", *CONTACT_COLUMNS])
        self.env["res.company"].flush_model(["partner_id"])
        self.env["res.users"].flush_model(["partner_id", "share"])
        return SQL(
            """
            SELECT id FROM res_partner
             WHERE active IS TRUE
               AND (company_id = %s OR company_id IS NULL)
               AND id NOT IN (%s) AND id NOT IN (%s)
               AND (%s)
             ORDER BY id
             LIMIT %s
            """,
            company.id,
            BUSINESS_PARTNERS,
            STAFF_PARTNERS,
            SQL(" OR ").join(matches),
            limit,
        )

    def action_view_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "leads_management.leads_lead_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"active_test": False, "create": False}
        action["view_mode"] = "list,form"
        action["views"] = [(False, "list"), (False, "form")]
        return action
