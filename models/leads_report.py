from odoo import api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .leads_lead import CONVERSION_TRIGGERS
from .leads_text import neutralize_cell

GROUP_REPORT_EXPORT = "leads_management.group_lead_report_export"


class LeadsReport(models.Model):
    """The Leads report (Insights): one row per lead, archived ones included.

    A model of its own, as Odoo's report models: reading it needs View reports
    (its ACL), in the view scope of the user (security/leads_report_security.xml);
    exporting it needs View and Export. It holds no contact detail, history or
    task, which have their own permissions.
    """

    _name = "leads.report"
    _description = "Leads Report"
    _auto = False
    _rec_name = "name"
    _order = "lead_create_date desc, id desc"

    lead_id = fields.Many2one("leads.lead", string="Lead", readonly=True)
    name = fields.Char(string="Lead Name", readonly=True)
    lead_create_date = fields.Datetime(string="Created on", readonly=True)
    converted_date = fields.Datetime(string="Converted on", readonly=True)
    company_id = fields.Many2one("res.company", string="Business", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned Staff", readonly=True)
    stage_id = fields.Many2one(
        "leads.lifecycle.stage", string="Lifecycle Stage", readonly=True
    )
    action_status_id = fields.Many2one(
        "leads.action.status", string="Action Status", readonly=True
    )
    channel_id = fields.Many2one("leads.channel", string="Channel", readonly=True)
    source_id = fields.Many2one("utm.source", string="Source", readonly=True)
    medium_id = fields.Many2one("utm.medium", string="Medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", string="Campaign", readonly=True)
    conversion_trigger = fields.Selection(
        CONVERSION_TRIGGERS, string="Conversion Trigger", readonly=True
    )
    is_converted = fields.Boolean(string="Converted", readonly=True)
    is_archived = fields.Boolean(string="Archived", readonly=True)
    from_google_ads = fields.Boolean(string="From Google Ads", readonly=True)
    days_to_convert = fields.Float(
        string="Days to Convert",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Days from the lead's creation to its conversion (converted leads).",
    )

    def _query(self):
        return SQL(
            """
            SELECT lead.id AS id,
                   lead.id AS lead_id,
                   lead.name AS name,
                   lead.create_date AS lead_create_date,
                   lead.converted_date AS converted_date,
                   lead.company_id AS company_id,
                   lead.user_id AS user_id,
                   lead.stage_id AS stage_id,
                   lead.action_status_id AS action_status_id,
                   lead.channel_id AS channel_id,
                   lead.source_id AS source_id,
                   lead.medium_id AS medium_id,
                   lead.campaign_id AS campaign_id,
                   lead.conversion_trigger AS conversion_trigger,
                   lead.converted_date IS NOT NULL AS is_converted,
                   NOT COALESCE(lead.active, FALSE) AS is_archived,
                   COALESCE(lead.gclid, '') != '' AS from_google_ads,
                   EXTRACT(EPOCH FROM lead.converted_date - lead.create_date)
                       / 86400.0 AS days_to_convert
              FROM leads_lead lead
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._query(),
            )
        )

    @api.model
    def _leads_can_export(self):
        return self.env.su or self.env.user.has_group(GROUP_REPORT_EXPORT)

    def export_data(self, fields_to_export):
        if not self._leads_can_export():
            raise AccessError(
                self.env._(
                    "Exporting the Leads report needs the Leads Reports: View and "
                    "Export permission."
                )
            )
        result = super().export_data(fields_to_export)
        # Lead names come from anonymous webhooks and files: a cell a
        # spreadsheet would run as a formula is exported as text.
        result["datas"] = [
            [neutralize_cell(value) for value in row] for row in result["datas"]
        ]
        return result

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (*key, self._leads_can_export())

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if not self._leads_can_export():
            if view_type == "pivot":
                # The pivot's Download button (an XLSX of the table).
                arch.set("js_class", "leads_report_pivot_no_download")
            elif view_type == "list":
                arch.set("export_xlsx", "0")
        return arch, view
