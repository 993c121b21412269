import { registry } from "@web/core/registry";

const BUSINESS = ".o_form_view .o_field_widget[name=company_id]";

function checkBusiness({ anchor }) {
    const shown = anchor.querySelector("input")?.value || anchor.textContent;
    if (!shown.includes("Paws Boarding B")) {
        throw new Error(`the business shown is "${shown}"`);
    }
}

const NO_ERROR = {
    content: "No access error was shown",
    trigger: "body:not(:has(.o_error_dialog)):not(:has(.modal:contains('Access Error')))",
};

// Run by a View at All Businesses user whose switcher holds one business only:
// the lead of another business opens from its deep link, with its business.
registry.category("web_tour.tours").add("leads_management_all_businesses_link_tour", {
    steps: () => [
        {
            content: "The other business's lead opens from its link",
            trigger: ".o_form_view .o_field_widget[name=name]:has(input, span)",
            run({ anchor }) {
                const name = anchor.querySelector("input")?.value || anchor.textContent;
                if (!name.includes("Boarding Lead")) {
                    throw new Error(`the form shows ${name}`);
                }
            },
        },
        {
            content: "Its business is shown by name",
            trigger: BUSINESS,
            run: checkBusiness,
        },
        {
            content: "Its assigned staff member too",
            trigger: ".o_form_view .o_field_widget[name=user_id]",
            run({ anchor }) {
                const shown = anchor.querySelector("input")?.value || anchor.textContent;
                if (!shown.includes("Boarding Staff")) {
                    throw new Error(`the staff member shown is "${shown}"`);
                }
            },
        },
        NO_ERROR,
    ],
});

// The same user opens the card of the other business from the dashboard.
registry.category("web_tour.tours").add("leads_management_all_businesses_card_tour", {
    steps: () => [
        {
            content: "The other business's card is on the dashboard",
            trigger: ".o_kanban_record:contains('Boarding Lead')",
            run: "click",
        },
        {
            content: "Its profile opens with its business",
            trigger: BUSINESS,
            run: checkBusiness,
        },
        NO_ERROR,
    ],
});
