import { registry } from "@web/core/registry";

// Typing a phone number in the dashboard's search and pressing Enter finds
// the lead, whatever the format typed.
registry.category("web_tour.tours").add("leads_management_phone_search_tour", {
    steps: () => [
        {
            content: "The dashboard shows both leads",
            trigger: ".o_kanban_record:contains('Other Lead')",
        },
        {
            content: "Type the phone number in another format",
            trigger: ".o_searchview_input",
            run: "edit (415) 555-0137",
        },
        {
            content: "Press Enter: the default search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "The search is applied",
            trigger: ".o_searchview_facet:contains('555-0137')",
        },
        {
            content: "The lead with that number is found, the other one filtered out",
            trigger:
                ".o_kanban_renderer:has(.o_kanban_record:contains('Phone Search Lead'))" +
                ":not(:has(.o_kanban_record:contains('Other Lead')))",
        },
    ],
});
