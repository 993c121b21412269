from odoo import models


class ResCountry(models.Model):
    _inherit = "res.country"

    def write(self, vals):
        if {"code", "phone_code"} & vals.keys():
            self.env.registry.clear_cache()  # res.company._leads_phone_region
        return super().write(vals)
