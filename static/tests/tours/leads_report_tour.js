import { registry } from "@web/core/registry";

function openPivot() {
    return [
        {
            content: "The Leads report opens",
            trigger: ".o_control_panel .o_breadcrumb:contains('Leads Report')",
        },
        {
            content: "Switch to the pivot",
            trigger: ".o_control_panel .o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot shows the leads",
            trigger: ".o_pivot_view .o_pivot table",
        },
    ];
}

// A user with View reports but without View and Export.
registry.category("web_tour.tours").add("leads_management_report_no_export_tour", {
    steps: () => [
        ...openPivot(),
        {
            content: "The pivot offers no Download",
            trigger: ".o_pivot_buttons:has(.o_pivot_flip_button):not(:has(.o_pivot_download))",
        },
    ],
});

// A user with View and Export.
registry.category("web_tour.tours").add("leads_management_report_export_tour", {
    steps: () => [
        ...openPivot(),
        {
            content: "The pivot offers its Download",
            trigger: ".o_pivot_buttons .o_pivot_download",
        },
    ],
});
