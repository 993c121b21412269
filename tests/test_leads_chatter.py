from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import LeadsCommon

# Sees everything of a lead, may change nothing of its history or tasks.
VIEW = "view_working,view_contact,view_history,view_tasks"
LEAD_EMAIL = "jane.lead@example.com"


class ChatterRpcCommon(HttpCase, LeadsCommon):
    """Restricted users working a lead's chatter through the web client's routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls.env["leads.lead"].create(
            {
                "name": "Jane Chatter",
                "phone": "+1 415 555 0190",
                "email": LEAD_EMAIL,
                "company_id": cls.company_a.id,
            }
        )

    @classmethod
    def make_login(cls, login, groups):
        user = cls.make_user(login, groups)
        user.password = login
        return user

    def rpc(self, route, params):
        """The decoded JSON-RPC answer, errors included."""
        return self.url_open(
            route,
            json={"jsonrpc": "2.0", "method": "call", "id": 0, "params": params},
        ).json()

    def call_kw(self, model, method, args, kwargs=None):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def post(self, login, body, note, **post_data):
        """Post on the lead as the chatter's composer does."""
        self.authenticate(login, login)
        return self.rpc(
            "/mail/message/post",
            {
                "thread_model": "leads.lead",
                "thread_id": self.lead.id,
                "post_data": {
                    "body": body,
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_note" if note else "mail.mt_comment",
                    **post_data,
                },
            },
        )

    def assertRefused(self, answer, permission):
        self.assertIn("error", answer, answer)
        error = answer["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.AccessError", error)
        self.assertIn(permission, error["message"])

    def lead_messages(self, body):
        return self.env["mail.message"].search(
            [
                ("model", "=", "leads.lead"),
                ("res_id", "=", self.lead.id),
                ("body", "ilike", body),
            ]
        )


@tagged("post_install", "-at_install", "security")
class TestChatterPostingRights(ChatterRpcCommon):
    @mute_logger("odoo.http")
    def test_log_note_needs_edit_tasks_and_notes(self):
        self.make_login("note_reader", VIEW)
        answer = self.post("note_reader", "Refused note", note=True)
        self.assertRefused(answer, "Edit Tasks and Notes")
        self.assertFalse(self.lead_messages("Refused note"))

        self.make_login("note_writer", VIEW + ",edit_tasks")
        answer = self.post("note_writer", "Accepted note", note=True)
        self.assertIn("result", answer, answer)
        note = self.lead_messages("Accepted note")
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))

    @mute_logger("odoo.http")
    def test_send_message_needs_send_emails(self):
        self.make_login("msg_noter", VIEW + ",edit_tasks")
        answer = self.post(
            "msg_noter", "Refused message", note=False, partner_emails=[LEAD_EMAIL]
        )
        self.assertRefused(answer, "Send Emails to Leads")
        # Even with no recipient at all: a message is what reaches people.
        answer = self.post("msg_noter", "Refused message", note=False)
        self.assertRefused(answer, "Send Emails to Leads")
        self.assertFalse(self.lead_messages("Refused message"))

    @mute_logger("odoo.http")
    def test_note_mentioning_someone_needs_send_emails(self):
        self.make_login("mention_noter", VIEW + ",edit_tasks")
        answer = self.post(
            "mention_noter",
            "Refused mention",
            note=True,
            partner_ids=[self.manager.partner_id.id],
        )
        self.assertRefused(answer, "Send Emails to Leads")
        self.assertFalse(self.lead_messages("Refused mention"))


@tagged("post_install", "-at_install", "security")
class TestChatterActivityRights(ChatterRpcCommon):
    def _schedule(self, login):
        """The chatter's Activity button: the schedule wizard, saved then applied."""
        self.authenticate(login, login)
        context = {
            "active_model": "leads.lead",
            "active_ids": [self.lead.id],
            "active_id": self.lead.id,
        }
        answer = self.call_kw(
            "mail.activity.schedule",
            "web_save",
            [
                [],
                {
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "summary": f"Task by {login}",
                },
            ],
            {"specification": {"id": {}}, "context": context},
        )
        if "error" in answer:
            return answer
        wizard_id = answer["result"][0]["id"]
        return self.call_kw(
            "mail.activity.schedule",
            "action_schedule_activities",
            [[wizard_id]],
            {"context": context},
        )

    @mute_logger("odoo.http")
    def test_scheduling_a_task_needs_edit_tasks_and_notes(self):
        self.make_login("task_reader", VIEW)
        answer = self._schedule("task_reader")
        self.assertRefused(answer, "Edit Tasks and Notes")
        self.assertFalse(self.lead.activity_ids)

        self.make_login("task_writer", VIEW + ",edit_tasks")
        answer = self._schedule("task_writer")
        self.assertNotIn("error", answer, answer)
        self.assertEqual(self.lead.activity_ids.summary, "Task by task_writer")

    @mute_logger("odoo.http")
    def test_marking_a_task_done_needs_edit_tasks_and_notes(self):
        activity = self.lead.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call back"
        )
        self.make_login("done_reader", VIEW)
        self.authenticate("done_reader", "done_reader")
        answer = self.call_kw("mail.activity", "action_done", [[activity.id]])
        self.assertRefused(answer, "Edit Tasks and Notes")
        self.assertTrue(activity.exists() and activity.active)


