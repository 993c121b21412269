from odoo import models


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Odoo's SMS queue (``_process_queue``, the cron) sends its batch
        without choosing a provider, so every SMS would leave through the cron
        user's business (or fail when the batch holds several businesses).
        Split it by business as ``send()`` does: a missed-call SMS or a queued
        mass SMS leaves from the number of the business it was written for."""
        if self.env.context.get("sms_api") or not self:
            return super()._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        for sms_api, sms in self._split_by_api():
            sms.with_context(sms_api=sms_api)._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        return None
