"""Fields and records of leads, events and custom fields through the ORM
paths RPC uses (contract section 4): what is refused to a user whose
permissions do not cover the field, the operation or the business.

What each scope reaches is proven in test_leads_scope_access.py, the groups
one by one in the other test_leads_access_*.py modules.
"""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_security import VIEW, LeadsSecurityCommon


@tagged("post_install", "-at_install", "security")
class TestContactDetailsHidden(LeadsSecurityCommon):
    """Without View Contact Details, no path reveals a phone or an email."""

    def test_call_refused_without_contact_details(self):
        self.company_a.leads_calling_enabled = True
        user = self.make_user("rec_caller", "view_working,call")
        lead = self.as_user(user).browse(self.lead_a.id)
        with self.assertRaisesRegex(AccessError, "see lead phone numbers"):
            lead.action_call()

    def test_event_contact_and_payload_hidden_from_settings_managers(self):
        event = (
            self.env["leads.inbound.event"]
            .sudo()
            .create(
                {
                    "external_id": "evt_rec_1",
                    "event_type": "call.inbound",
                    "company_id": self.company_a.id,
                    "received_date": "2026-01-01 00:00:00",
                    "contact_phone": "+14155550100",
                    "contact_email": "a@example.com",
                    "payload": '{"contact": {"phone": "+14155550100"}}',
                    "lead_id": self.lead_a.id,
                }
            )
        )
        user = self.make_user("rec_settings", "settings")
        with self.assertRaises(AccessError):
            event.with_user(user).read(["contact_phone", "payload"])

    def test_grouping_and_aggregating_by_phone_refused(self):
        Lead = self.as_user(self.make_user("rec_group", "view_working"))
        with self.assertRaises(AccessError):
            Lead.formatted_read_group([], ["phone"], ["__count"])
        with self.assertRaises(AccessError):
            Lead.formatted_read_group([], ["stage_id"], ["phone:array_agg"])

    def test_ordering_by_phone_refused(self):
        Lead = self.as_user(self.make_user("rec_order", "view_working"))
        with self.assertRaises(AccessError):
            Lead.search([], order="phone")

    def test_clients_not_searchable_by_lead_phone(self):
        partner = self.env["res.partner"].create({"name": "Client X"})
        self.lead_a.sudo().partner_id = partner
        user = self.make_user("rec_psearch", "view_working")
        Partner = (
            self.env["res.partner"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
        )
        with self.assertRaisesRegex(AccessError, '"phone"'):
            Partner.search([("lead_ids.phone", "=", "+1 415 555 0100")])


@tagged("post_install", "-at_install", "security")
class TestLeadOperations(LeadsSecurityCommon):
    def test_copy_needs_add(self):
        user = self.make_user("rec_copy", VIEW + ",edit_info")
        with self.assertRaises(AccessError):
            self.as_user(user).browse(self.lead_a.id).copy()

    def test_company_outside_the_switcher_refused(self):
        user = self.make_user("rec_mc", VIEW, companies=self.company_a)
        with self.assertRaises(AccessError):
            self.env["leads.lead"].with_user(user).with_context(
                allowed_company_ids=[self.company_b.id]
            ).browse(self.lead_b.id).read(["name"])

    def test_edit_info_cannot_write_a_conversion(self):
        client = self.env["res.partner"].create({"name": "Any client"})
        user = self.make_user("rec_noconvert", VIEW + ",edit_info")
        lead = self.as_user(user).browse(self.lead_a.id)
        with self.assertRaises(AccessError):
            lead.write(
                {
                    "partner_id": client.id,
                    "converted_date": "2026-01-01 00:00:00",
                    "conversion_trigger": "booking",
                    "stage_id": self.stage_converted.id,
                }
            )
        self.assertFalse(self.lead_a.converted_date)

    def test_edit_info_cannot_move_a_lead_to_a_business_outside_its_scope(self):
        user = self.make_user(
            "rec_mover", VIEW + ",edit_info", companies=self.company_a
        )
        lead = self.as_user(user).browse(self.lead_a.id)
        with self.assertRaisesRegex(AccessError, "businesses you work at"):
            lead.write({"company_id": self.company_c.id})
        self.assertEqual(self.lead_a.company_id, self.company_a)

    def test_add_cannot_create_a_converted_lead(self):
        client = self.env["res.partner"].create({"name": "Any client 2"})
        user = self.make_user("rec_adder_conv", VIEW + ",add")
        with self.assertRaisesRegex(AccessError, "through Convert only"):
            self.as_user(user).create(
                {
                    "name": "Fake",
                    "phone": "4155550166",
                    "partner_id": client.id,
                    "converted_date": "2026-01-01 00:00:00",
                    "stage_id": self.stage_converted.id,
                }
            )

    def test_add_drops_conversion_defaults_of_the_context(self):
        """A kanban quick create in a column of a grouping by client sends
        ``default_partner_id``: the lead is created, not converted."""
        client = self.env["res.partner"].create({"name": "Any client 3"})
        user = self.make_user("rec_adder_ctx", VIEW + ",add")
        lead = (
            self.as_user(user)
            .with_context(
                default_partner_id=client.id,
                default_conversion_trigger="booking",
                default_converted_date="2026-01-01 00:00:00",
            )
            .create({"name": "Quick", "phone": "4155550167"})
            .sudo()
        )
        self.assertFalse(lead.partner_id or lead.conversion_trigger)
        self.assertFalse(lead.converted_date)
        self.assertFalse(lead.stage_id.is_converted)


@tagged("post_install", "-at_install", "security")
class TestCustomFieldTechnicalField(LeadsSecurityCommon):
    """A custom field's technical field is its own: it cannot be pointed at
    another model's field, and deleting the custom field deletes only it."""

    def setUp(self):
        super().setUp()
        # Manual fields leave the registry before the test's rollback.
        self.addCleanup(self._reset_registry)

    def _reset_registry(self):
        self.registry.registry_invalidated = True
        self.registry.reset_changes()
        self.registry.clear_all_caches()

    def test_technical_field_cannot_be_repointed(self):
        partner_name = self.env["ir.model.fields"]._get("res.partner", "name")
        editor = self.make_user("rec_fedit", "fields_edit")
        custom = (
            self.env["leads.field"]
            .with_user(editor)
            .create({"name": "Pet name", "field_type": "char"})
        )
        self.addCleanup(lambda: custom.sudo().exists().unlink())
        own = custom.sudo().field_id
        with self.assertRaisesRegex(UserError, "cannot change"):
            custom.write({"field_id": partner_name.id})
        self.assertEqual(custom.sudo().field_id, own)

    def test_deleting_a_custom_field_deletes_its_own_technical_field(self):
        foreign = self.env["ir.model.fields"].create(
            {
                "name": "x_partner_secret",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "ttype": "char",
                "field_description": "Partner secret",
            }
        )
        self.addCleanup(lambda: foreign.exists().unlink())
        deleter = self.make_user("rec_fdel", "fields_delete")
        custom = (
            self.env["leads.field"]
            .with_user(deleter)
            .create({"name": "Tmp field", "field_type": "char"})
        )
        own = custom.sudo().field_id
        self.addCleanup(lambda: custom.sudo().exists().unlink())
        with self.assertRaises(UserError):
            custom.write({"field_id": foreign.id})
        custom.unlink()
        self.assertFalse(own.exists())
        self.assertTrue(foreign.exists())
