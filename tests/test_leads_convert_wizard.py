from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .test_leads_conversion import ConversionCommon


@tagged("post_install", "-at_install")
class TestLeadsConvertWizard(ConversionCommon):
    def _wizard_form(self, leads, user):
        Wizard = (
            self.env["leads.convert.wizard"]
            .with_user(user)
            .with_context(
                active_model="leads.lead",
                active_ids=leads.ids,
                allowed_company_ids=[self.company_a.id],
            )
        )
        return Form(Wizard)

    def test_wizard_creates_client(self):
        lead = self.create_lead(name="New Person", phone="+1 415 555 0111")
        with self._wizard_form(lead, self.converter) as form:
            self.assertEqual(form.action, "create")
            self.assertFalse(form.partner_id)
        action = form.record.action_convert()
        self.assertTrue(lead.converted_date)
        self.assertEqual(lead.partner_id.name, "New Person")
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["res_id"], lead.partner_id.id)

    def test_wizard_suggests_matching_client(self):
        client = self.env["res.partner"].create(
            {
                "name": "Known Client",
                "phone": "(415) 555-0122",
                "company_id": self.company_a.id,
            }
        )
        lead = self.create_lead(phone="+14155550122")
        with self._wizard_form(lead, self.converter) as form:
            self.assertEqual(form.partner_id, client)
            self.assertEqual(form.action, "link")
        form.record.action_convert()
        self.assertEqual(lead.partner_id, client)

    def test_wizard_from_the_report_never_links_an_archived_client(self):
        """Convert from the Leads Report's list, which shows archived leads
        too: an archived client with the same phone is not suggested."""
        archived = self.env["res.partner"].create(
            {
                "name": "Former Client",
                "phone": "+1 415 555 0124",
                "company_id": self.company_a.id,
                "active": False,
            }
        )
        lead = self.create_lead(name="Back Again", phone="+1 415 555 0124")
        report = self.env.ref("leads_management.leads_lead_action_report")
        Wizard = (
            self.env["leads.convert.wizard"]
            .with_user(self.converter)
            .with_context(
                **safe_eval(report.context),
                active_model="leads.lead",
                active_ids=lead.ids,
                allowed_company_ids=[self.company_a.id],
            )
        )
        with Form(Wizard) as form:
            self.assertEqual(form.action, "create")
        form.record.action_convert()
        self.assertNotEqual(lead.partner_id, archived)
        self.assertTrue(lead.partner_id.active)

    def test_new_client_takes_no_default_of_the_caller(self):
        """``default_*`` keys of the caller's context are meant for leads: a
        client created by the conversion takes none of them."""
        staff = self.make_user("convert_ctx_staff", "view_working")
        lead = self.create_lead(name="Ctx Person", phone="+1 415 555 0125")
        client = (
            lead.with_user(self.converter)
            .with_context(
                allowed_company_ids=[self.company_a.id],
                default_user_id=staff.id,
                default_type="invoice",
                default_comment="From the caller",
            )
            .action_convert()
        )
        self.assertFalse(client.user_id)
        self.assertEqual(client.type, "contact")
        self.assertFalse(client.comment)

    def test_wizard_several_leads(self):
        leads = self.create_lead(name="A", phone="4155550131") | self.create_lead(
            name="B", phone="4155550132"
        )
        with self._wizard_form(leads, self.converter) as form:
            form.action = "create"
        action = form.record.action_convert()
        self.assertEqual(action["type"], "ir.actions.act_window_close")
        self.assertTrue(all(leads.mapped("converted_date")))
        self.assertEqual(len(leads.partner_id), 2)

    def test_wizard_link_needs_client(self):
        lead = self.create_lead()
        wizard = (
            self.env["leads.convert.wizard"]
            .with_user(self.converter)
            .create({"lead_ids": [(6, 0, lead.ids)], "action": "link"})
        )
        wizard.write({"partner_id": False, "action": "link"})
        self.assertEqual(wizard.action, "link")
        with self.assertRaisesRegex(UserError, "Choose the client"):
            wizard.action_convert()

    def test_wizard_already_converted(self):
        lead = self.create_lead()
        lead.action_convert()
        wizard = (
            self.env["leads.convert.wizard"]
            .with_user(self.converter)
            .create({"lead_ids": [(6, 0, lead.ids)], "action": "create"})
        )
        with self.assertRaisesRegex(UserError, "already been converted"):
            wizard.action_convert()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.models")
    def test_wizard_refused_without_convert_group(self):
        lead = self.create_lead()
        with self.assertRaises(AccessError):
            self.env["leads.convert.wizard"].with_user(self.viewer).create(
                {"lead_ids": [(6, 0, lead.ids)], "action": "create"}
            )
        self.assertFalse(lead.converted_date)

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_wizard_refused_on_other_business_lead(self):
        lead_b = self.create_lead(company=self.company_b)
        with self.assertRaises(AccessError):
            wizard = (
                self.env["leads.convert.wizard"]
                .with_user(self.converter)
                .create({"lead_ids": [(6, 0, lead_b.ids)], "action": "create"})
            )
            wizard.action_convert()
        self.assertFalse(lead_b.converted_date)

    def test_form_has_convert_button(self):
        arch = (
            self.env["leads.lead"]
            .with_user(self.converter)
            .get_view(view_type="form")["arch"]
        )
        action = self.env.ref("leads_management.leads_convert_wizard_action")
        self.assertIn(f'name="{action.id}"', arch)
        self.assertIn('string="Convert"', arch)
        arch = (
            self.env["leads.lead"]
            .with_user(self.viewer)
            .get_view(view_type="form")["arch"]
        )
        self.assertNotIn('string="Convert"', arch)

    def test_partner_smart_button(self):
        lead = self.create_lead()
        client = lead.action_convert()
        arch = (
            self.env["res.partner"]
            .with_user(self.converter)
            .get_view(view_type="form")["arch"]
        )
        self.assertIn("action_view_leads", arch)
        arch = (
            self.env["res.partner"]
            .with_user(self.internal_user)
            .get_view(view_type="form")["arch"]
        )
        self.assertNotIn("action_view_leads", arch)
        action = client.with_user(self.converter).action_view_leads()
        self.assertEqual(action["domain"], [("partner_id", "=", client.id)])
