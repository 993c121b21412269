import { registry } from "@web/core/registry";

// Front desk adds a visitor of the Calling Activity as a lead.
registry.category("web_tour.tours").add("leads_management_calling_activity_tour", {
    steps: () => [
        {
            content: "The visitor is listed with its number",
            trigger: ".o_list_view .o_data_row:contains('+1 415 555 0186'):contains('Visitor logged')",
        },
        {
            content: "Add it as a lead",
            trigger: ".o_data_row:contains('+1 415 555 0186') button[name=action_create_lead]",
            run: "click",
        },
        {
            content: "The new lead opens, named after the caller",
            trigger: ".o_form_view .o_field_widget[name=name]:contains('Tour Visitor')",
        },
        {
            content: "Its history holds the message the visitor sent",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Any slot on Friday?')",
        },
    ],
});
