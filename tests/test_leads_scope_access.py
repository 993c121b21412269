"""What each view scope reaches, and what read-only users are offered.

- View at All Businesses opens every business's lead, also while working in
  one business only (the web client sends only that one as allowed company).
- The individual scope reaches the leads linked to the user (assigned to
  them, followed, a conversation or task of theirs) and those of the guide's
  ways in (intake forms, abandoned bookings), never any lead by its id.
- Followers of a lead are part of its history (they receive it).
- Users who may not edit leads are not offered Archive, and refusals name the
  permission.
"""

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common_security import LeadsSecurityCommon


class RpcMixin:
    def call_kw(self, model, method, args, kwargs=None, companies=None):
        kwargs = dict(kwargs or {})
        if companies is not None:
            # As the web client sends it: the companies of the switcher.
            kwargs["context"] = {
                **kwargs.get("context", {}),
                "allowed_company_ids": companies.ids,
            }
        return self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs,
                },
            },
        ).json()


# What the lead form and the dashboard card read.
FORM_SPEC = {
    "name": {},
    "phone": {},
    "email": {},
    "active": {},
    "can_call": {},
    "converted_date": {},
    "company_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "stage_id": {"fields": {"display_name": {}}},
    "action_status_id": {"fields": {"display_name": {}}},
    "channel_id": {"fields": {"display_name": {}}},
    "partner_id": {"fields": {"display_name": {}}},
    "source_id": {"fields": {"display_name": {}}},
    "duplicate_lead_ids": {},
    "duplicate_partner_ids": {},
    "description": {},
    "activity_ids": {"fields": {"summary": {}}},
    "phone_sanitized": {},
}
CARD_SPEC = {
    "name": {},
    "phone": {},
    "action_status_color": {},
    "action_status_text_color": {},
    "company_id": {"fields": {"display_name": {}}},
    "channel_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "activity_ids": {},
    "create_date": {},
}


