{
    "name": "Leads Management",
    "summary": "Capture inquiries from calls, SMS, forms and bookings as leads "
    "and work them in a colour-coded Kanban dashboard",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Leads Management",
    "maintainers": ["leads-management"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "application": True,
    "depends": [
        "base_setup",
        "contacts",
        "mail",
        "phone_validation",
        "sms",
        "utm",
    ],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/leads_management_security.xml",
        "security/ir.model.access.csv",
        "data/mail_message_subtype_data.xml",
        "data/leads_lifecycle_stage_data.xml",
        "data/leads_action_status_data.xml",
        "data/leads_channel_data.xml",
        "views/leads_lead_views.xml",
        "views/leads_lifecycle_stage_views.xml",
        "views/leads_action_status_views.xml",
        "views/leads_channel_views.xml",
        "views/leads_field_views.xml",
        "views/res_config_settings_views.xml",
        "views/leads_management_menus.xml",
    ],
    "demo": [
        "demo/leads_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "leads_management/static/src/scss/leads_kanban.scss",
        ],
        "web.assets_tests": [
            "leads_management/static/tests/tours/*.js",
        ],
    },
    "post_init_hook": "_post_init_hook",
    "installable": True,
}
