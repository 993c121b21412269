"""The duplicate warning: open leads and clients of the same business with the
same phone or email, and the dialog that opens them."""

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain


class LeadsLead(models.Model):
    _inherit = "leads.lead"

    def _contact_domain(self):
        """Records with this lead's phone (E.164, or as typed when it has no
        E.164 form) or normalised email; leads and partners name them alike."""
        self.ensure_one()
        return self._leads_contact_domain(
            self.phone_sanitized, self.phone, self.email_normalized
        )

    def _find_matching_leads(self):
        """Open leads of the same business with the same phone or email."""
        self.ensure_one()
        domain = self._contact_domain()
        if domain.is_false():
            return self.browse()
        domain &= Domain("company_id", "=", self.company_id.id)
        domain &= Domain("converted_date", "=", False)
        if self._origin.id:
            domain &= Domain("id", "!=", self._origin.id)
        return self.search(domain, limit=5)

    def _find_matching_partners(self):
        """Clients of the same business with the same phone or email."""
        self.ensure_one()
        Partner = self.env["res.partner"]
        # Other businesses' and staff members' partners never match.
        domain = self._contact_domain()
        if domain.is_false():
            return Partner
        domain &= Partner._leads_client_domain(self.company_id)
        if self.partner_id:
            domain &= Domain("id", "!=", self.partner_id.id)
        return Partner.search(domain, limit=5)

    def action_open_duplicates(self):
        self.ensure_one()
        return self.leads_duplicates_action("lead", self.duplicate_lead_ids.ids)

    def action_open_duplicate_partners(self):
        self.ensure_one()
        return self.leads_duplicates_action("client", self.duplicate_partner_ids.ids)

    @api.model
    def leads_duplicates_action(self, kind, ids):
        """The matches of the duplicate warning, in a dialog: the lead being
        typed stays a draft underneath (opening them must not save it)."""
        targets = {
            "lead": ("leads.lead", self.env._("Matching Leads")),
            "client": ("res.partner", self.env._("Matching Clients")),
        }
        if kind not in targets or not isinstance(ids, list | tuple):
            raise UserError(self.env._("These matches cannot be opened."))
        model, name = targets[kind]
        ids = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
        action = {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "target": "new",
            "context": {"create": False},
        }
        if len(ids) == 1:
            return action | {"res_id": ids[0], "views": [(False, "form")]}
        return action | {
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", ids)],
        }
