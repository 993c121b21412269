"""Editing, adding, deleting and converting leads, each with its group; the
manager does everything."""

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from .common_security import VIEW, LeadsSecurityCommon


class TestEditAddDelete(LeadsSecurityCommon):
    def test_read_only_without_edit_groups(self):
        user = self.make_user("viewer", VIEW)
        lead = self.as_user(user).browse(self.lead_a.id)
        for vals in (
            {"name": "X"},
            {"stage_id": self.stage_opportunity.id},
            {"action_status_id": self.status_connected.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                lead.write(vals)
        arch = self.as_user(user).get_view(view_type="form")["arch"]
        self.assertIn('edit="False"', arch)
        self.assertIn('create="0"', arch)

    def test_edit_info_covers_details_stage_status(self):
        user = self.make_user("editor", VIEW + ",edit_info")
        lead = self.as_user(user).browse(self.lead_a.id)
        lead.write(
            {
                "name": "Renamed",
                "phone": "+1 415 555 0111",
                "stage_id": self.stage_opportunity.id,
                "action_status_id": self.status_connected.id,
            }
        )
        self.assertEqual(self.lead_a.stage_id, self.stage_opportunity)
        # ...but not tasks and notes.
        with self.assertRaises(AccessError):
            lead.activity_schedule("mail.mail_activity_data_todo", summary="Nope")
        with self.assertRaises(AccessError):
            lead.message_post(body="note", subtype_xmlid="mail.mt_note")
        with self.assertRaises(AccessError):
            self.activity_a.with_user(user).unlink()

    def test_edit_tasks_covers_activities_notes_reminders(self):
        user = self.make_user("tasker", VIEW + ",edit_tasks")
        lead = self.as_user(user).browse(self.lead_a.id)
        activity = lead.activity_schedule(
            "mail.mail_activity_data_todo", summary="Remind"
        )
        activity.write({"summary": "Reminder changed"})
        note = lead.message_post(body="Called", subtype_xmlid="mail.mt_note")
        self.assertTrue(note.is_internal or note.subtype_id.internal)
        activity.unlink()
        self.activity_a.with_user(user).action_feedback(feedback="Done")
        self.assertFalse(self.activity_a.active, "marked done")
        self.assertTrue(self.activity_a.date_done)
        # Tasks do not open the lead's details.
        with self.assertRaises(AccessError):
            lead.write({"name": "X"})

    def test_add_needs_working_scope_and_enabled_business(self):
        user = self.make_user("adder", VIEW + ",add")
        lead = self.as_user(user).create({"name": "Walk-in", "phone": "4155550155"})
        self.assertEqual(lead.company_id, self.company_a)
        viewer = self.make_user("notadder", VIEW)
        with self.assertRaises(AccessError):
            self.as_user(viewer).create({"name": "Walk-in", "phone": "4155550155"})
        arch = self.as_user(user).get_view(view_type="kanban")["arch"]
        self.assertNotIn('create="0"', arch)
        off = self.make_user("adder_off", VIEW + ",add", companies=self.company_off)
        with self.assertRaisesRegex(UserError, "turned off"):
            self.as_user(off).create({"name": "Walk-in", "phone": "4155550155"})

    def test_add_includes_contact_it_is_created_with(self):
        """Adding a lead means typing its phone or email: Add brings Lead Email
        and Phone, so an adder without it is never stuck on the form."""
        user = self.make_user("adder_no_contact", "view_working,add")
        self.assertTrue(user.has_group("leads_management.group_lead_view_contact"))
        with Form(self.as_user(user)) as form:
            form.name = "Walk-in"
            form.phone = "+1 415 555 0156"
        self.assertEqual(form.record.phone_sanitized, "+14155550156")

    def test_generic_import_refused_wizard_only(self):
        """Odoo's generic import (load) would skip the import permission and the
        wizard's checks: refused for everyone, importers and managers included."""
        for login, groups in (
            ("loader_adder", VIEW + ",add"),
            ("loader_importer", VIEW + ",add,import"),
            ("loader_manager", "manager"),
        ):
            with self.subTest(login):
                user = self.make_user(login, groups)
                with self.assertRaisesRegex(UserError, "Import Leads"):
                    self.as_user(user).load(
                        ["name", "phone"], [["Loaded", "+1 415 555 0157"]]
                    )
                for view_type in ("list", "kanban"):
                    arch = self.as_user(user).get_view(view_type=view_type)["arch"]
                    self.assertIn('import="0"', arch)
        self.assertFalse(self.env["leads.lead"].search([("name", "=", "Loaded")]))

    def test_delete_removes_lead_and_activities(self):
        user = self.make_user("deleter", VIEW + ",delete")
        lead = self.as_user(user).browse(self.lead_a.id)
        activity_ids = self.lead_a.activity_ids.ids
        self.assertTrue(activity_ids)
        lead.unlink()
        self.assertFalse(self.lead_a.exists())
        self.assertFalse(self.env["mail.activity"].browse(activity_ids).exists())
        self.assertFalse(
            self.env["mail.message"].search(
                [("model", "=", "leads.lead"), ("res_id", "=", self.lead_a.id)]
            )
        )
        viewer = self.make_user("notdeleter", VIEW)
        with self.assertRaises(AccessError):
            self.as_user(viewer).browse(self.lead_b.id).unlink()


class TestManager(LeadsSecurityCommon):
    def test_manager_does_everything_everywhere(self):
        user = self.make_user("boss", "manager", companies=self.company_a)
        Lead = self.as_user(user)
        mine = self.lead_a | self.lead_b | self.lead_c
        self.assertEqual(Lead.search([("id", "in", mine.ids)]), mine)
        lead = Lead.create({"name": "New", "phone": "4155550123"})
        lead.write(
            {
                "stage_id": self.stage_opportunity.id,
                "action_status_id": self.status_connected.id,
            }
        )
        lead.activity_schedule("mail.mail_activity_data_todo")
        lead.message_post(body="note", subtype_xmlid="mail.mt_note")
        lead._message_sms("hello")
        self.assertTrue(lead.read(["phone", "activity_ids", "message_ids"]))
        Lead.browse(self.lead_b.id).unlink()
        self.assertFalse(self.lead_b.exists())
        self.env["leads.lifecycle.stage"].with_user(user).create(
            {"name": "Won"}
        ).unlink()


class TestConvertWizardScope(LeadsSecurityCommon):
    def test_wizard_on_foreign_lead_is_a_clear_refusal(self):
        user = self.make_user("wiz_scope", VIEW + ",convert", companies=self.company_a)
        Wizard = (
            self.env["leads.convert.wizard"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
        )
        with self.assertRaises(AccessError):
            Wizard.create({"lead_ids": [(6, 0, self.lead_b.ids)]})
        wizard = Wizard.create({"lead_ids": [(6, 0, self.lead_a.ids)]})
        self.assertEqual(wizard.action, "create")

    def test_only_a_client_of_the_lead_business_can_be_linked(self):
        """The contact of a business and the contact of a staff member are
        never clients (as for matching): linking one is refused, and the
        wizard's picker does not offer them."""
        staff_b = self.make_user(
            "link_staff_b", "view_working", companies=self.company_b
        )
        user = self.make_user("link_scope", VIEW + ",convert", companies=self.company_a)
        lead = self.as_user(user).browse(self.lead_a.id)
        for not_a_client in (self.company_b.partner_id, staff_b.partner_id):
            with (
                self.subTest(partner=not_a_client.name),
                self.assertRaisesRegex(UserError, "not a client"),
            ):
                lead.action_convert(partner=not_a_client.id)
        self.assertFalse(self.lead_a.partner_id)
        client = self.env["res.partner"].create(
            {"name": "Real Client", "company_id": self.company_a.id}
        )
        wizard = (
            self.env["leads.convert.wizard"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
            .create({"lead_ids": [(6, 0, self.lead_a.ids)]})
        )
        view = wizard.get_views([(False, "form")])["views"]["form"]["arch"]
        field = etree.fromstring(view).xpath("//field[@name='partner_id']")[0]
        domain = safe_eval(field.get("domain"), {"company_id": self.company_a.id})
        offered = self.env["res.partner"].with_user(user).search(domain)
        self.assertIn(client, offered)
        not_clients = self.company_b.partner_id | staff_b.partner_id
        self.assertFalse(offered & not_clients)
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner.search([("leads_can_be_client", "=", False)])
            & (client | not_clients),
            not_clients,
        )
        both = Partner.search([("leads_can_be_client", "in", [True, False])])
        self.assertEqual(both & (client | not_clients), client | not_clients)
        wizard.write({"action": "link", "partner_id": self.company_b.partner_id.id})
        with self.assertRaisesRegex(UserError, "not a client"):
            wizard.action_convert()
        wizard.partner_id = client
        wizard.action_convert()
        self.assertEqual(self.lead_a.partner_id, client)

    def test_view_all_converts_and_adds_in_any_business(self):
        """View at All Businesses is the scope of every operation (contract,
        section 4), also in a business the user does not work at: converting
        there makes the client of that business, adding a lead there works."""
        user = self.make_user(
            "convert_all", "view_all,view_contact,convert,add", companies=self.company_a
        )
        # Creators follow what they create, unless told otherwise (the tests'
        # context does; staff's does not).
        lead = self.as_user(user).with_context(
            mail_create_nosubscribe=False, tracking_disable=False
        )
        client = lead.browse(self.lead_c.id).action_convert().sudo()
        self.assertEqual(client.company_id, self.company_c)
        self.assertEqual(self.lead_c.partner_id, client)
        self.assertIn("Converted from the lead", client.message_ids[:1].body)
        # Not made a follower of a client they may not read.
        followers = self.env["mail.followers"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", client.id)]
        )
        self.assertNotIn(user.partner_id, followers.partner_id)
        lead = self.as_user(user).create(
            {
                "name": "New C",
                "phone": "+1 415 555 0112",
                "company_id": self.company_c.id,
            }
        )
        self.assertEqual(lead.company_id, self.company_c)
        self.company_c.leads_management_enabled = False
        with self.assertRaisesRegex(UserError, "turned off"):
            self.as_user(user).create(
                {
                    "name": "Off",
                    "phone": "+1 415 555 0113",
                    "company_id": self.company_c.id,
                }
            )
