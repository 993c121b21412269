import { registry } from "@web/core/registry";

// Run by a user with the "individual profiles" scope: the Leads app is absent
// from the home menu, but a lead opened by its link shows (read-only).
registry.category("web_tour.tours").add("leads_management_individual_scope_tour", {
    steps: () => [
        {
            content: "The lead profile opened by link shows its name",
            trigger: ".o_form_view .o_field_widget[name=name]:contains('Linked Lead')",
        },
        {
            content: "It is read-only for this role",
            trigger: ".o_form_view .o_form_readonly, .o_form_view .o_field_widget[name=name] span",
        },
        {
            content: "Open the home menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "The home menu lists the user's apps",
            trigger: ".o-dropdown--menu .o_app[data-menu-xmlid='mail.menu_root_discuss']",
        },
        {
            content: "The Leads app is not among them",
            trigger: ".o-dropdown--menu:not(:has(.o_app[data-menu-xmlid='leads_management.leads_menu_root']))",
        },
    ],
});
