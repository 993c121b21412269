from odoo import api, fields, models
from odoo.exceptions import UserError


class LeadsConvertWizard(models.TransientModel):
    _name = "leads.convert.wizard"
    _description = "Convert Leads to Clients"

    lead_ids = fields.Many2many(
        "leads.lead",
        string="Leads",
        required=True,
        default=lambda self: self._default_lead_ids(),
    )
    action = fields.Selection(
        [("create", "Create a new client"), ("link", "Link to an existing client")],
        string="Conversion",
        required=True,
        compute="_compute_action",
        precompute=True,
        store=True,
        readonly=False,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        compute="_compute_partner_id",
        precompute=True,
        store=True,
        readonly=False,
        help="Suggested from the leads' phone number and email.",
    )
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", string="Business"
    )

    @api.model
    def _default_lead_ids(self):
        if self.env.context.get("active_model") == "leads.lead":
            return self.env["leads.lead"].browse(
                self.env.context.get("active_ids") or []
            )
        return self.env["leads.lead"]

    @api.depends("lead_ids")
    def _compute_company_id(self):
        for wizard in self:
            wizard.company_id = wizard.lead_ids.company_id[:1]

    @api.depends("lead_ids")
    def _compute_partner_id(self):
        for wizard in self:
            # A clear refusal for leads outside the user's scope, before any
            # suggestion is computed from them.
            wizard.lead_ids.check_access("read")
            partners = self.env["res.partner"]
            for lead in wizard.lead_ids:
                # sudo: matching uses the lead's phone and email, which the
                # user may not see; only clients the user can read are shown.
                partners |= lead.sudo()._find_matching_partners()
            partners = partners.with_env(self.env)._filtered_access("read")
            wizard.partner_id = partners[:1] if len(partners) == 1 else False

    @api.depends("partner_id")
    def _compute_action(self):
        for wizard in self:
            wizard.action = "link" if wizard.partner_id else "create"

    def action_convert(self):
        self.ensure_one()
        if self.action == "link" and not self.partner_id:
            raise UserError(self.env._("Choose the client to link the leads to."))
        partner = self.partner_id if self.action == "link" else None
        partners = self.env["res.partner"]
        # In id order, as a conversion locks its leads: never a deadlock.
        for lead in self.lead_ids.sorted("id"):
            partners |= lead.action_convert(partner=partner)
        # The client of a business the user does not work at (View at All
        # Businesses) is made, but not theirs to open.
        if len(partners) != 1 or not partners._filtered_access("read"):
            return {"type": "ir.actions.act_window_close"}
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": partners.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
