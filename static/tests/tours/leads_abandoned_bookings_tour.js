import { registry } from "@web/core/registry";

// Run by a user with the "individual profiles" scope: no Leads app, but the
// Abandoned Bookings app lists who left a booking and opens their profile.
registry.category("web_tour.tours").add("leads_management_abandoned_bookings_tour", {
    steps: () => [
        {
            content: "Open the home menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "The Leads app is not offered to this role",
            trigger: ".o-dropdown--menu:not(:has(.o_app[data-menu-xmlid='leads_management.leads_menu_root']))",
        },
        {
            content: "Open the Abandoned Bookings app",
            trigger: ".o-dropdown--menu .o_app[data-menu-xmlid='leads_management.leads_lead_menu_abandoned_booking']",
            run: "click",
        },
        {
            content: "Open the lead that left a booking",
            trigger: ".o_list_view .o_data_row td[name=name]:contains('Left the booking')",
            run: "click",
        },
        {
            content: "Its profile opens",
            trigger: ".o_form_view .o_field_widget[name=name]:contains('Left the booking')",
        },
    ],
});
