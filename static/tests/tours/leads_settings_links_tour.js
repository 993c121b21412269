import { registry } from "@web/core/registry";

// Settings > Leads: the pipeline's three links start on the same line.
registry.category("web_tour.tours").add("leads_management_settings_links_tour", {
    steps: () => [
        {
            content: "The pipeline links start on the same line (their arrows aligned)",
            trigger: ".o_leads_pipeline_links button:contains('Channels')",
            run() {
                const lefts = [...document.querySelectorAll(".o_leads_pipeline_links button .oi")].map(
                    (icon) => Math.round(icon.getBoundingClientRect().left)
                );
                if (lefts.length !== 3 || new Set(lefts).size !== 1) {
                    throw new Error(`The pipeline links are not aligned: ${lefts}`);
                }
            },
        },
    ],
});
