"""Who may import leads, into which business."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_import import HEADER, ImportCommon


@tagged("post_install", "-at_install")
class TestLeadsImportAccess(ImportCommon):
    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_access_import_and_view_working_needed(self):
        content = HEADER + "Zoe,+1 415 555 0101,\n"
        wizard = self._wizard(content, user=self.import_only)
        with self.assertRaises(AccessError):
            wizard.action_import()
        with self.assertRaises(AccessError):
            wizard.action_preview()
        with self.assertRaises(AccessError):
            wizard.action_load()
        # View working without the import permission: no wizard at all.
        with self.assertRaises(AccessError):
            self._wizard(content, user=self.viewer)
        self.assertFalse(self._leads())

    def test_access_company_not_allowed(self):
        wizard = self._wizard(HEADER + "Zoe,+1 415 555 0101,\n")
        wizard.company_id = self.company_b
        with self.assertRaises(AccessError):
            wizard.action_import()
        self.assertFalse(self._leads(self.company_b))

    def test_update_policy_needs_edit_permission(self):
        wizard = self._wizard(
            HEADER + "Zoe,+1 415 555 0101,\n", duplicate_policy="update"
        )
        with self.assertRaises(AccessError):
            wizard.action_import()

    def test_menu_needs_import_and_view_working(self):
        menu = self.env.ref("leads_management.leads_import_wizard_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.importer)._visible_menu_ids())
        for user in (self.import_only, self.viewer, self.internal_user):
            with self.subTest(user=user.login):
                self.assertNotIn(menu.id, Menu.with_user(user)._visible_menu_ids())

    def test_disabled_company_refused_before_writing(self):
        wizard = self._wizard(
            HEADER + "Zoe,+1 415 555 0101,\n", company=self.company_off
        )
        with self.assertRaisesRegex(UserError, "turned off"):
            wizard.action_import()
        self.assertFalse(self._leads(self.company_off))
        self.assertFalse(self.env["leads.import.job"].search([]))
