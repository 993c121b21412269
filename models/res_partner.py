from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    def write(self, vals):
        res = super().write(vals)
        self._leads_country_changed(vals)
        return res

    def _update_address(self, vals):
        # Address sync (a parent's address, a first contact's) writes through
        # super().write(), not through write() above.
        res = super()._update_address(vals)
        self._leads_country_changed(vals)
        return res

    def _leads_country_changed(self, vals):
        """A business's address country is its default phone region."""
        if "country_id" in vals and self.env["res.company"].sudo().with_context(
            active_test=False
        ).search_count([("partner_id", "in", self.ids)], limit=1):
            self.env.registry.clear_cache()  # res.company._leads_phone_region

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
        # sudo, archived included: which partners are businesses or staff is
        # not a matter of the caller's rights. Sub-queries, not lists: no query
        # of their own on the webhooks' hot path (partner_id is required, so
        # NOT IN sees no NULL).
        internal_users = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            ._search([("share", "=", False)])
        )
        return (
            Domain("company_id", "in", [company.id, False])
            & Domain("id", "not any!", SQL("SELECT partner_id FROM res_company"))
            & Domain("user_ids", "not any", internal_users)
        )

    @api.model
    def _leads_contact_domain(self, phone_key, raw_phone, email_key):
        """Partners with this E.164 phone (or, when the phone has no E.164
        form, this phone as typed) or this normalised email."""
        domain = Domain.FALSE
        if phone_key:
            domain |= Domain("phone_sanitized", "=", phone_key)
        elif raw_phone:
            domain |= Domain("phone", "=", raw_phone)
        if email_key:
            domain |= Domain("email_normalized", "=", email_key)
        return domain

    @api.model
    def _leads_find_clients(self, company, phone_key, raw_phone, email_key, limit=1):
        """Clients of ``company`` with this phone or email (oldest first)."""
        domain = self._leads_contact_domain(phone_key, raw_phone, email_key)
        if domain.is_false():
            return self.browse()
        domain &= self._leads_client_domain(company)
        # sudo: the domain is the business's own clients already, stricter than
        # the partner record rules, whose evaluation costs more than the search
        # (the webhooks' hot path). The clients come back in the caller's env.
        return self.sudo().search(domain, order="id", limit=limit).with_env(self.env)

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
