import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { formView } from "@web/views/form/form_view";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { listView } from "@web/views/list/list_view";

/**
 * New, the column "+" and quick create are offered only in a business that
 * takes new leads (Leads Management on): the views are the same for every
 * business, the session says which ones take leads (ir_http.py). The server
 * refuses the others anyway.
 */
function withoutCreateWhereOff(view) {
    return {
        ...view,
        props(genericProps, viewDef) {
            const props = view.props(genericProps, viewDef);
            if (user.activeCompany?.leads_management_enabled === false) {
                const activeActions = {
                    ...props.archInfo.activeActions,
                    create: false,
                    quickCreate: false,
                };
                props.archInfo = { ...props.archInfo, activeActions };
            }
            return props;
        },
    };
}

/**
 * Dropping a card on a converted stage opens the Convert wizard instead of
 * moving it: a lead becomes converted only with its client (the server refuses
 * the bare stage change). The card stays where it was unless the wizard
 * converts it.
 */
export class LeadsKanbanRenderer extends KanbanRenderer {
    async sortRecordDrop(dataRecordId, dataGroupId, params) {
        const { element, parent } = params;
        const list = this.props.list;
        const target = list.isGrouped && list.groups.find((g) => g.id === parent?.dataset.id);
        const record = list.records.find((r) => r.id === dataRecordId);
        if (
            target &&
            record &&
            list.groupByField.name === "stage_id" &&
            parent.dataset.id !== element.parentElement?.dataset.id &&
            (await this.isConvertedStage(target.value))
        ) {
            parent.classList.remove("o_kanban_hover");
            // Back to its column before anything else renders.
            await list.model.load();
            await this.env.services.action.doAction(
                "leads_management.leads_convert_wizard_action",
                {
                    additionalContext: {
                        active_model: "leads.lead",
                        active_id: record.resId,
                        active_ids: [record.resId],
                    },
                    onClose: () => list.model.load(),
                }
            );
            return;
        }
        return super.sortRecordDrop(...arguments);
    }

    async isConvertedStage(stageId) {
        if (!stageId) {
            return false;
        }
        if (!this.convertedStages) {
            this.convertedStages = new Set(
                await this.env.services.orm.search("leads.lifecycle.stage", [
                    ["is_converted", "=", true],
                ])
            );
        }
        return this.convertedStages.has(stageId);
    }
}

export const leadsKanbanView = withoutCreateWhereOff({
    ...kanbanView,
    Renderer: LeadsKanbanRenderer,
});

registry.category("views").add("leads_kanban", leadsKanbanView);
registry.category("views").add("leads_list", withoutCreateWhereOff(listView));
registry.category("views").add("leads_form", withoutCreateWhereOff(formView));
