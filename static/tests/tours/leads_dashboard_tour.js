import { registry } from "@web/core/registry";

const CARD = ".o_kanban_record:contains('Tour Lead Connected')";

function rgb(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return `rgb(${r}, ${g}, ${b})`;
}

registry.category("web_tour.tours").add("leads_management_dashboard_tour", {
    steps: () => [
        {
            content: "The dashboard is a Kanban grouped by lifecycle stage",
            trigger: ".o_kanban_renderer .o_kanban_group .o_column_title:contains('Opportunity')",
        },
        {
            content: "The card's background is its action status colour, its text readable",
            trigger: `.o_kanban_group:has(.o_column_title:contains('Lead')) ${CARD} .o_leads_card`,
            run({ anchor }) {
                const style = getComputedStyle(anchor);
                if (style.backgroundColor !== rgb("#A5D6A7")) {
                    throw new Error(`card background is ${style.backgroundColor}`);
                }
                if (style.color !== rgb("#000000")) {
                    throw new Error(`card text colour is ${style.color}`);
                }
            },
        },
        {
            content: "A card without status keeps the default background",
            trigger: ".o_kanban_record:contains('Tour Lead Without Status') .o_leads_card:not([style*='background'])",
        },
        {
            content: "Drag the card to the Opportunity stage",
            trigger: CARD,
            run: "drag_and_drop(.o_kanban_group:has(.o_column_title:contains('Opportunity')))",
        },
        {
            content: "The card now sits in Opportunity",
            trigger: `.o_kanban_group:has(.o_column_title:contains('Opportunity')) ${CARD}`,
            run: "click",
        },
        {
            content: "The form opens with the lead's details and its history",
            trigger: ".o_form_view .o_field_widget[name=name]:contains('Tour Lead Connected'), .o_form_view .o_field_widget[name=name] input",
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link:contains('Lead Details')",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Opportunity')",
        },
        {
            content: "The chatter shows the stage change",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Opportunity')",
        },
        {
            content: "Convert sits at the top right of the profile, next to the stages",
            trigger: ".o_form_view .o_form_statusbar .o_statusbar_buttons button:contains('Convert')",
            run({ anchor }) {
                const status = document.querySelector(".o_form_view .o_statusbar_status");
                const button = anchor.getBoundingClientRect();
                const stages = status.getBoundingClientRect();
                const sheet = document
                    .querySelector(".o_form_view .o_form_sheet_bg")
                    .getBoundingClientRect();
                if (button.right > stages.left || stages.left - button.right > 40) {
                    throw new Error("Convert is not right beside the lifecycle stages");
                }
                if (button.left < sheet.left + sheet.width / 2) {
                    throw new Error("Convert is not on the right-hand side");
                }
                anchor.click();
            },
        },
        {
            content: "The wizard creates a new client by default",
            trigger: ".modal .o_field_widget[name=action] input[data-value=create]:checked",
        },
        {
            trigger: ".modal footer button[name=action_convert]",
            run: "click",
        },
        {
            content: "The new client opens, its history linking to the lead",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('Converted from the lead')",
        },
        {
            content: "Back to the lead",
            trigger: ".o_breadcrumb ol.breadcrumb li.breadcrumb-item:last-child a",
            run: "click",
        },
        {
            content: "The lead is converted: ribbon, Converted stage, no Convert button",
            trigger: ".o_form_view .ribbon:contains('Converted')",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Converted')",
        },
        {
            trigger: ".o_form_view:not(:has(.o_statusbar_buttons button:contains('Convert')))",
        },
    ],
});
