import { registry } from "@web/core/registry";

/**
 * The lead's Call button: the server logged the call and gives the number; the
 * device's dialer opens on a tel: link, without leaving the page (an URL action
 * would be taken for a path of the web client).
 */
function dialLead(env, action) {
    const link = document.createElement("a");
    link.href = `tel:${action.params.number}`;
    link.className = "d-none o_leads_dial_link";
    document.body.append(link);
    link.click();
    link.remove();
}

registry.category("actions").add("leads_management.dial", dialLead);
