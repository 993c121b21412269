"""What the View groups show of a lead (contact, history, tasks), in its
exports and in the history's notifications."""

from odoo.exceptions import AccessError

from .common_security import VIEW, LeadsSecurityCommon


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
