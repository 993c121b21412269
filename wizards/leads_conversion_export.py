import base64
import datetime

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import conversion_csv

GROUP_REPORT_VIEW = "leads_management.group_lead_report_view"
GROUP_REPORT_EXPORT = "leads_management.group_lead_report_export"
# platform -> (click id field, file writer, file name prefix)
PLATFORMS = {
    "google_ads": ("gclid", conversion_csv.google_csv, "google-ads"),
    "microsoft_ads": ("msclkid", conversion_csv.microsoft_csv, "microsoft-ads"),
}


class LeadsConversionExport(models.TransientModel):
    """The offline conversions of the converted leads that came from an ad
    click, as the ad platform's upload file: the platform then knows which
    campaigns made clients."""

    _name = "leads.conversion.export"
    _description = "Export Conversions to an Ad Platform"

    platform = fields.Selection(
        [("google_ads", "Google Ads"), ("microsoft_ads", "Microsoft Ads")],
        required=True,
        default="google_ads",
    )
    date_from = fields.Date(string="Converted From")
    date_to = fields.Date(string="Converted To")
    conversion_name = fields.Char(
        required=True,
        default="Lead converted",
        help="The name of the conversion action, exactly as in the ad platform.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Business",
        required=True,
        default=lambda self: self.env.company,
    )
    file = fields.Binary(readonly=True, attachment=False)
    filename = fields.Char(readonly=True)
    count = fields.Integer(string="Conversions", readonly=True)

    @api.model
    def _check_export_access(self):
        user = self.env.user
        if not self.env.su and not (
            user.has_group(GROUP_REPORT_VIEW) and user.has_group(GROUP_REPORT_EXPORT)
        ):
            raise AccessError(
                self.env._(
                    "Exporting conversions needs the Leads Reports: View and "
                    "Export permission."
                )
            )

    def _business_tz(self):
        """The business's time zone (its address's), else the user's, else UTC."""
        name = self.company_id.partner_id.tz or self.env.user.tz or "UTC"
        return pytz.timezone(name)

    def _domain(self, tz):
        click_field = PLATFORMS[self.platform][0]
        domain = [
            ("company_id", "=", self.company_id.id),
            ("is_converted", "=", True),
        ]
        bounds = ((self.date_from, ">=", 0), (self.date_to, "<", 1))
        for day, operator, shift in bounds:
            if day:
                start = tz.localize(
                    datetime.datetime.combine(day, datetime.time())
                    + datetime.timedelta(days=shift)
                )
                utc = start.astimezone(pytz.UTC).replace(tzinfo=None)
                domain.append(("converted_date", operator, utc))
        return click_field, domain

    def _conversions(self, tz):
        click_field, domain = self._domain(tz)
        # The user's view scope: the report rows they may read.
        rows = self.env["leads.report"].search(domain, order="converted_date, id")
        # sudo: the click ids and values of those leads only, not contact
        # details (the report holds none).
        leads = rows.lead_id.sudo().filtered(click_field)
        company_currency = self.company_id.currency_id
        return [
            conversion_csv.Conversion(
                click_id=lead[click_field],
                name=self.conversion_name,
                time=pytz.UTC.localize(lead.converted_date),
                value=lead.conversion_value if lead.conversion_currency_id else None,
                currency=(lead.conversion_currency_id or company_currency).name,
                decimals=(
                    lead.conversion_currency_id or company_currency
                ).decimal_places,
            )
            for lead in leads
        ]

    def action_export(self):
        self.ensure_one()
        self._check_export_access()
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UserError(self.env._("The start date is after the end date."))
        tz = self._business_tz()
        conversions = self._conversions(tz)
        _field, writer, prefix = PLATFORMS[self.platform]
        self.write(
            {
                "file": base64.b64encode(writer(conversions, tz)),
                "filename": f"{prefix}-conversions.csv",
                "count": len(conversions),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
