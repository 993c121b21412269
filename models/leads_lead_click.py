from odoo import api, fields, models

from ..tools.click_ids import CLICK_IDS


class LeadsLead(models.Model):
    """The ad click ids of a lead: the first touch is kept on the lead, every
    touch is in the history (leads.inbound.event's entry names them)."""

    _inherit = "leads.lead"

    gclid = fields.Char(index="btree_not_null")
    gbraid = fields.Char(
        string="Google gbraid",
        copy=False,
        index="btree_not_null",
        help="Google Ads click identifier of a click from an iOS app.",
    )
    wbraid = fields.Char(
        string="Google wbraid",
        copy=False,
        index="btree_not_null",
        help="Google Ads click identifier of a click on the web from iOS.",
    )
    fbclid = fields.Char(
        string="Facebook Click ID",
        copy=False,
        index="btree_not_null",
        help="Meta (Facebook, Instagram) ads click identifier.",
    )
    msclkid = fields.Char(
        string="Microsoft Click ID",
        copy=False,
        index="btree_not_null",
        help="Microsoft Advertising (Bing) click identifier.",
    )

    conversion_value = fields.Monetary(
        currency_field="conversion_currency_id",
        readonly=True,
        copy=False,
        help="What the conversion brought (the payment that converted the lead).",
    )
    conversion_currency_id = fields.Many2one(
        "res.currency", readonly=True, copy=False, string="Conversion Currency"
    )

    @api.model
    def _prepare_webhook_vals(self, data):
        vals = super()._prepare_webhook_vals(data)
        google = False
        for fname in CLICK_IDS:
            if fname != "gclid" and data.get(fname):
                vals[fname] = data[fname]
                google |= CLICK_IDS[fname][1] == "google_ads"
        if google and not data["gclid"]:
            vals["source_id"] = (
                self._leads_data_record(
                    "leads_management.utm_source_google_ads", raise_if_not_found=False
                )
                or self._find_or_create_record("utm.source", "Google Ads")
            ).id
        return vals

    def _leads_set_conversion_value(self, amount_minor, currency_code):
        """What the conversion brought (a payment's amount, in the currency's
        minor units as Stripe counts them): the value sent back to the ad
        platforms (leads.conversion.export)."""
        self.ensure_one()
        if amount_minor is None:
            return
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", (currency_code or "").upper())], limit=1)
        )
        currency = currency or self.company_id.currency_id
        # sudo: only the conversion fields, after a verified payment.
        self.sudo().write(
            {
                "conversion_value": amount_minor / 10**currency.decimal_places,
                "conversion_currency_id": currency.id,
            }
        )
