import { registry } from "@web/core/registry";

// Call on a lead: the dialer's tel: link is followed (caught here, as a
// browser would hand it to the phone app) and the page stays on the lead.
registry.category("web_tour.tours").add("leads_management_call_tour", {
    steps: () => [
        {
            content: "The lead shows with its Call button",
            trigger: ".o_form_view .o_form_statusbar button[name=action_call]",
            run({ anchor }) {
                document.addEventListener(
                    "click",
                    (ev) => {
                        const link = ev.target.closest("a[href^='tel:']");
                        if (link) {
                            ev.preventDefault();
                            document.body.dataset.leadsDialed = link.getAttribute("href");
                        }
                    },
                    { capture: true }
                );
                anchor.click();
            },
        },
        {
            content: "The dialer got the lead's number",
            trigger: "body[data-leads-dialed='tel:+14155550193']",
        },
        {
            content: "The page is still the lead's, its history showing the call",
            trigger: ".o_form_view .o-mail-Chatter .o-mail-Message:contains('called the lead')",
        },
    ],
});
