import { registry } from "@web/core/registry";

// Run in a business with Leads Management off: its existing leads show, and
// neither New nor a column's "+" is offered, from the first load.
registry.category("web_tour.tours").add("leads_management_off_dashboard_tour", {
    steps: () => [
        {
            content: "The business's existing lead shows",
            trigger: ".o_leads_kanban .o_kanban_record:contains('Kept From Before')",
        },
        {
            content: "No New button",
            trigger: ".o_control_panel:not(:has(.o-kanban-button-new))",
        },
        {
            content: "No quick create on the columns",
            trigger: ".o_leads_kanban:not(:has(.o_kanban_quick_add))",
        },
        {
            content: "Switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The list offers no New either",
            trigger: ".o_list_view .o_data_row:contains('Kept From Before')",
        },
        {
            trigger: ".o_control_panel:not(:has(.o_list_button_add))",
        },
    ],
});
