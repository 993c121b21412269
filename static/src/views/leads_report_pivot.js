import { registry } from "@web/core/registry";
import { pivotView } from "@web/views/pivot/pivot_view";

// The Leads report's pivot for users without the export permission: the
// server picks it (leads.report._get_view) and refuses their exports.
registry.category("views").add("leads_report_pivot_no_download", {
    ...pivotView,
    buttonTemplate: "leads_management.LeadsReportPivotButtons",
});
