"""What each View scope shows: nothing without one, the lead by link, the
user's businesses, every business; the other paths a lead could leak by."""

from odoo.exceptions import AccessError

from .common_security import VIEW, LeadsSecurityCommon


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
