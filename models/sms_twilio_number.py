from odoo import api, models


class SmsTwilioNumber(models.Model):
    """A business's Twilio numbers route its calls and SMS: a change clears
    the cache of ``res.company._leads_twilio_numbers``."""

    _inherit = "sms.twilio.number"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if {"number", "company_id"} & vals.keys():
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
