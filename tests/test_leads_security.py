"""Access groups of contract section 4, proven with the users who must be refused.

Every test acts as a real restricted user (``new_test_user`` + ``with_user``)
through the ORM paths the web client and RPC use.
"""

import ast

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import LeadsCommon

VIEW = "view_working,view_contact,view_history,view_tasks"


@tagged("post_install", "-at_install", "security")
class LeadsSecurityCommon(LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_c = cls.env["res.company"].create(
            {"name": "Paws Spa C", "country_id": cls.env.ref("base.us").id}
        )
        Lead = cls.env["leads.lead"]
        cls.lead_a = Lead.create(
            {
                "name": "Lead A",
                "phone": "+1 415 555 0100",
                "email": "a@example.com",
                "company_id": cls.company_a.id,
            }
        )
        cls.lead_b = Lead.create(
            {
                "name": "Lead B",
                "phone": "+32 470 12 34 56",
                "company_id": cls.company_b.id,
            }
        )
        cls.lead_c = Lead.create(
            {"name": "Lead C", "email": "c@example.com", "company_id": cls.company_c.id}
        )
        cls.activity_a = cls.lead_a.activity_schedule(
            "mail.mail_activity_data_call", summary="Call back"
        )
        cls.note_a = cls.lead_a.message_post(
            body="Prefers mornings",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def as_user(self, user, companies=None):
        companies = companies or user.company_ids
        return (
            self.env["leads.lead"]
            .with_user(user)
            .with_context(allowed_company_ids=companies.ids)
        )


class TestViewScope(LeadsSecurityCommon):
    def test_no_view_group_sees_nothing(self):
        user = self.make_user("nogroup", "")
        Lead = self.as_user(user)
        with self.assertRaises(AccessError):
            Lead.search([])
        with self.assertRaises(AccessError):
            Lead.browse(self.lead_a.id).read(["name"])

    def test_permission_groups_without_view_grant_nothing(self):
        everything_but_view = (
            "edit_info,edit_tasks,delete,add,convert,import,message,call,email,"
            "mass_sms,mass_email,report_export"
        )
        for groups in (
            "view_contact,view_history,view_tasks,edit_info,delete",
            "edit_info",
            "edit_tasks",
            "delete",
            "add",
            "convert",
            "import",
            "message,email,call",
            everything_but_view,
        ):
            with self.subTest(groups=groups):
                user = self.make_user(f"noview_{groups.replace(',', '_')}", groups)
                Lead = self.as_user(user)
                lead = Lead.browse(self.lead_a.id)
                self.assertFalse(Lead.search([]) if Lead.has_access("read") else Lead)
                with self.assertRaises(AccessError):
                    lead.read(["name"])
                with self.assertRaises(AccessError):
                    lead.write({"name": "Hacked"})
                with self.assertRaises(AccessError):
                    lead.unlink()
                with self.assertRaises(AccessError):
                    Lead.create({"name": "New", "phone": "4155550199"})
        self.assertEqual(self.lead_a.name, "Lead A")

    def test_individual_scope_opens_by_link_only(self):
        user = self.make_user("individual", "view_individual,view_contact")
        Lead = self.as_user(user)
        # Opening a profile from a link reads that record: a lead linked to
        # the user, here assigned to them (test_leads_scope_access has the
        # other ways in, and the leads no link reaches).
        self.lead_a.user_id = user
        self.assertEqual(
            Lead.browse(self.lead_a.id).read(["name"])[0]["name"], "Lead A"
        )
        self.assertEqual(
            Lead.browse(self.lead_a.id).web_read({"name": {}, "phone": {}})[0]["phone"],
            "+1 415 555 0100",
        )
        # Searching, listing, grouping and name search are refused.
        for call in (
            lambda: Lead.search([]),
            lambda: Lead.search([("name", "ilike", "Lead")]),
            lambda: Lead.search_count([]),
            lambda: Lead.web_search_read([], {"name": {}}),
            lambda: Lead.formatted_read_group([], ["stage_id"], ["__count"]),
            lambda: Lead.name_search("Lead"),
        ):
            with self.assertRaisesRegex(AccessError, "single lead profiles"):
                call()
        # Narrowing down known ids is what opening a link does.
        self.assertEqual(Lead.search([("id", "in", self.lead_a.ids)]), self.lead_a)
        # Other businesses stay out of reach.
        with self.assertRaises(AccessError):
            Lead.browse(self.lead_b.id).read(["name"])
        # Individual scope cannot add, even with the Add group.
        adder = self.make_user("individual_add", "view_individual,add,view_contact")
        with self.assertRaisesRegex(AccessError, "Adding leads needs View at Working"):
            self.as_user(adder).create({"name": "New", "phone": "4155550199"})

    def test_working_scope_is_the_users_businesses(self):
        user = self.make_user(
            "working", "view_working", companies=self.company_a | self.company_b
        )
        Lead = self.as_user(user)
        mine = self.lead_a | self.lead_b | self.lead_c
        self.assertEqual(
            Lead.search([("id", "in", mine.ids)]), self.lead_a | self.lead_b
        )
        with self.assertRaises(AccessError):
            Lead.browse(self.lead_c.id).read(["name"])
        # With only business A selected in the switcher, B's leads are hidden too.
        only_a = self.as_user(user, self.company_a)
        self.assertEqual(only_a.search([("id", "in", mine.ids)]), self.lead_a)
        groups = Lead.formatted_read_group(
            [("id", "in", mine.ids)], ["company_id"], ["__count"]
        )
        self.assertEqual(len(groups), 2)

    def test_all_scope_is_every_business(self):
        user = self.make_user("all", "view_all", companies=self.company_a)
        Lead = self.as_user(user)
        mine = self.lead_a | self.lead_b | self.lead_c
        self.assertEqual(Lead.search([("id", "in", mine.ids)]), mine)
        self.assertEqual(
            Lead.browse(self.lead_c.id).read(["name"])[0]["name"], "Lead C"
        )

    def test_scope_applies_to_every_operation(self):
        user = self.make_user(
            "working_full",
            "view_working,view_contact,edit_info,delete,add,edit_tasks",
            companies=self.company_a,
        )
        foreign = self.as_user(user).browse(self.lead_b.id)
        with self.assertRaises(AccessError):
            foreign.write({"name": "Hacked"})
        with self.assertRaises(AccessError):
            foreign.unlink()
        with self.assertRaises(AccessError):
            foreign.message_post(body="hi", subtype_xmlid="mail.mt_note")
        with self.assertRaises(AccessError):
            foreign.activity_schedule("mail.mail_activity_data_todo")
        with self.assertRaises(AccessError):
            self.as_user(user).create(
                {
                    "name": "Elsewhere",
                    "phone": "4155550199",
                    "company_id": self.company_b.id,
                }
            )
        self.assertEqual(self.lead_b.name, "Lead B")

    def test_portal_and_public_get_nothing(self):
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
                "leads.settings",
            ):
                with self.subTest(user=user.login, model=model):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.lead_a.with_user(user).read(["name"])
            with self.assertRaises(AccessError):
                self.lead_a.with_user(user).message_post(body="spam")
            # The module's other models: logs, imports, custom fields, wizards.
            for model in (
                "leads.inbound.event",
                "leads.import.job",
                "leads.field",
                "leads.import.wizard",
                "leads.convert.wizard",
            ):
                with self.subTest(user=user.login, model=model):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).search([])
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).create({})

    def test_no_view_group_public_methods_refused(self):
        """Public methods called over RPC by a user holding every permission
        but a view group: all refused, nothing changed."""
        user = self.make_user(
            "noview_rpc",
            "convert,call,message,email,report_export,edit_tasks,edit_info",
        )
        lead = self.as_user(user).browse(self.lead_a.id)
        for label, call in (
            ("action_convert", lambda: lead.action_convert()),
            ("action_call", lambda: lead.action_call()),
            ("message_post", lambda: lead.message_post(body="Hi")),
            ("export_data", lambda: lead.export_data(["name"])),
            ("_message_sms", lambda: lead._message_sms("Hi")),
            ("activity_schedule", lambda: lead.activity_schedule(summary="X")),
        ):
            with self.subTest(label), self.assertRaises(AccessError):
                call()
        self.assertFalse(self.lead_a.converted_date)
        self.assertFalse(self.lead_a.partner_id)


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


