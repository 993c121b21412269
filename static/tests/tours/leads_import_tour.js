import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("leads_management_import_tour", {
    steps: () => [
        {
            content: "Open the Options menu of the Leads app",
            trigger: ".o_menu_sections button:contains('Options'), .o_menu_sections a:contains('Options')",
            run: "click",
        },
        {
            content: "Open Import Leads",
            trigger: ".dropdown-item:contains('Import Leads')",
            run: "click",
        },
        {
            content: "The import dialog asks for a file, a business and a duplicate policy",
            trigger: ".modal .o_field_widget[name='file']",
        },
        {
            trigger: ".modal .o_field_widget[name='company_id']",
        },
        {
            trigger: ".modal .o_field_widget[name='duplicate_policy']",
        },
        {
            content: "Encoding and delimiter are detected unless chosen",
            trigger: ".modal .o_field_widget[name='encoding']",
        },
        {
            trigger: ".modal .o_field_widget[name='delimiter']",
        },
        {
            content: "The first step is Next; Import comes after the column mapping",
            trigger: ".modal footer button[name='action_load']:contains('Next')",
        },
        {
            trigger: ".modal footer:not(:has(button[name='action_import']))",
        },
        {
            content: "Close the dialog",
            trigger: ".modal footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
