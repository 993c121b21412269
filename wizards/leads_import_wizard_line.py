from odoo import api, fields, models


class LeadsImportWizardLine(models.TransientModel):
    _name = "leads.import.wizard.line"
    _description = "Import Leads: Column Mapping"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "leads.import.wizard", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(string="Column", readonly=True)
    column_name = fields.Char(string="Column Header", readonly=True)
    sample = fields.Char(string="Example", readonly=True)
    field_name = fields.Selection(
        selection="_selection_field_name",
        string="Import Into",
        help="Leave empty to ignore the column.",
    )

    @api.model
    def _selection_field_name(self):
        return self.env["leads.import.job"]._import_target_fields()
