import json

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import LeadsCommon
from .common_webhook import SECRET, sign


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsDashboardTour(HttpCase, LeadsCommon):
    def test_dashboard_tour(self):
        admin = self.env.ref("base.user_admin")
        admin.write(
            {"company_ids": [(4, self.company_a.id)], "company_id": self.company_a.id}
        )
        lead = self.create_lead(
            name="Tour Lead Connected", action_status_id=self.status_connected.id
        )
        self.create_lead(name="Tour Lead Without Status", phone="+1 415 555 0111")
        self.start_tour("/odoo/leads", "leads_management_dashboard_tour", login="admin")
        self.assertEqual(lead.stage_id, self.stage_converted)
        self.assertEqual(lead.action_status_id, self.status_connected)
        self.assertEqual(lead.conversion_trigger, "manual")
        self.assertEqual(lead.partner_id.name, "Tour Lead Connected")


@tagged("post_install", "-at_install", "leads_tour", "security")
class TestLeadsScopeOverHttp(HttpCase, LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.individual = cls.make_user(
            "individual_http", "view_individual,view_contact"
        )
        cls.individual.password = "individual_http"
        cls.working = cls.make_user("working_http", "view_working,view_contact,call")
        cls.working.password = "working_http"
        cls.lead = cls.create_lead_cls("Linked Lead", cls.company_a)
        # Linked to the individual-scope user (assigned): reachable by link.
        cls.lead.user_id = cls.individual
        cls.foreign = cls.create_lead_cls("Foreign Lead", cls.company_b)

    @classmethod
    def create_lead_cls(cls, name, company):
        return cls.env["leads.lead"].create(
            {"name": name, "phone": "+1 415 555 0142", "company_id": company.id}
        )

    def test_individual_scope_has_no_leads_menu(self):
        self.start_tour(
            f"/odoo/leads.lead/{self.lead.id}",
            "leads_management_individual_scope_tour",
            login="individual_http",
        )

    def _call_kw(self, model, method, args, kwargs=None):
        return self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs or {},
                },
            },
        ).json()

    @mute_logger("odoo.http")
    def test_rpc_refusals(self):
        self.authenticate("individual_http", "individual_http")
        answer = self._call_kw(
            "leads.lead", "web_search_read", [[]], {"specification": {"name": {}}}
        )
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        answer = self._call_kw(
            "leads.lead", "web_read", [[self.lead.id]], {"specification": {"name": {}}}
        )
        self.assertEqual(answer["result"][0]["name"], "Linked Lead")

        self.authenticate("working_http", "working_http")
        # A public method called over RPC with a foreign business's lead id.
        answer = self._call_kw("leads.lead", "action_call", [[self.foreign.id]])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        answer = self._call_kw("leads.lead", "read", [[self.foreign.id], ["name"]])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        answer = self._call_kw(
            "leads.lead", "web_search_read", [[]], {"specification": {"name": {}}}
        )
        names = [record["name"] for record in answer["result"]["records"]]
        self.assertIn("Linked Lead", names)
        self.assertNotIn("Foreign Lead", names)

    def test_staff_browser_cookies_never_fill_utm(self):
        """A lead added by staff takes no utm value from their browser's
        cookies (set when they followed a campaign link to the website):
        those describe the staff member, not the lead."""
        adder = self.make_user("adder_http", "view_working,view_contact,add")
        adder.password = "adder_http"
        self.authenticate("adder_http", "adder_http")
        self.opener.cookies.set("odoo_utm_source", "StaffCookieSource")
        self.opener.cookies.set("odoo_utm_campaign", "StaffCookieCampaign")
        answer = self._call_kw(
            "leads.lead",
            "web_save",
            [[], {"name": "Walk-in", "phone": "+1 415 555 0143"}],
            {"specification": {"source_id": {}, "campaign_id": {}}},
        )
        record = answer["result"][0]
        self.assertFalse(record["source_id"], answer)
        self.assertFalse(record["campaign_id"], answer)
        self.assertFalse(
            self.env["utm.source"].search([("name", "=", "StaffCookieSource")])
        )
        # Ordinary defaults still apply, e.g. an action's default campaign.
        campaign = self.env["utm.campaign"].create({"name": "Spring Open Day"})
        answer = self._call_kw(
            "leads.lead",
            "web_save",
            [[], {"name": "Open day visitor", "phone": "+1 415 555 0144"}],
            {
                "specification": {"campaign_id": {}},
                "context": {"default_campaign_id": campaign.id},
            },
        )
        self.assertEqual(answer["result"][0]["campaign_id"], campaign.id, answer)


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsImportTour(HttpCase, LeadsCommon):
    def test_import_menu_and_dialog_tour(self):
        self.start_tour("/odoo/leads", "leads_management_import_tour", login="admin")


