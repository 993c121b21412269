from odoo import fields, models
from odoo.tools import SQL

from ..tools.click_ids import PLATFORMS


class LeadsReport(models.Model):
    """Insights by ad platform: the platform of the lead's click id, and the
    conversions and conversion rate as measures (by source, campaign or
    platform in the pivot)."""

    _inherit = "leads.report"

    click_platform = fields.Selection(
        PLATFORMS, string="Click-ID Platform", readonly=True
    )
    conversion_count = fields.Integer(
        string="Conversions", readonly=True, aggregator="sum"
    )
    conversion_rate = fields.Float(
        string="Conversion Rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the leads converted into clients.",
    )

    def _query(self):
        return SQL(
            """
            SELECT report.*,
                   CASE WHEN COALESCE(NULLIF(lead.gclid, ''), NULLIF(lead.gbraid, ''),
                                 NULLIF(lead.wbraid, '')) IS NOT NULL
                        THEN 'google_ads'
                        WHEN COALESCE(lead.msclkid, '') != '' THEN 'microsoft_ads'
                        WHEN COALESCE(lead.fbclid, '') != '' THEN 'meta_ads'
                   END AS click_platform,
                   CASE WHEN report.is_converted THEN 1 ELSE 0 END
                       AS conversion_count,
                   CASE WHEN report.is_converted THEN 100.0 ELSE 0.0 END
                       AS conversion_rate
              FROM (%s) report
              JOIN leads_lead lead ON lead.id = report.lead_id
            """,
            super()._query(),
        )
