from odoo import models


class SmsComposer(models.TransientModel):
    _inherit = "sms.composer"

    def _action_send_sms(self):
        if self.res_model == "leads.lead":
            records = self._get_records()
            Lead = self.env["leads.lead"]
            if self.composition_mode == "mass" or len(records) > 1:
                Lead._leads_check_group(
                    "group_lead_mass_sms",
                    self.env._("Your role does not allow sending mass SMS to leads."),
                )
            else:
                Lead._leads_check_group(
                    "group_lead_message",
                    self.env._("Your role does not allow sending SMS to leads."),
                )
        return super()._action_send_sms()
