import { registry } from "@web/core/registry";

const CARD = ".o_kanban_record:contains('Drop Me On Converted')";
const CONVERTED = ".o_leads_kanban .o_kanban_group:has(.o_column_title:contains('Converted'))";
const WIZARD = ".modal .o_form_view:has(.o_field_widget[name=lead_ids]:contains('Drop Me On Converted'))";

// Dropping a card on Converted opens Convert to Client: cancelled, the card
// stays in its column; confirmed, the lead is converted and its client opens.
registry.category("web_tour.tours").add("leads_management_kanban_convert_tour", {
    steps: () => [
        {
            content: "Drop the lead's card on the Converted column",
            trigger: `.o_leads_kanban .o_kanban_group:not(:has(.o_column_title:contains('Converted'))) ${CARD}`,
            run: `drag_and_drop (${CONVERTED})`,
        },
        {
            content: "The Convert wizard opens for that lead",
            trigger: WIZARD,
        },
        {
            content: "Cancel it",
            trigger: ".modal footer button:contains('Cancel')",
            run: "click",
        },
        {
            content: "The card is back in its own column, no error shown",
            trigger: `body:not(:has(.modal)) .o_leads_kanban .o_kanban_group:not(:has(.o_column_title:contains('Converted'))) ${CARD}`,
        },
        {
            content: "Drop it on Converted again",
            trigger: `.o_leads_kanban .o_kanban_group:not(:has(.o_column_title:contains('Converted'))) ${CARD}`,
            run: `drag_and_drop (${CONVERTED})`,
        },
        {
            content: "Convert it",
            trigger: ".modal footer button[name=action_convert]",
            run: "click",
        },
        {
            content: "The new client opens, as after Convert on the lead's form",
            trigger: "body:not(:has(.modal)) .o-mail-Chatter .o-mail-Message:contains('Converted from the lead')",
        },
    ],
});
