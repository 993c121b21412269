import json

from odoo.tests import HttpCase, tagged

from .common import LeadsCommon, LeadsRpcMixin


@tagged("post_install", "-at_install")
class TestCallingActivityInWords(LeadsRpcMixin, HttpCase, LeadsCommon):
    """Calling Activity speaks the staff's words: what happened, who it was,
    and the message they must answer, to those who may see the contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.front_desk = cls.make_user(
            "activity_front_desk", "view_working,view_contact"
        )
        cls.no_contact = cls.make_user("activity_no_contact", "view_working")
        for user in (cls.front_desk, cls.no_contact):
            user.password = user.login
        Event = cls.env["leads.inbound.event"].sudo()
        values = {
            "company_id": cls.company_a.id,
            "state": "done",
            "result": "visitor_logged",
            "received_date": "2026-11-30 10:00:00",
        }
        cls.sms = Event.create(
            dict(
                values,
                external_id="evt-words-sms",
                event_type="sms.inbound",
                contact_name="Jane Doe",
                contact_phone="+14155550181",
                payload=json.dumps(
                    {"type": "sms.inbound", "message": "Any slot on Friday?"}
                ),
            )
        )
        cls.call = Event.create(
            dict(
                values,
                external_id="evt-words-call",
                event_type="call.inbound",
                contact_phone="+14155550182",
                payload=json.dumps({"type": "call.inbound"}),
            )
        )
        cls.sale = Event.create(
            dict(
                values,
                external_id="evt-words-sale",
                event_type="package.purchased",
                result="no_matching_lead",
                payload="{}",
            )
        )

    def web_read(self, login, events, spec):
        return self.call_kw(
            login,
            "leads.inbound.event",
            "web_read",
            [events.ids],
            {"specification": spec},
        )

    def test_types_read_as_labels_and_titles_name_the_caller(self):
        records = self.web_read(
            "activity_front_desk",
            self.sms | self.call | self.sale,
            {"display_name": {}, "event_type_label": {}},
        )
        self.assertEqual(
            [(r["event_type_label"], r["display_name"]) for r in records],
            [
                ("SMS received", "Jane Doe: SMS received"),
                ("Inbound call", "+14155550182: Inbound call"),
                ("Package purchased", "Unknown caller: Package purchased"),
            ],
        )

    def test_staff_who_see_contacts_read_the_message(self):
        [record] = self.web_read("activity_front_desk", self.sms, {"message_text": {}})
        self.assertEqual(record["message_text"], "Any slot on Friday?")

    def test_staff_without_the_contact_permission_see_no_number_nor_message(self):
        [record] = self.web_read("activity_no_contact", self.call, {"display_name": {}})
        self.assertEqual(record["display_name"], "Unknown caller: Inbound call")
        fields = self.env["leads.inbound.event"].with_user(self.no_contact).fields_get()
        self.assertNotIn("message_text", fields)
        self.assertNotIn("payload", fields)
