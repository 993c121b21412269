from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, tagged

from odoo.addons.leads_management.hooks import _post_init_hook

from .common import LeadsCommon


@tagged("post_install", "-at_install")
class TestLeadsSettings(LeadsCommon):
    def test_company_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh Salon"})
        self.assertTrue(company.leads_management_enabled)
        self.assertTrue(company.leads_auto_create_client)
        self.assertFalse(company.leads_calling_enabled)
        self.assertGreaterEqual(len(company.leads_webhook_secret), 43)  # 32 bytes

    def test_settings_page_writes_company(self):
        admin = self.env.ref("base.user_admin")
        env = self.env(user=admin, context={"allowed_company_ids": [self.company_a.id]})
        admin.company_ids |= self.company_a
        with Form(env["res.config.settings"]) as form:
            self.assertTrue(form.leads_management_enabled)
            form.leads_management_enabled = False
            form.leads_auto_create_client = False
            form.leads_calling_enabled = True
        form.record.execute()
        self.assertFalse(self.company_a.leads_management_enabled)
        self.assertFalse(self.company_a.leads_auto_create_client)
        self.assertTrue(self.company_a.leads_calling_enabled)
        self.assertTrue(
            self.company_b.leads_management_enabled, "only the current company"
        )

    def test_every_company_has_its_own_secret(self):
        companies = self.env["res.company"].search([])
        companies.sudo().write({"leads_webhook_secret": "shared"})
        _post_init_hook(self.env)
        secrets = companies.sudo().mapped("leads_webhook_secret")
        self.assertEqual(len(set(secrets)), len(companies))
        self.assertTrue(all(len(s) >= 43 for s in secrets))

    def test_secret_regeneration(self):
        company = self.company_a.with_user(self.manager)
        before = company.leads_webhook_secret
        company.action_regenerate_leads_webhook_secret()
        self.assertNotEqual(company.leads_webhook_secret, before)

    def test_secret_hidden_from_other_users(self):
        company = self.company_a.with_user(self.internal_user)
        with self.assertRaises(AccessError):
            company.read(["leads_webhook_secret"])
        with self.assertRaises(AccessError):
            company.action_regenerate_leads_webhook_secret()
        self.assertNotIn(
            "leads_webhook_secret", company.fields_get(attributes=["type"])
        )


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsSettingsPage(HttpCase, LeadsCommon):
    """The Leads settings page of a Lead Settings manager who is not an
    administrator behaves like Odoo's Settings page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.settings_user = cls.make_user("leads_settings_user", "settings")
        cls.settings_user.password = cls.settings_user.login

    def test_saving_the_form_applies_the_settings(self):
        env = self.env(
            user=self.settings_user,
            context={"allowed_company_ids": [self.company_a.id]},
        )
        form = Form(env["leads.settings"])
        form.leads_calling_enabled = True
        form.leads_call_forward_number = "+14155550199"
        settings = form.save()
        self.assertTrue(self.company_a.leads_calling_enabled)
        self.assertEqual(self.company_a.leads_call_forward_number, "+14155550199")
        self.assertEqual(settings.display_name, "Leads Settings")
        settings.leads_calling_enabled = False
        self.assertFalse(self.company_a.leads_calling_enabled)

    def test_save_icon_applies_the_settings(self):
        self.start_tour(
            "/odoo/action-leads_management.leads_settings_action",
            "leads_management_settings_save_tour",
            login="leads_settings_user",
        )
        self.assertTrue(self.company_a.leads_calling_enabled)

    def test_pipeline_links_are_aligned(self):
        self.start_tour(
            "/odoo/settings#leads_management",
            "leads_management_settings_links_tour",
            login="admin",
        )
