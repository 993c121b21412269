import { registry } from "@web/core/registry";

const LEAD = ".o_kanban_record:contains('Tour Field Lead')";

registry.category("web_tour.tours").add("leads_management_field_tour", {
    steps: () => [
        {
            content: "Fields Management lists the custom lead fields: add one",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            content: "Give it a label",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Pet Breed",
        },
        {
            content: "Leave the label",
            trigger: ".o_form_view .o_field_widget[name=help] textarea",
            run: "click",
        },
        {
            content: "The technical name follows the label",
            trigger: ".o_form_view .o_field_widget[name=field_name] input:value(x_pet_breed)",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Once created, the technical name cannot change",
            trigger: ".o_form_view .o_field_widget[name=field_name].o_readonly_modifier:contains('x_pet_breed')",
        },
        {
            content: "Back to the dashboard",
            trigger: "body",
            run: "goToUrl /odoo/leads",
            expectUnloadPage: true,
        },
        {
            trigger: LEAD,
            run: "click",
        },
        {
            content: "The new field is in the Lead Details section",
            trigger: ".o_form_view .o_notebook .o_inner_group:has(.o_horizontal_separator:contains('More Details')) label:contains('Pet Breed')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=x_pet_breed] input",
            run: "edit Labrador",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Back to the dashboard",
            trigger: "body",
            run: "goToUrl /odoo/leads",
            expectUnloadPage: true,
        },
        {
            trigger: ".o_kanban_view .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "The field is offered in the Group By menu",
            trigger: ".o_group_by_menu .o_menu_item:contains('Pet Breed')",
            run: "click",
        },
        {
            content: "The dashboard is grouped by the custom field",
            trigger: ".o_kanban_group .o_column_title:contains('Labrador')",
        },
    ],
});
