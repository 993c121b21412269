from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import LeadsCommon


@tagged("post_install", "-at_install")
class TestLeadsBasicAccess(LeadsCommon):
    """Foundation access: internal users read, lead managers do everything."""

    def test_internal_user_reads_only(self):
        lead = self.create_lead()
        as_user = lead.with_user(self.internal_user)
        self.assertEqual(as_user.name, "Jane Doe")
        with self.assertRaises(AccessError):
            as_user.write({"name": "Changed"})
        with self.assertRaises(AccessError):
            self.env["leads.lead"].with_user(self.internal_user).create(
                {"name": "New", "phone": "4155550100"}
            )
        with self.assertRaises(AccessError):
            as_user.unlink()
        with self.assertRaises(AccessError):
            self.stage_lead.with_user(self.internal_user).name = "Renamed"
        with self.assertRaises(AccessError):
            self.status_connected.with_user(self.internal_user).color = "#000000"
        with self.assertRaises(AccessError):
            self.channel_call.with_user(self.internal_user).name = "Phone"

    def test_manager_does_everything(self):
        Lead = self.env["leads.lead"].with_user(self.manager)
        lead = Lead.create({"name": "New", "phone": "4155550100"})
        lead.write({"stage_id": self.stage_opportunity.id})
        lead.unlink()
        stage = (
            self.env["leads.lifecycle.stage"]
            .with_user(self.manager)
            .create({"name": "Follow-up"})
        )
        stage.unlink()

    def test_leads_of_other_companies_are_invisible(self):
        lead_b = self.create_lead(company=self.company_b)
        self.assertFalse(
            self.env["leads.lead"]
            .with_user(self.internal_user)
            .search([("id", "=", lead_b.id)])
        )
        with self.assertRaises(AccessError):
            lead_b.with_user(self.internal_user).read(["name"])

    def test_portal_and_public_have_no_access(self):
        lead = self.create_lead()
        portal = self.env["res.users"].create(
            {
                "name": "Portal",
                "login": "leads_portal",
                "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        public = self.env.ref("base.public_user")
        for user in (portal, public):
            for model in (
                "leads.lead",
                "leads.lifecycle.stage",
                "leads.action.status",
                "leads.channel",
            ):
                with self.subTest(user=user.login, model=model):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).search([])
            with self.assertRaises(AccessError):
                lead.with_user(user).read(["name"])
