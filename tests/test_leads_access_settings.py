"""The settings, the report and the menus, with their groups."""

from odoo.exceptions import AccessError
from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from .common_security import VIEW, LeadsSecurityCommon


class TestSettingsAndReports(LeadsSecurityCommon):
    def test_settings_managers_are_not_administrators(self):
        user = self.make_user("settings", "settings")
        self.assertFalse(user._is_admin())
        settings = Form(self.env["leads.settings"].with_user(user))
        settings.leads_calling_enabled = True
        settings.leads_management_enabled = False
        settings.save().action_save()
        self.assertTrue(self.company_a.leads_calling_enabled)
        self.assertFalse(self.company_a.leads_management_enabled)
        stage = (
            self.env["leads.lifecycle.stage"].with_user(user).create({"name": "New"})
        )
        self.env["leads.action.status"].with_user(user).create(
            {"name": "Booked", "color": "#FFCC80"}
        )
        self.env["leads.channel"].with_user(user).create(
            {"name": "Flyer", "code": "flyer"}
        )
        stage.unlink()
        secret = self.company_a.with_user(user).leads_webhook_secret
        self.assertTrue(secret)

    def test_others_cannot_manage_settings(self):
        user = self.make_user("manager_like", VIEW + ",edit_info,add,delete")
        with self.assertRaises(AccessError):
            self.env["leads.settings"].with_user(user).create({})
        with self.assertRaises(AccessError):
            self.env["leads.lifecycle.stage"].with_user(user).create({"name": "New"})
        with self.assertRaises(AccessError):
            self.status_connected.with_user(user).write({"color": "#000000"})
        with self.assertRaises(AccessError):
            self.channel_call.with_user(user).write({"name": "Phone"})
        with self.assertRaises(AccessError):
            self.company_a.with_user(user).read(["leads_webhook_secret"])

    def test_settings_only_for_own_business(self):
        user = self.make_user("settings_a", "settings", companies=self.company_a)
        with self.assertRaisesRegex(AccessError, "your own businesses"):
            self.env["leads.settings"].with_user(user).create(
                {"company_id": self.company_b.id, "leads_calling_enabled": True}
            )
        self.assertFalse(self.company_b.leads_calling_enabled)

    def test_report_menu_and_action(self):
        Menu = self.env["ir.ui.menu"]
        root = self.env.ref("leads_management.leads_menu_root")
        report_menu = self.env.ref("leads_management.leads_menu_insights")
        reporter = self.make_user("reporter", "view_working,report_view")
        viewer = self.make_user("plain_viewer", "view_working")
        self.assertIn(report_menu.id, Menu.with_user(reporter)._visible_menu_ids())
        self.assertNotIn(report_menu.id, Menu.with_user(viewer)._visible_menu_ids())
        # The report needs View at Working Businesses (setup guide): with the
        # individual scope there is neither a Leads menu nor a report to open.
        individual = self.make_user(
            "individual_reporter", "view_individual,view_contact,report_view"
        )
        visible = Menu.with_user(individual)._visible_menu_ids()
        self.assertNotIn(report_menu.id, visible)
        self.assertNotIn(root.id, visible)
        with self.assertRaises(AccessError):
            self.as_user(individual).formatted_read_group([], ["stage_id"], ["__count"])
        # Archived leads count in the report, and only there.
        archived = self.lead_a.copy({"name": "Archived Lead"})
        archived.action_archive()
        report = self.env.ref("leads_management.leads_lead_action_report")
        Report = (
            self.env[report.res_model]
            .with_user(reporter)
            .with_context(**safe_eval(report.context))
        )
        self.assertIn(archived, Report.search([]).lead_id)
        self.assertNotIn(archived, self.as_user(reporter).search([]))

    def test_menus_follow_scope(self):
        Menu = self.env["ir.ui.menu"]
        root = self.env.ref("leads_management.leads_menu_root")
        dashboard = self.env.ref("leads_management.leads_lead_menu")
        individual = self.make_user("menu_individual", "view_individual,view_contact")
        working = self.make_user("menu_working", "view_working")
        self.assertNotIn(root.id, Menu.with_user(individual)._visible_menu_ids())
        self.assertIn(dashboard.id, Menu.with_user(working)._visible_menu_ids())
