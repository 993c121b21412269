from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        info = super().session_info()
        allowed = info.get("user_companies", {}).get("allowed_companies")
        if allowed:
            # Whether each business takes new leads, for the screens to offer
            # New only where it can succeed: the views are the same for every
            # business (and cached by the browser), the active one is not.
            companies = self.env["res.company"].sudo().browse(list(allowed))
            for company in companies:
                allowed[company.id]["leads_management_enabled"] = (
                    company.leads_management_enabled
                )
        return info
