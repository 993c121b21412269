import { registry } from "@web/core/registry";

// W13: a lead captured from an anonymous webhook with markup in its name and
// message. Everything renders as text: no element is injected, no handler runs.
const MARKER = "Hostile";

function assertInert() {
    if (window.leadsXss) {
        throw new Error("a handler from the payload ran");
    }
    if (document.querySelector("img[src='x'], script[data-leads-xss], b.leads-xss")) {
        throw new Error("the payload's markup became DOM elements");
    }
}

registry.category("web_tour.tours").add("leads_management_escaping_tour", {
    steps: () => [
        {
            content: "The card shows the markup as text",
            trigger: `.o_kanban_record:contains('${MARKER}')`,
            run({ anchor }) {
                if (!anchor.textContent.includes("<img src=x onerror=")) {
                    throw new Error(`card text is ${anchor.textContent}`);
                }
                assertInert();
                anchor.querySelector(".o_leads_card").click();
            },
        },
        {
            content: "The form shows the name as text",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run({ anchor }) {
                if (!anchor.value.includes("<img src=x onerror=")) {
                    throw new Error(`name is ${anchor.value}`);
                }
                assertInert();
            },
        },
        {
            content: "The history shows the SMS text as text",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('<b class=leads-xss>')",
            run() {
                assertInert();
            },
        },
    ],
});
