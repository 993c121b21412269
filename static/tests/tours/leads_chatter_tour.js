import { registry } from "@web/core/registry";

// Run by a user who may log notes and plan tasks but not send emails.
registry.category("web_tour.tours").add("leads_management_chatter_notes_tour", {
    steps: () => [
        {
            content: "The lead's chatter is loaded",
            trigger: ".o-mail-Chatter-topbar .o-mail-Chatter-logNote",
        },
        {
            content: "No Send message without Send Emails to Leads",
            trigger: ".o-mail-Chatter-topbar:not(:has(.o-mail-Chatter-sendMessage))",
        },
        {
            content: "Activity is offered with Edit Tasks and Notes",
            trigger: ".o-mail-Chatter-topbar .o-mail-Chatter-activity",
        },
        {
            content: "Log note",
            trigger: ".o-mail-Chatter-logNote",
            run: "click",
        },
        {
            content: "Write the note",
            trigger: ".o-mail-Composer-input",
            run: "edit Prefers calls after 5 pm",
        },
        {
            content: "Post it",
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The note is in the history",
            trigger: ".o-mail-Message-body:contains('Prefers calls after 5 pm')",
        },
    ],
});

// Run by a user who reads the history and tasks but may change neither.
registry.category("web_tour.tours").add("leads_management_chatter_readonly_tour", {
    steps: () => [
        {
            content: "The lead's chatter is loaded with its history",
            trigger: ".o-mail-Message-body:contains('Prefers mornings')",
        },
        {
            content: "No Send message, Log note nor Activity button",
            trigger:
                ".o-mail-Chatter-topbar:not(:has(.o-mail-Chatter-sendMessage, .o-mail-Chatter-logNote, .o-mail-Chatter-activity))",
        },
    ],
});
