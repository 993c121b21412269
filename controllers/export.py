from odoo.http import request
from odoo.tools import LazyTranslate

from odoo.addons.web.controllers.export import CSVExport, ExcelExport

_lt = LazyTranslate(__name__)

# The file staff download is named as they know the list, not after the model.
EXPORT_NAMES = {"leads.lead": _lt("Leads")}


class LeadsExportFilename:
    def filename(self, base):
        if base in EXPORT_NAMES:
            return str(EXPORT_NAMES[base])
        if base.startswith("leads.") and base in request.env:
            return request.env["ir.model"]._get(base).name
        return super().filename(base)


class LeadsCSVExport(LeadsExportFilename, CSVExport):
    pass


class LeadsExcelExport(LeadsExportFilename, ExcelExport):
    pass