@tagged("post_install", "-at_install", "security", "leads_tour")
class TestAllBusinessesInOneBusiness(HttpCase, RpcMixin, LeadsSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b.leads_calling_enabled = True
        cls.boarding_staff = cls.make_user(
            "boarding_staff", "view_working", companies=cls.company_b
        )
        cls.boarding_staff.name = "Boarding Staff"
        client = cls.env["res.partner"].create(
            {"name": "Boarding Client", "company_id": cls.company_b.id}
        )
        cls.lead = cls.env["leads.lead"].create(
            {
                "name": "Boarding Lead",
                "phone": "+32 470 12 34 99",
                "company_id": cls.company_b.id,
                "user_id": cls.boarding_staff.id,
            }
        )
        cls.converted = cls.env["leads.lead"].create(
            {
                "name": "Boarding Converted",
                "phone": "+32 470 12 34 98",
                "company_id": cls.company_b.id,
            }
        )
        cls.converted.action_convert(partner=client)
        cls.lead.activity_schedule(
            "mail.mail_activity_data_call", summary="Call the owner"
        )
        cls.everywhere = cls.make_user(
            "everywhere",
            "view_all,view_contact,view_history,view_tasks,edit_info,convert,call",
            companies=cls.company_a,
        )
        cls.everywhere.password = "everywhere"

    def test_form_and_card_data_of_another_business(self):
        self.authenticate("everywhere", "everywhere")
        answer = self.call_kw(
            "leads.lead",
            "web_read",
            [(self.lead | self.converted).ids],
            {"specification": FORM_SPEC},
            companies=self.company_a,
        )
        self.assertNotIn("error", answer, answer.get("error"))
        lead, converted = answer["result"]
        self.assertEqual(lead["company_id"]["display_name"], "Paws Boarding B")
        self.assertEqual(lead["user_id"]["display_name"], "Boarding Staff")
        self.assertEqual(lead["activity_ids"][0]["summary"], "Call the owner")
        self.assertTrue(lead["can_call"])
        self.assertEqual(converted["partner_id"]["display_name"], "Boarding Client")
        answer = self.call_kw(
            "leads.lead",
            "web_search_read",
            [[("id", "in", (self.lead | self.converted).ids)]],
            {"specification": CARD_SPEC},
            companies=self.company_a,
        )
        self.assertNotIn("error", answer, answer.get("error"))
        names = {record["name"] for record in answer["result"]["records"]}
        self.assertEqual(names, {"Boarding Lead", "Boarding Converted"})

    def test_edit_another_business_lead(self):
        self.authenticate("everywhere", "everywhere")
        answer = self.call_kw(
            "leads.lead",
            "web_save",
            [self.lead.ids, {"stage_id": self.stage_opportunity.id}],
            {"specification": FORM_SPEC},
            companies=self.company_a,
        )
        self.assertNotIn("error", answer, answer.get("error"))
        self.assertEqual(self.lead.stage_id, self.stage_opportunity)

    def test_deep_link_to_another_business_lead(self):
        self.start_tour(
            f"/odoo/leads.lead/{self.lead.id}",
            "leads_management_all_businesses_link_tour",
            login="everywhere",
        )

    def test_card_of_another_business_opens(self):
        self.start_tour(
            "/odoo/leads",
            "leads_management_all_businesses_card_tour",
            login="everywhere",
        )


@tagged("post_install", "-at_install", "security")
class TestIndividualScopeReach(LeadsSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.individual = cls.make_user(
            "reach_individual", "view_individual,view_contact,view_history"
        )
        Lead = cls.env["leads.lead"]

        def lead(name, **vals):
            return Lead.create(
                {"name": name, "phone": "+1 415 555 0190", **vals}
                | {"company_id": cls.company_a.id}
            )

        cls.unlinked = lead("Unlinked")
        cls.assigned = lead("Assigned", user_id=cls.individual.id)
        cls.intake = lead(
            "Intake",
            channel_id=cls.env.ref("leads_management.leads_channel_intake_form").id,
        )
        cls.booking = lead(
            "Booking",
            channel_id=cls.env.ref(
                "leads_management.leads_channel_abandoned_booking"
            ).id,
        )
        cls.conversation = lead("Conversation")
        cls.conversation.message_post(
            body="Can you take Rex on Saturday?",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=cls.individual.partner_id.ids,
        )
        cls.followed = lead("Followed")
        cls.followed.message_subscribe(partner_ids=cls.individual.partner_id.ids)
        cls.task = lead("Task")
        cls.task.activity_schedule(
            "mail.mail_activity_data_call", user_id=cls.individual.id
        )
        cls.linked = (
            cls.assigned
            | cls.intake
            | cls.booking
            | cls.conversation
            | cls.followed
            | cls.task
        )

    def test_id_range_lists_only_linked_leads(self):
        Lead = self.as_user(self.individual)
        found = Lead.search([("id", "in", list(range(1, self.task.id + 5000)))])
        self.assertEqual(found, self.linked)
        self.assertEqual(
            Lead.browse(self.linked.ids).mapped("name"), self.linked.mapped("name")
        )

    def test_unlinked_lead_refused_by_id(self):
        Lead = self.as_user(self.individual)
        for lead in (self.unlinked, self.lead_a):
            with self.subTest(lead=lead.name), self.assertRaises(AccessError):
                Lead.browse(lead.id).read(["name"])

    def test_linked_lead_of_another_business_refused(self):
        foreign = self.env["leads.lead"].create(
            {
                "name": "Foreign Intake",
                "phone": "+32 470 12 34 00",
                "company_id": self.company_b.id,
                "channel_id": self.intake.channel_id.id,
            }
        )
        with self.assertRaises(AccessError):
            self.as_user(self.individual).browse(foreign.id).read(["name"])

    def test_working_scope_keeps_every_lead_of_its_businesses(self):
        working = self.make_user("reach_working", "view_working")
        found = self.as_user(working).search(
            [("id", "in", (self.linked | self.unlinked).ids)]
        )
        self.assertEqual(found, self.linked | self.unlinked)


@tagged("post_install", "-at_install", "security")
class TestFollowersNeedHistory(HttpCase, LeadsSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.follower = cls.env["res.partner"].create({"name": "Secret Follower"})
        cls.lead_a.message_subscribe(partner_ids=cls.follower.ids)
        cls.blind = cls.make_user("followers_blind", "view_working,view_contact")
        cls.seeing = cls.make_user("followers_seeing", "view_working,view_history")
        for user in (cls.blind, cls.seeing):
            user.password = user.login

    def _followers(self, user):
        return (
            self.env["mail.followers"]
            .with_user(user)
            .search([("res_model", "=", "leads.lead"), ("res_id", "=", self.lead_a.id)])
        )

    def test_followers_read_through_the_orm(self):
        self.assertFalse(self._followers(self.blind))
        self.assertIn(self.follower, self._followers(self.seeing).partner_id)
        lead = self.as_user(self.blind).browse(self.lead_a.id)
        self.assertNotIn(self.follower, lead.message_partner_ids)
        follower = self._followers(self.seeing).filtered(
            lambda f: f.partner_id == self.follower
        )
        self.assertTrue(follower)
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            follower.with_user(self.blind).read(["partner_id"])

    def _thread_data(self, login):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/mail/data",
            {
                "fetch_params": [
                    [
                        "mail.thread",
                        {
                            "thread_model": "leads.lead",
                            "thread_id": self.lead_a.id,
                            "request_list": ["followers"],
                        },
                    ]
                ]
            },
        )

    def test_followers_through_the_chatter_route(self):
        blind = self._thread_data("followers_blind")
        self.assertNotIn("Secret Follower", str(blind))
        thread = next(t for t in blind["mail.thread"] if t["id"] == self.lead_a.id)
        self.assertEqual(thread["followersCount"], 0)
        seeing = self._thread_data("followers_seeing")
        self.assertIn("Secret Follower", str(seeing))


@tagged("post_install", "-at_install", "security", "leads_tour")
class TestReadOnlyUsers(HttpCase, RpcMixin, LeadsSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader = cls.make_user("read_only", "view_working,delete")
        cls.reader.password = "read_only"
        cls.editor = cls.make_user("read_write", "view_working,edit_info")

    def test_archive_field_read_only_without_edit(self):
        """The web client offers Archive/Unarchive when the active field is not
        read-only in the views' field descriptions (list, kanban and form)."""
        for user, readonly in ((self.reader, True), (self.editor, False)):
            with self.subTest(user=user.login):
                Lead = self.as_user(user)
                self.assertEqual(
                    Lead.fields_get(["active"], ["readonly"])["active"]["readonly"],
                    readonly,
                )
                views = Lead.get_views([(False, "list"), (False, "form")])
                fields = views["models"]["leads.lead"]["fields"]
                self.assertEqual(fields["active"]["readonly"], readonly)

    @mute_logger("odoo.http")
    def test_refusals_name_the_permission(self):
        self.authenticate("read_only", "read_only")
        for method, args in (
            ("action_archive", [self.lead_a.ids]),
            ("write", [self.lead_a.ids, {"name": "Renamed"}]),
        ):
            with self.subTest(method=method):
                answer = self.call_kw("leads.lead", method, args)
                message = answer["error"]["data"]["message"]
                self.assertIn("Edit Lead Information", message)
                self.assertNotIn("Webhook", message)
        answer = self.call_kw(
            "leads.lead", "create", [{"name": "New", "phone": "+1 415 555 0170"}]
        )
        self.assertIn("Add Leads", answer["error"]["data"]["message"])
        self.assertNotIn("Webhook", answer["error"]["data"]["message"])
        self.assertTrue(self.lead_a.active)
        self.assertEqual(self.lead_a.name, "Lead A")

    def test_read_only_user_is_not_offered_archive(self):
        self.create_lead(name="Read Only Lead", phone="+1 415 555 0171")
        self.start_tour(
            "/odoo/leads",
            "leads_management_read_only_actions_tour",
            login="read_only",
        )
