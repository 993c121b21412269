from odoo import models
from odoo.exceptions import UserError


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
                self._leads_check_opt_out(records)
        return super()._action_send_sms()

    def _leads_check_opt_out(self, records):
        """An SMS to one lead whose number opted out (STOP) is refused, as
        mass SMS skip it: carriers forbid texting it until it opts back in."""
        info = records._sms_get_recipients_info(force_field=self.number_field_name)
        numbers = {
            self.recipient_single_number_itf,
            *(value["sanitized"] for value in info.values()),
        } - {False, None, ""}
        numbers |= {
            records[:1]._phone_format(number=number) or number for number in numbers
        }
        # sudo: the blacklist is the administrators'; only whether the number
        # is on it is read.
        opted_out = (
            self.env["phone.blacklist"]
            .sudo()
            .search([("number", "in", list(numbers))], limit=1)
        )
        if opted_out:
            raise UserError(
                self.env._(
                    "%(number)s opted out of SMS (it replied STOP) and is on the "
                    "phone blacklist: the SMS was not sent. It can opt back in by "
                    "texting START.",
                    number=opted_out.number,
                )
            )
