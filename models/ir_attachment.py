from odoo import api, models
from odoo.fields import Domain


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _check_access(self, operation):
        # Files of a lead belong to its history: seeing them needs the history
        # permission, adding or removing them the notes permission.
        result = super()._check_access(operation)
        if self.env.su or not self:
            return result
        Lead = self.env["leads.lead"]
        groups = (
            ("group_lead_view_history",)
            if operation == "read"
            else ("group_lead_view_history", "group_lead_edit_tasks")
        )
        if all(Lead._leads_has_group(group) for group in groups):
            return result
        allowed = result[0] if result else self.browse()
        forbidden = self.browse(
            (self - allowed)
            .sudo()
            .filtered(lambda att: att.res_model == "leads.lead" and not att.res_field)
            .ids
        )
        if not forbidden:
            return result
        if result:
            return (result[0] | forbidden, result[1])
        return (
            forbidden,
            lambda: self.env["ir.rule"]._make_access_error(operation, forbidden),
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        if not self.env.su and not self.env["leads.lead"]._leads_has_group(
            "group_lead_view_history"
        ):
            domain = Domain(domain) & Domain("res_model", "!=", "leads.lead")
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )
