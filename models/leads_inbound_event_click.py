from markupsafe import Markup

from odoo import api, models

from ..tools.click_ids import CLICK_IDS, MAX_CLICK_ID
from ..tools.webhook_payload import check_str


class LeadsInboundEvent(models.Model):
    """Click ids at the event's top level (``gclid`` is the schema's own):
    they fill an empty click id of the lead (the first touch), and each
    event's history entry names the ones it carried (every touch)."""

    _inherit = "leads.inbound.event"

    @api.model
    def _validate_payload(self, payload, provider="leads"):
        data = super()._validate_payload(payload, provider)
        for fname in CLICK_IDS:
            if fname != "gclid":
                data[fname] = check_str(payload.get(fname), fname, MAX_CLICK_ID)
        return data

    @api.model
    def _event_body(self, data):
        body = super()._event_body(data)
        Lead = self.env["leads.lead"]
        for fname in CLICK_IDS:
            if data.get(fname):
                label = Lead._fields[fname]._description_string(self.env)
                body += Markup("<p>%s: %s</p>") % (label, data[fname])
        return body
