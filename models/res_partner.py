from odoo import fields, models


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

    def _compute_lead_count(self):
        counts = dict(
            self.env["leads.lead"]
            .with_context(active_test=False)
            ._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.lead_count = counts.get(partner, 0)

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