class TestFieldGroups(LeadsSecurityCommon):
    def test_contact_hidden_without_view_contact(self):
        user = self.make_user("nocontact", "view_working,view_history,view_tasks")
        Lead = self.as_user(user)
        lead = Lead.browse(self.lead_a.id)
        self.assertEqual(lead.read(["name"])[0]["name"], "Lead A")
        for fname in ("phone", "email", "phone_sanitized", "email_normalized"):
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    lead.read([fname])
                with self.assertRaises(AccessError):
                    Lead.search([(fname, "!=", False)])
                self.assertNotIn(fname, Lead.fields_get())
        with self.assertRaises(AccessError):
            Lead.search([("phone_mobile_search", "=", "4155550100")])
        with self.assertRaises(AccessError):
            lead.web_read({"phone": {}})
        for view_type in ("form", "list", "kanban", "search"):
            arch = Lead.get_view(view_type=view_type)["arch"]
            self.assertNotIn('name="phone"', arch, view_type)
            self.assertNotIn('name="email"', arch, view_type)

    def test_export_follows_field_groups_and_report_export(self):
        exporter = self.make_user("exporter", "view_working,report_export")
        lead = self.as_user(exporter).browse(self.lead_a.id)
        self.assertEqual(lead.export_data(["name"])["datas"], [["Lead A"]])
        with self.assertRaises(AccessError):
            lead.export_data(["name", "phone"])
        no_export = self.make_user(
            "noexport", VIEW + ",report_view,base.group_allow_export"
        )
        with self.assertRaisesRegex(AccessError, "Exporting leads"):
            self.as_user(no_export).browse(self.lead_a.id).export_data(["name"])

    def test_history_hidden_without_view_history(self):
        user = self.make_user("nohistory", "view_working,view_contact,view_tasks")
        Message = self.env["mail.message"].with_user(user)
        self.assertFalse(
            Message.search(
                [("model", "=", "leads.lead"), ("res_id", "=", self.lead_a.id)]
            )
        )
        with self.assertRaises(AccessError):
            self.note_a.with_user(user).read(["body"])
        self.assertFalse(self.as_user(user).browse(self.lead_a.id).message_ids)
        # With the group the same message reads fine.
        viewer = self.make_user("history", VIEW)
        self.assertIn(
            "Prefers mornings",
            self.note_a.with_user(viewer).read(["body"])[0]["body"],
        )

    def test_tasks_hidden_without_view_tasks(self):
        user = self.make_user("notasks", "view_working,view_contact,view_history")
        Activity = self.env["mail.activity"].with_user(user)
        self.assertFalse(Activity.search([("res_model", "=", "leads.lead")]))
        with self.assertRaises(AccessError):
            self.activity_a.with_user(user).read(["summary"])
        with self.assertRaises(AccessError):
            self.as_user(user).browse(self.lead_a.id).read(["activity_ids"])
        with self.assertRaises(AccessError):
            self.as_user(user).search([("activity_state", "=", "planned")])
        # Even a task assigned to the user stays hidden.
        self.activity_a.user_id = user
        with self.assertRaises(AccessError):
            self.activity_a.with_user(user).read(["summary"])
        viewer = self.make_user("tasks", VIEW)
        self.assertEqual(
            self.activity_a.with_user(viewer).read(["summary"])[0]["summary"],
            "Call back",
        )


