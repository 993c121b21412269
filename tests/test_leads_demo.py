from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestLeadsDemo(TransactionCase):
    """The demo data tells a consistent story (skipped without demo data)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.front_desk = cls.env.ref(
            "leads_management.res_users_front_desk_demo", raise_if_not_found=False
        )

    def setUp(self):
        super().setUp()
        if not self.front_desk:
            self.skipTest("installed without demo data")

    def test_demo_leads_spread_over_two_businesses(self):
        leads = self.env["leads.lead"].search([("id", "in", self._demo_lead_ids())])
        self.assertGreaterEqual(len(leads), 40)
        self.assertEqual(len(leads.company_id), 2)
        self.assertGreaterEqual(len(leads.stage_id), 3)
        self.assertGreaterEqual(len(leads.channel_id), 6)
        self.assertTrue(leads.filtered(lambda lead: not lead.action_status_id))
        self.assertEqual(len(leads.action_status_id), 3)

    def test_demo_roles(self):
        groomer = self.env.ref("leads_management.res_users_groomer_demo")
        manager = self.env.ref("leads_management.res_users_manager_demo")
        Lead = self.env["leads.lead"]
        other = self.env.ref("leads_management.res_company_happy_tails_demo")
        self.assertFalse(
            Lead.with_user(self.front_desk).search([("company_id", "=", other.id)])
        )
        self.assertTrue(Lead.with_user(manager).search([("company_id", "=", other.id)]))
        with self.assertRaises(AccessError):
            Lead.with_user(groomer).search([])

    def test_demo_visitor_added_by_front_desk(self):
        """The demo's visitors can be added by hand from Calling Activity."""
        visitor = self.env.ref("leads_management.leads_inbound_event_visitor_sms_demo")
        front_desk = self.front_desk.with_company(visitor.company_id)
        self.assertTrue(visitor.with_user(front_desk).can_add_manually)
        action = (
            visitor.with_user(front_desk)
            .with_company(visitor.company_id)
            .action_create_lead()
        )
        lead = self.env["leads.lead"].browse(action["res_id"])
        self.assertEqual(lead.name, "Noah Patel")
        self.assertEqual(lead.channel_id.code, "sms")
        self.assertIn("Saturday", lead.message_ids[:1].body)

    def _demo_lead_ids(self):
        return (
            self.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "leads_management"),
                    ("model", "=", "leads.lead"),
                    ("name", "=like", "leads_lead_%_demo"),
                ]
            )
            .mapped("res_id")
        )
