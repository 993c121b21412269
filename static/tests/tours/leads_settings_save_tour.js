import { registry } from "@web/core/registry";

// A Lead Settings manager (not an administrator) saves with the form's save
// icon, as anywhere in Odoo: the setting is applied, the page keeps its title.
registry.category("web_tour.tours").add("leads_management_settings_save_tour", {
    steps: () => [
        {
            content: "Turn Calling from the Web on",
            trigger: ".o_form_view .o_field_widget[name=leads_calling_enabled] input:not(:checked)",
            run: "click",
        },
        {
            content: "Save with the form's save icon",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: the page is still called Leads Settings",
            trigger: ".o_breadcrumb:contains('Leads Settings'):not(:contains('leads.settings')):not(:contains('NewId'))",
        },
        {
            content: "Nothing is left unsaved",
            trigger: ".o_form_view:not(:has(.o_form_button_save:visible))",
        },
    ],
});