class TestCommunication(LeadsSecurityCommon):
    def test_email_needs_email_group(self):
        user = self.make_user("noemail", VIEW + ",edit_tasks")
        lead = self.as_user(user).browse(self.lead_a.id)
        with self.assertRaises(AccessError):
            lead.message_post(
                body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        mailer = self.make_user("emailer", VIEW + ",email")
        message = (
            self.as_user(mailer)
            .browse(self.lead_a.id)
            .message_post(
                body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        )
        self.assertEqual(message.model, "leads.lead")

    def test_sms_button_only_for_message_group(self):
        """The phone widget's SMS button is offered to Send SMS users only."""
        for groups, enabled in ((VIEW, False), (VIEW + ",message", True)):
            user = self.make_user(f"smsbutton_{enabled}", groups)
            for view_type in ("form", "list"):
                with self.subTest(groups=groups, view_type=view_type):
                    arch = etree.fromstring(
                        self.as_user(user).get_views([(False, view_type)])["views"][
                            view_type
                        ]["arch"]
                    )
                    phones = arch.xpath("//field[@widget='phone']")
                    self.assertTrue(phones)
                    for node in phones:
                        options = ast.literal_eval(node.get("options") or "{}")
                        self.assertEqual(options.get("enable_sms", True), enabled)

    def test_sms_needs_message_group(self):
        user = self.make_user("nosms", VIEW + ",edit_tasks,email")
        with self.assertRaises(AccessError):
            self.as_user(user).browse(self.lead_a.id)._message_sms("Hi there")
        texter = self.make_user("texter", VIEW + ",message")
        message = self.as_user(texter).browse(self.lead_a.id)._message_sms("Hi there")
        self.assertEqual(message.message_type, "sms")

    def _sms_composer(self, user, leads, mode, **context):
        """The SMS composer as opened on ``leads``, in a screen's ``context``."""
        return Form(
            self.env["sms.composer"]
            .with_user(user)
            .with_context(
                **context,
                active_model="leads.lead",
                active_ids=leads.ids,
                default_res_model="leads.lead",
                default_res_ids=leads.ids,
                default_composition_mode=mode,
                allowed_company_ids=user.company_ids.ids,
            )
        )

    def test_mass_sms_needs_mass_sms_group(self):
        leads = self.lead_a
        texter = self.make_user("texter_only", VIEW + ",message")
        with self._sms_composer(texter, leads, "mass") as form:
            form.body = "Promo"
        with self.assertRaisesRegex(AccessError, "mass SMS"):
            form.record.action_send_sms()
        mass = self.make_user("mass_texter", VIEW + ",mass_sms")
        with self._sms_composer(mass, leads, "mass") as form:
            form.body = "Promo"
        form.record.action_send_sms()
        self.assertTrue(self.env["sms.sms"].search([("body", "=", "Promo")]))

    def test_mass_sms_from_the_report_sends_to_unblacklisted_numbers(self):
        """The Leads Report lists archived leads too; a mass SMS sent from it
        treats a number removed from the blacklist (an archived blacklist
        entry) as any screen does: it is sent."""
        lead = self.lead_a
        Blacklist = self.env["phone.blacklist"].sudo()
        Blacklist._add([lead.phone_sanitized])
        Blacklist._remove([lead.phone_sanitized])
        report = self.env.ref("leads_management.leads_lead_action_report")
        mass = self.make_user("report_texter", VIEW + ",mass_sms")
        with self._sms_composer(
            mass, lead, "mass", default_mass_keep_log=True, **safe_eval(report.context)
        ) as form:
            form.body = "Report promo"
        form.record.action_send_sms()
        sms = self.env["sms.sms"].search([("body", "=", "Report promo")])
        self.assertEqual(sms.state, "outgoing", sms.failure_type)

    def test_mass_email_needs_mass_email_group(self):
        def composer(user):
            return (
                self.env["mail.compose.message"]
                .with_user(user)
                .with_context(allowed_company_ids=user.company_ids.ids)
                .create(
                    {
                        "composition_mode": "mass_mail",
                        "model": "leads.lead",
                        "res_ids": self.lead_a.ids,
                        "subject": "Spring offer",
                        "body": "Hello",
                    }
                )
            )

        mailer = self.make_user("mailer_only", VIEW + ",email")
        with self.assertRaisesRegex(AccessError, "mass emails"):
            composer(mailer).action_send_mail()
        mass = self.make_user("mass_mailer", VIEW + ",mass_email")
        composer(mass).action_send_mail()
        self.assertTrue(
            self.env["mail.mail"].sudo().search([("subject", "=", "Spring offer")])
        )

    def test_mass_actions_offered_to_their_groups_only(self):
        """The Action menu and the list header offer mass SMS and email to the
        users allowed to send them, and to nobody else."""
        sms = self.env.ref("leads_management.leads_lead_action_mass_sms").id
        mail = self.env.ref("leads_management.leads_lead_action_mass_email").id
        cases = {
            "plain": (VIEW + ",message,email", set()),
            "mass_sms": (VIEW + ",mass_sms", {sms}),
            "mass_email": (VIEW + ",mass_email", {mail}),
        }
        for name, (groups, expected) in cases.items():
            with self.subTest(user=name):
                user = self.make_user(f"bindings_{name}", groups)
                bindings = (
                    self.env["ir.actions.actions"]
                    .with_user(user)
                    .get_bindings("leads.lead")
                )
                offered = {action["id"] for action in bindings.get("action", [])}
                self.assertEqual(offered & {sms, mail}, expected)
                arch = etree.fromstring(
                    self.as_user(user).get_views([(False, "list")])["views"]["list"][
                        "arch"
                    ]
                )
                buttons = {
                    int(name)
                    for name in arch.xpath("//header/button[@type='action']/@name")
                }
                self.assertEqual(buttons & {sms, mail}, expected)

    def test_mass_sms_action_sends_to_the_selection(self):
        """The bound action's context opens a composer on the selected leads."""
        mass = self.make_user("mass_texter_ui", VIEW + ",mass_sms")
        leads = self.lead_a | self.env["leads.lead"].create(
            {
                "name": "Lead A2",
                "phone": "+1 415 555 0111",
                "company_id": self.company_a.id,
            }
        )
        action = self.env.ref("leads_management.leads_lead_action_mass_sms")
        context = dict(
            safe_eval(action.context, {"active_ids": leads.ids}),
            active_model="leads.lead",
            active_ids=leads.ids,
            allowed_company_ids=mass.company_ids.ids,
        )
        with Form(
            self.env["sms.composer"].with_user(mass).with_context(**context)
        ) as form:
            form.body = "Spring offer by SMS"
        form.record.action_send_sms()
        sent = self.env["sms.sms"].search([("body", "=", "Spring offer by SMS")])
        self.assertEqual(set(sent.mapped("number")), {"+14155550100", "+14155550111"})

    def test_call_needs_group_and_enabled_calling(self):
        caller = self.make_user("caller", VIEW + ",call")
        lead = self.as_user(caller).browse(self.lead_a.id)
        self.assertFalse(lead.can_call)
        with self.assertRaisesRegex(UserError, "not enabled"):
            lead.action_call()
        self.company_a.leads_calling_enabled = True
        lead.invalidate_recordset(["can_call"])
        self.assertTrue(lead.can_call)
        action = lead.action_call()
        self.assertEqual(
            (action["tag"], action["params"]),
            ("leads_management.dial", {"number": "+14155550100"}),
        )
        other = self.make_user("nocaller", VIEW)
        other_lead = self.as_user(other).browse(self.lead_a.id)
        self.assertFalse(other_lead.can_call)
        with self.assertRaises(AccessError):
            other_lead.action_call()
        # A public method called with a foreign id is refused.
        with self.assertRaises(AccessError):
            self.as_user(caller).browse(self.lead_b.id).action_call()


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


class TestOtherPaths(LeadsSecurityCommon):
    """P02: the other ways a lead of another business could leak."""

    def test_foreign_leads_through_every_read_path(self):
        user = self.make_user(
            "paths", VIEW + ",report_export", companies=self.company_a
        )
        Lead = self.as_user(user)
        names = [name for _id, name in Lead.name_search("Lead")]
        self.assertIn("Lead A", names)
        self.assertNotIn("Lead B", names)
        groups = Lead.formatted_read_group([], ["company_id"], ["__count"])
        self.assertEqual({g["company_id"][0] for g in groups}, {self.company_a.id})
        with self.assertRaises(AccessError):
            Lead.browse(self.lead_b.id).export_data(["name"])
        with self.assertRaises(AccessError):
            Lead.browse(self.lead_b.id).web_read({"name": {}})
        foreign_messages = (
            self.env["mail.message"]
            .with_user(user)
            .search([("model", "=", "leads.lead"), ("res_id", "=", self.lead_b.id)])
        )
        self.assertFalse(foreign_messages)
        with self.assertRaises(AccessError):
            Lead.browse(self.lead_b.id).read(["message_ids"])

    def test_partner_related_leads(self):
        partner = self.env["res.partner"].create({"name": "Client"})
        (self.lead_a | self.lead_b).sudo().write({"partner_id": partner.id})
        working = self.make_user("rel_working", VIEW, companies=self.company_a)
        self.assertEqual(partner.with_user(working).lead_ids, self.lead_a)
        self.assertEqual(partner.with_user(working).lead_count, 1)
        nobody = self.make_user("rel_nobody", "")
        with self.assertRaises(AccessError):
            partner.with_user(nobody).read(["lead_ids"])
        self.assertNotIn("lead_ids", partner.with_user(nobody).fields_get())


class TestExportFormulas(LeadsSecurityCommon):
    """P13: formula-like values never reach a spreadsheet as live formulas."""

    def test_export_neutralizes_formulas(self):
        self.lead_a.write({"name": '=HYPERLINK("http://evil.example","x")'})
        self.lead_b.write({"name": "@SUM(A1:A2)"})
        self.lead_c.write({"name": "-2+3", "gclid": "\t=1+1"})
        user = self.make_user(
            "formula_exporter",
            "view_all,report_export",
            companies=self.company_a | self.company_b | self.company_c,
        )
        leads = self.as_user(user).browse((self.lead_a | self.lead_b | self.lead_c).ids)
        names = [row[0] for row in leads.export_data(["name"])["datas"]]
        expected = ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1:A2)", "'-2+3"]
        self.assertEqual(sorted(names), sorted(expected))
        gclid = self.as_user(user).browse(self.lead_c.id).export_data(["gclid"])
        self.assertEqual(gclid["datas"], [["'\t=1+1"]])
        # Plain values are untouched.
        stage = self.as_user(user).browse(self.lead_a.id).export_data(["stage_id"])
        self.assertEqual(stage["datas"], [["Lead"]])


class TestHistoryNotifications(LeadsSecurityCommon):
    def test_followers_without_history_get_no_history_email(self):
        blind = self.make_user("notify_blind", "view_working,view_contact")
        seeing = self.make_user("notify_seeing", VIEW)
        (blind | seeing).notification_type = "email"
        # Subscribed by the system (e.g. as assigned staff), not by themselves.
        self.lead_a.sudo().message_subscribe(
            partner_ids=(blind | seeing).partner_id.ids
        )
        message = self.lead_a.message_post(
            body="Private history",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        notified = (
            self.env["mail.notification"]
            .sudo()
            .search([("mail_message_id", "=", message.id)])
            .res_partner_id
        )
        self.assertIn(seeing.partner_id, notified)
        self.assertNotIn(blind.partner_id, notified)
        with self.assertRaises(AccessError):
            self.as_user(blind).browse(self.lead_a.id).message_subscribe(
                partner_ids=blind.partner_id.ids
            )


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
