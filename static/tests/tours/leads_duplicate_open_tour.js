import { registry } from "@web/core/registry";

// A new lead typed with the phone of an existing one: "Open it" shows the
// existing lead in a dialog, and the draft is not saved meanwhile.
registry.category("web_tour.tours").add("leads_management_duplicate_open_tour", {
    steps: () => [
        {
            content: "Name the new lead",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Draft Duplicate",
        },
        {
            content: "Type the phone of an existing lead",
            trigger: ".o_form_view .o_field_widget[name=phone] input",
            run: "edit (415) 555-0177 && press Tab",
        },
        {
            content: "The warning names the match, the words apart",
            trigger: ".o_leads_duplicate_warning .o_leads_open_duplicates[data-kind=lead]",
            run: "click",
        },
        {
            content: "The existing lead opens in a dialog",
            trigger: ".modal .modal-title:contains('Matching Leads')",
        },
        {
            trigger: ".modal .o_form_view .o_field_widget[name=name] input:value(Already Here)",
        },
        {
            content: "Close the dialog",
            trigger: ".modal .btn-close",
            run: "click",
        },
        {
            content: "The draft is still a draft, with what was typed",
            trigger: "body:not(:has(.modal)) .o_form_view .o_form_status_indicator_buttons:not(.invisible) .o_form_button_cancel",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Draft Duplicate)",
        },
        {
            content: "The person was already a lead: discard the draft",
            trigger: ".o_form_view .o_form_button_cancel",
            run: "click",
        },
        {
            content: "The draft is gone",
            trigger: "body:not(:has(.o_field_widget[name=name] input:value(Draft Duplicate)))",
        },
    ],
});
