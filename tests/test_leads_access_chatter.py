"""The history, files and tasks of a lead through the ORM paths the chatter
and RPC use (contract section 4): the message types and options of
``message_post`` that would send an email or an SMS, searches and reads that
would reveal the history, and edits of the system's own history entries.

The web client's routes (/mail/message/post, the chatter buttons) are proven
in test_leads_chatter.py; following a lead in test_leads_access_fields.py.
"""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.mail.tools.discuss import Store

from .common_security import VIEW, LeadsSecurityCommon

NO_HISTORY = "view_working,view_contact,view_tasks"


@tagged("post_install", "-at_install", "security")
class TestSendingNeedsItsPermission(LeadsSecurityCommon):
    """Every way of posting that would email or text someone is refused to a
    user without the permission, whatever the message type says."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outsider = cls.env["res.partner"].create(
            {"name": "Outsider", "email": "outsider@example.com"}
        )

    def lead_as(self, login, groups):
        return self.as_user(self.make_user(login, groups)).browse(self.lead_a.id)

    def test_note_with_sms_numbers_needs_send_sms(self):
        lead = self.lead_as("post_nosms", VIEW + ",edit_tasks")
        with self.assertRaisesRegex(AccessError, "Send SMS"):
            lead.message_post(
                body="Buy now",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                sms_numbers=["+14155550188"],
            )

    def test_every_emailing_message_type_needs_send_emails(self):
        lead = self.lead_as("post_noemail", VIEW + ",edit_tasks")
        for message_type in ("notification", "auto_comment", "email_outgoing", "email"):
            with (
                self.subTest(message_type=message_type),
                self.assertRaisesRegex(AccessError, "Send Emails"),
            ):
                lead.message_post(
                    body=f"Hello by {message_type}",
                    message_type=message_type,
                    subtype_xmlid="mail.mt_comment",
                    partner_ids=self.outsider.ids,
                )

    def test_note_with_an_outgoing_address_needs_send_emails(self):
        lead = self.lead_as("post_outgoing", VIEW + ",edit_tasks")
        with self.assertRaisesRegex(AccessError, "Send Emails"):
            lead.message_post(
                body="note with outgoing",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=self.outsider.ids,
                outgoing_email_to="victim@example.com",
            )

    def test_sms_message_to_partners_emails_no_one(self):
        """Send SMS covers an SMS to the lead's partners: it is sent as an
        SMS, never as an email (that would need Send Emails)."""
        lead = self.lead_as("post_smsonly", VIEW + ",message")
        message = lead.message_post(
            body="Email disguised as SMS",
            message_type="sms",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.outsider.ids,
        )
        emails = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "=", message.id),
                    ("notification_type", "=", "email"),
                ]
            )
        )
        self.assertFalse(emails)
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )

    def test_sms_composer_does_not_show_the_number_without_contact_details(self):
        user = self.make_user("post_smscomposer", "view_working,message")
        composer = (
            self.env["sms.composer"]
            .with_user(user)
            .with_context(
                allowed_company_ids=self.company_a.ids,
                default_res_model="leads.lead",
                default_res_id=self.lead_a.id,
                default_composition_mode="comment",
            )
            .create({"body": "hi"})
        )
        with self.assertRaisesRegex(AccessError, '"phone"'):
            composer.read(["recipient_single_number", "recipient_single_number_itf"])


@tagged("post_install", "-at_install", "security")
class TestHistoryNeedsLeadHistory(LeadsSecurityCommon):
    """Without Lead History, the history is neither searchable, readable,
    exported nor reachable through its files."""

    def test_searching_leads_by_history_text_is_refused(self):
        Lead = self.as_user(self.make_user("hist_search", NO_HISTORY))
        with self.assertRaisesRegex(AccessError, "Lead History"):
            Lead.search([("message_ids.body", "ilike", "Prefers mornings")])

    def test_history_files_are_not_listed(self):
        self.lead_a.message_post(
            body="See attached",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachments=[("secret.txt", b"TOP SECRET")],
        )
        self.assertTrue(
            self.env["ir.attachment"].search(
                [("res_model", "=", "leads.lead"), ("res_id", "=", self.lead_a.id)]
            )
        )
        user = self.make_user("hist_files", NO_HISTORY)
        found = (
            self.env["ir.attachment"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
            .search([("res_model", "=", "leads.lead"), ("res_id", "=", self.lead_a.id)])
        )
        self.assertFalse(found)

    def test_history_is_left_out_of_exports_and_reads(self):
        user = self.make_user("hist_export", NO_HISTORY + ",report_export")
        lead = self.as_user(user).browse(self.lead_a.id)
        for name, call in (
            ("export_data", lambda: lead.export_data(["name", "message_ids/body"])),
            (
                "web_read",
                lambda: lead.web_read({"message_ids": {"fields": {"body": {}}}}),
            ),
            ("read", lambda: lead.read(["message_ids"])),
        ):
            with self.subTest(call=name):
                out = str(call())
                self.assertNotIn("Prefers mornings", out)
                self.assertNotIn(str(self.note_a.id), out)

    def test_chatter_suggests_no_address_without_contact_details(self):
        user = self.make_user(
            "hist_suggest", "view_working,view_history,view_tasks,email"
        )
        Lead = self.as_user(user)
        thread = Lead._get_thread_with_access(self.lead_a.id, mode="read")
        self.assertEqual(thread, Lead.browse(self.lead_a.id))
        store = Store()
        store.add(thread, request_list=["suggestedRecipients"], as_thread=True)
        self.assertNotIn("a@example.com", str(store.get_result()))

    def test_individual_scope_reads_no_history_of_unlinked_leads(self):
        user = self.make_user("hist_individual", "view_individual,view_history")
        messages = (
            self.env["mail.message"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
            .search([("model", "=", "leads.lead")])
        )
        self.assertNotIn(self.lead_a.id, messages.mapped("res_id"))


@tagged("post_install", "-at_install", "security")
class TestHistoryEntriesAndTasks(LeadsSecurityCommon):
    def test_staff_message_is_not_rewritten_without_lead_history(self):
        message = self.lead_a.message_post(
            body="Sent quote", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        user = self.make_user("entry_rewriter", "view_working,edit_tasks")
        with self.assertRaises(AccessError):
            message.with_user(user).with_context(
                allowed_company_ids=self.company_a.ids
            ).write({"body": "rewritten"})
        self.assertIn("Sent quote", message.body)

    def test_system_entries_stay_and_own_notes_may_change(self):
        """Conversion records and inbound call/SMS logs stay: Edit Tasks and
        Notes edits and deletes the notes staff wrote only."""
        user = self.make_user("entry_eraser", VIEW + ",edit_tasks,edit_info")
        lead = self.lead_a.with_user(user).with_context(
            allowed_company_ids=self.company_a.ids
        )
        inbound = self.lead_a._message_log(body="Inbound call")
        self.lead_a.action_convert()
        conversion = self.env["mail.message"].search(
            [
                ("model", "=", "leads.lead"),
                ("res_id", "=", self.lead_a.id),
                ("body", "ilike", "Converted to the new client"),
            ]
        )
        self.assertEqual(len(conversion), 1)
        for message in inbound | conversion:
            as_user = message.with_user(user).with_context(
                allowed_company_ids=self.company_a.ids
            )
            with self.subTest(body=message.body), self.assertRaises(AccessError):
                as_user.unlink()
            with self.subTest(body=message.body), self.assertRaises(AccessError):
                as_user.write({"body": "rewritten"})
        self.assertEqual(len((inbound | conversion).exists()), 2)
        note = lead.message_post(
            body="Call back Tuesday",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        note.write({"body": "Call back Wednesday"})
        note.unlink()
        self.assertFalse(note.exists())

    def test_read_only_viewer_cannot_attach_files(self):
        user = self.make_user("entry_attacher", VIEW)
        with self.assertRaises(AccessError):
            self.env["ir.attachment"].with_user(user).with_context(
                allowed_company_ids=self.company_a.ids
            ).create(
                {
                    "name": "malware.pdf",
                    "raw": b"%PDF evil",
                    "res_model": "leads.lead",
                    "res_id": self.lead_a.id,
                }
            )

    def test_task_of_another_business_lead_is_not_readable(self):
        user = self.make_user("task_foreign", VIEW, companies=self.company_a)
        activity = self.lead_b.activity_schedule(
            "mail.mail_activity_data_call", summary="B secret task", user_id=user.id
        )
        with self.assertRaises(AccessError):
            activity.with_user(user).with_context(
                allowed_company_ids=self.company_a.ids
            ).read(["summary", "res_name"])
