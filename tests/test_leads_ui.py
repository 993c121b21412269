from odoo.tests import HttpCase, tagged

from .common import LeadsCommon


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsDashboardTour(HttpCase, LeadsCommon):
    def test_dashboard_tour(self):
        admin = self.env.ref("base.user_admin")
        admin.write(
            {"company_ids": [(4, self.company_a.id)], "company_id": self.company_a.id}
        )
        lead = self.create_lead(
            name="Tour Lead Connected", action_status_id=self.status_connected.id
        )
        self.create_lead(name="Tour Lead Without Status", phone="+1 415 555 0111")
        self.start_tour("/odoo/leads", "leads_management_dashboard_tour", login="admin")
        self.assertEqual(lead.stage_id, self.stage_opportunity)
        self.assertEqual(lead.action_status_id, self.status_connected)


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsImportTour(HttpCase, LeadsCommon):
    def test_import_menu_and_dialog_tour(self):
        self.start_tour("/odoo/leads", "leads_management_import_tour", login="admin")
