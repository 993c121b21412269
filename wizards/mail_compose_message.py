from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _action_send_mail(self, auto_commit=False):
        for composer in self.filtered(lambda c: c.model == "leads.lead"):
            res_ids = composer._evaluate_res_ids()
            if composer.composition_mode == "mass_mail" or len(res_ids) > 1:
                self.env["leads.lead"]._leads_check_group(
                    "group_lead_mass_email",
                    self.env._("Your role does not allow mass emails to leads."),
                )
        return super()._action_send_mail(auto_commit=auto_commit)
