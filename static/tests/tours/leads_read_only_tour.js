import { registry } from "@web/core/registry";

const COG = ".o_control_panel .o_cp_action_menus button:has(.fa-cog)";

// A user who may read and delete leads but not edit them: the actions menus
// offer Delete, never Archive or Unarchive.
registry.category("web_tour.tours").add("leads_management_read_only_actions_tour", {
    steps: () => [
        {
            content: "Switch the dashboard to the list",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Select the lead",
            trigger: ".o_list_view .o_data_row:contains('Read Only Lead') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the actions menu of the selection",
            trigger: COG,
            run: "click",
        },
        {
            content: "It offers Delete",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Delete')",
        },
        {
            content: "It offers neither Archive nor Unarchive",
            trigger: ".o-dropdown--menu:not(:has(.o-dropdown-item:contains('Archive')))",
        },
        {
            content: "Close the menu",
            trigger: COG,
            run: "click",
        },
        {
            content: "Unselect the lead",
            trigger: ".o_list_view .o_data_row:contains('Read Only Lead') .o_list_record_selector input:checked",
            run: "click",
        },
        {
            content: "Nothing is selected any more",
            trigger: ".o_list_view:not(:has(.o_list_record_selector input:checked))",
        },
        {
            content: "Open the lead",
            trigger: ".o_list_view .o_data_row:contains('Read Only Lead') .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The lead's profile opens",
            trigger: ".o_form_view .o_field_widget[name=name]:contains('Read Only Lead')",
        },
        {
            content: "Open its actions menu",
            trigger: COG,
            run: "click",
        },
        {
            content: "It offers Delete",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Delete')",
        },
        {
            content: "It offers no Archive",
            trigger: ".o-dropdown--menu:not(:has(.o-dropdown-item:contains('Archive')))",
        },
    ],
});
