import { Thread } from "@mail/core/common/thread_model";
import { patch } from "@web/core/utils/patch";

/**
 * What the current user may do in a document's chatter, when the document
 * says so (leads do, see leads.lead._thread_to_store). Left undefined, the
 * chatter offers its buttons as usual.
 */
patch(Thread.prototype, {
    setup() {
        super.setup(...arguments);
        /** @type {boolean|undefined} "Send message" */
        this.canSendMessage = undefined;
        /** @type {boolean|undefined} "Log note" */
        this.canLogNote = undefined;
        /** @type {boolean|undefined} "Activity" */
        this.canScheduleActivity = undefined;
    },
});