@tagged("post_install", "-at_install", "security")
class TestLeadsChatterData(HttpCase, LeadsCommon):
    """The chatter of a lead loads for every role, showing only what it may see."""

    REQUEST_LIST = [
        "activities",
        "attachments",
        "contact_fields",
        "followers",
        "scheduledMessages",
        "suggestedRecipients",
    ]

    def _chatter(self, login, lead):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/mail/data",
            {
                "fetch_params": [
                    [
                        "mail.thread",
                        {
                            "thread_model": "leads.lead",
                            "thread_id": lead.id,
                            "request_list": self.REQUEST_LIST,
                        },
                    ]
                ]
            },
        )

    def test_chatter_loads_for_restricted_roles(self):
        lead = self.env["leads.lead"].create(
            {
                "name": "Chatter Lead",
                "phone": "+1 415 555 0177",
                "email": "chatter@example.com",
                "company_id": self.company_a.id,
            }
        )
        lead.activity_schedule("mail.mail_activity_data_call", summary="Secret task")
        for login, groups in (
            ("chat_notasks", "view_working,view_contact,view_history"),
            ("chat_nocontact", "view_working,view_history,view_tasks"),
            ("chat_all", "view_working,view_contact,view_history,view_tasks"),
        ):
            with self.subTest(login=login):
                user = self.make_user(login, groups)
                user.password = login
                data = self._chatter(login, lead)
                threads = [t for t in data.get("mail.thread", []) if t["id"] == lead.id]
                self.assertTrue(threads)
                activities = data.get("mail.activity", [])
                if "view_tasks" in groups:
                    self.assertTrue(activities)
                else:
                    self.assertFalse(activities)
                if "view_contact" in groups:
                    self.assertIn("chatter@example.com", str(data))
                else:
                    self.assertNotIn("chatter@example.com", str(data))

    def test_message_fetch_needs_history(self):
        """The chatter's message fetch (/mail/thread/messages) of a lead returns
        its history to Lead History only; the lead itself still opens."""
        lead = self.env["leads.lead"].create(
            {
                "name": "History Lead",
                "phone": "+1 415 555 0178",
                "company_id": self.company_a.id,
            }
        )
        lead.message_post(
            body="Private history entry",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        for login, groups, sees in (
            ("fetch_nohistory", "view_working,view_contact", False),
            ("fetch_history", "view_working,view_history", True),
        ):
            with self.subTest(login=login):
                user = self.make_user(login, groups)
                user.password = login
                self.authenticate(login, login)
                data = self.make_jsonrpc_request(
                    "/mail/thread/messages",
                    {"thread_model": "leads.lead", "thread_id": lead.id},
                )
                self.assertEqual("Private history entry" in str(data), sees)
                self.assertEqual(bool(data["messages"]), sees)


@tagged("post_install", "-at_install", "leads_tour", "security")
class TestLeadsEscapingTour(HttpCase, LeadsCommon):
    def test_hostile_webhook_text_renders_as_text(self):
        """W13: markup from an anonymous sender is stored as text and shown
        escaped in the dashboard, the form and the history."""
        self.company_a.sudo().leads_webhook_secret = SECRET
        admin = self.env.ref("base.user_admin")
        admin.write(
            {"company_ids": [(4, self.company_a.id)], "company_id": self.company_a.id}
        )
        payload = {
            "id": "evt-hostile-1",
            "type": "sms.inbound",
            "contact": {
                "name": 'Hostile <img src=x onerror="window.leadsXss=1">',
                "phone": "+1 415 555 0179",
            },
            "message": "<b class=leads-xss>bold?</b><script data-leads-xss>"
            "window.leadsXss=1</script>",
        }
        body = json.dumps(payload).encode()
        response = self.url_open(
            f"/leads/v1/companies/{self.company_a.id}/events",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Leads-Signature": sign(body),
            },
        )
        self.assertEqual(response.json()["result"], "lead_created", response.text)
        lead = self.env["leads.lead"].browse(response.json()["lead_id"])
        self.assertEqual(lead.name, payload["contact"]["name"])
        self.start_tour("/odoo/leads", "leads_management_escaping_tour", login="admin")


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsCallingActivityTour(HttpCase, LeadsCommon):
    def test_visitor_added_as_lead_from_calling_activity(self):
        frontdesk = self.make_user(
            "tour_frontdesk",
            "view_working,view_contact,view_history,add",
            companies=self.company_a,
        )
        frontdesk.password = "tour_frontdesk"
        payload = {
            "id": "evt-tour-visitor",
            "type": "sms.inbound",
            "contact": {"name": "Tour Visitor", "phone": "+1 415 555 0186"},
            "message": "Any slot on Friday?",
        }
        # Received while Leads Management was off in the business.
        event = (
            self.env["leads.inbound.event"]
            .sudo()
            .create(
                {
                    "external_id": payload["id"],
                    "event_type": payload["type"],
                    "company_id": self.company_a.id,
                    "state": "done",
                    "result": "visitor_logged",
                    "received_date": "2026-11-30 10:00:00",
                    "contact_name": "Tour Visitor",
                    "contact_phone": "+1 415 555 0186",
                    "payload": json.dumps(payload),
                }
            )
        )
        self.start_tour(
            "/odoo/action-leads_management.leads_inbound_event_action",
            "leads_management_calling_activity_tour",
            login="tour_frontdesk",
        )
        self.assertEqual(event.lead_id.name, "Tour Visitor")
        self.assertEqual(event.lead_id.phone_sanitized, "+14155550186")
        self.assertEqual(event.lead_id.create_uid, frontdesk)


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsKanbanConvertTour(HttpCase, LeadsCommon):
    def test_drop_on_converted_opens_the_convert_wizard(self):
        user = self.make_user(
            "kanban_converter", "view_working,view_contact,edit_info,convert"
        )
        user.password = user.login
        lead = self.create_lead(name="Drop Me On Converted")
        self.start_tour(
            "/odoo/leads", "leads_management_kanban_convert_tour", login=user.login
        )
        self.assertEqual(lead.stage_id, self.stage_converted)
        self.assertEqual(lead.partner_id.name, "Drop Me On Converted")
        self.assertEqual(lead.conversion_trigger, "manual")


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsManagementOffScreens(HttpCase, LeadsCommon):
    """A business with Leads Management off: nothing on screen offers to add a
    lead there, from the first load on (the server refuses it anyway)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls.make_user(
            "off_frontdesk",
            "view_working,view_contact,view_history,add,edit_info",
            companies=cls.company_off | cls.company_a,
        )
        cls.user.write({"company_id": cls.company_off.id, "password": "off_frontdesk"})
        cls.env["leads.lead"].create(
            {
                "name": "Kept From Before",
                "phone": "+1 415 555 0191",
                "company_id": cls.company_off.id,
            }
        )

    def test_session_says_which_businesses_take_leads(self):
        self.authenticate("off_frontdesk", "off_frontdesk")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        allowed = info["user_companies"]["allowed_companies"]
        self.assertIs(
            allowed[str(self.company_off.id)]["leads_management_enabled"], False
        )
        self.assertIs(allowed[str(self.company_a.id)]["leads_management_enabled"], True)

    def test_dashboard_offers_no_new_lead(self):
        self.start_tour(
            "/odoo/leads", "leads_management_off_dashboard_tour", login="off_frontdesk"
        )

    def test_calling_activity_offers_no_create_lead(self):
        Event = self.env["leads.inbound.event"].sudo()
        values = {
            "event_type": "sms.inbound",
            "state": "done",
            "result": "visitor_logged",
            "received_date": "2026-11-30 10:00:00",
            "contact_name": "Visitor",
            "payload": "{}",
        }
        off = Event.create(
            dict(values, external_id="evt-off", company_id=self.company_off.id)
        )
        back_on = Event.create(
            dict(values, external_id="evt-on", company_id=self.company_a.id)
        )
        events = (off | back_on).with_user(self.user)
        self.assertEqual(events.mapped("can_add_manually"), [True, True])
        self.assertEqual(
            {e.external_id: e.can_add_lead for e in events},
            {"evt-off": False, "evt-on": True},
        )


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsCallTour(HttpCase, LeadsCommon):
    def test_call_opens_the_dialer_and_logs_the_call(self):
        self.company_a.leads_calling_enabled = True
        caller = self.make_user(
            "tour_caller", "view_working,view_contact,view_history,call"
        )
        caller.password = caller.login
        lead = self.create_lead(name="Call Me", phone="+1 415 555 0193")
        self.start_tour(
            f"/odoo/leads/{lead.id}", "leads_management_call_tour", login=caller.login
        )
        logged = lead.message_ids.filtered(lambda m: "called the lead" in m.body)
        self.assertEqual(len(logged), 1)
        self.assertEqual(logged.author_id, caller.partner_id)

    def test_phone_call_link_hidden_without_the_call_permission(self):
        reader = self.make_user("no_call_reader", "view_working,view_contact")
        arch = self.env["leads.lead"].with_user(reader).get_view(view_type="form")
        self.assertIn("o_leads_no_call", arch["arch"])
        caller = self.make_user("call_reader", "view_working,view_contact,call")
        arch = self.env["leads.lead"].with_user(caller).get_view(view_type="form")
        self.assertNotIn("o_leads_no_call", arch["arch"])


@tagged("post_install", "-at_install", "leads_tour")
class TestLeadsDuplicateOpenTour(HttpCase, LeadsCommon):
    def test_open_it_does_not_save_the_draft(self):
        user = self.make_user(
            "tour_duplicates", "view_working,view_contact,add,edit_info"
        )
        user.password = user.login
        self.create_lead(name="Already Here", phone="+1 415 555 0177")
        self.start_tour(
            "/odoo/leads/new", "leads_management_duplicate_open_tour", login=user.login
        )
        self.assertFalse(
            self.env["leads.lead"].search([("name", "=", "Draft Duplicate")])
        )