@tagged("post_install", "-at_install", "security", "leads_tour")
class TestChatterButtons(ChatterRpcCommon):
    """The chatter offers Send message, Log note and Activity to those who may
    use them."""

    def _capabilities(self, login):
        self.authenticate(login, login)
        data = self.make_jsonrpc_request(
            "/mail/data",
            {
                "fetch_params": [
                    [
                        "mail.thread",
                        {
                            "thread_model": "leads.lead",
                            "thread_id": self.lead.id,
                            "request_list": ["activities", "followers"],
                        },
                    ]
                ]
            },
        )
        thread = {}
        for values in data["mail.thread"]:
            if values["id"] == self.lead.id:
                thread.update(values)
        return {
            key: thread.get(key)
            for key in ("canSendMessage", "canLogNote", "canScheduleActivity")
        }

    def test_thread_data_says_what_the_user_may_do(self):
        for login, groups, expected in (
            ("cap_reader", VIEW, (False, False, False)),
            ("cap_noter", VIEW + ",edit_tasks", (False, True, True)),
            ("cap_mailer", VIEW + ",email", (True, False, False)),
        ):
            with self.subTest(login=login):
                self.make_login(login, groups)
                self.assertEqual(
                    self._capabilities(login),
                    dict(
                        zip(
                            ("canSendMessage", "canLogNote", "canScheduleActivity"),
                            expected,
                            strict=True,
                        )
                    ),
                )

    def test_notes_user_sees_log_note_and_activity_only(self):
        self.make_login("tour_noter", VIEW + ",edit_tasks")
        self.start_tour(
            f"/odoo/leads.lead/{self.lead.id}",
            "leads_management_chatter_notes_tour",
            login="tour_noter",
        )
        self.assertTrue(self.lead_messages("Prefers calls after 5 pm"))

    def test_reader_sees_no_posting_button(self):
        self.lead.message_post(body="Prefers mornings", subtype_xmlid="mail.mt_note")
        self.make_login("tour_reader", VIEW)
        self.start_tour(
            f"/odoo/leads.lead/{self.lead.id}",
            "leads_management_chatter_readonly_tour",
            login="tour_reader",
        )


@tagged("post_install", "-at_install", "security")
class TestEmailingALeadMakesNoClient(ChatterRpcCommon):
    """An email to a lead goes to its address; no contact is made of it (the
    client is made by conversion only)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Contact Creation too: Odoo would then make a contact of the address.
        cls.mailer = cls.make_login(
            "lead_mailer", VIEW + ",email,base.group_partner_manager"
        )

    def contacts_of_the_lead_address(self):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("email_normalized", "=", LEAD_EMAIL)])
        )

    def test_send_message_to_the_lead_address(self):
        answer = self.post(
            "lead_mailer",
            "Your quote is ready",
            note=False,
            partner_emails=[LEAD_EMAIL],
        )
        self.assertIn("result", answer, answer)
        self.assertFalse(self.contacts_of_the_lead_address())
        message = self.lead_messages("Your quote is ready")
        self.assertEqual(message.outgoing_email_to, LEAD_EMAIL)
        self.assertFalse(message.partner_ids)
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        self.assertEqual(mails.mapped("email_to"), [LEAD_EMAIL])

    def test_full_composer_recipients_make_no_contact(self):
        """The full composer first turns the suggested addresses into
        contacts (/mail/partner/from_email)."""
        self.authenticate("lead_mailer", "lead_mailer")
        answer = self.rpc(
            "/mail/partner/from_email",
            {
                "thread_model": "leads.lead",
                "thread_id": self.lead.id,
                "emails": [LEAD_EMAIL],
            },
        )
        self.assertEqual(answer.get("result"), [], answer)
        self.assertFalse(self.contacts_of_the_lead_address())

    def test_invalid_recipient_address_refused(self):
        with mute_logger("odoo.http"):
            answer = self.post(
                "lead_mailer", "To nowhere", note=False, partner_emails=["bob@@example"]
            )
        self.assertEqual(
            answer["error"]["data"]["name"], "odoo.exceptions.UserError", answer
        )
        self.assertIn("bob@@example", answer["error"]["data"]["message"])
        self.assertFalse(self.lead_messages("To nowhere"))
