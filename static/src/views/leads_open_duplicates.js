import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const FIELDS = { lead: "duplicate_lead_ids", client: "duplicate_partner_ids" };

/**
 * "Open it" of the duplicate warning: opens the matches in a dialog without
 * saving the lead being typed (a button of the form would save it first,
 * creating the very duplicate the warning is about).
 */
export class LeadsOpenDuplicates extends Component {
    static template = "leads_management.OpenDuplicates";
    static props = { ...standardWidgetProps, kind: String, string: String };

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
    }

    async open() {
        const ids = this.props.record.data[FIELDS[this.props.kind]].currentIds;
        const action = await this.orm.call("leads.lead", "leads_duplicates_action", [
            this.props.kind,
            ids,
        ]);
        await this.action.doAction(action);
    }
}

registry.category("view_widgets").add("leads_open_duplicates", {
    component: LeadsOpenDuplicates,
    extractProps: ({ attrs }) => ({ kind: attrs.kind, string: attrs.string }),
});
