from lxml import etree

from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import LeadsCommon, LeadsRpcMixin


@tagged("post_install", "-at_install")
class TestLeadsScreens(LeadsRpcMixin, HttpCase, LeadsCommon):
    """What the web client is given to show: what staff see, in their words."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.front_desk = cls.make_user(
            "screens_front_desk", "view_working,view_contact,report_export"
        )
        cls.no_contact = cls.make_user("screens_no_contact", "view_working")
        for user in (cls.front_desk, cls.no_contact):
            user.password = user.login

    def form_arch(self, login):
        views = self.call_kw(
            login, "leads.lead", "get_views", [[[False, "form"]]], {"options": {}}
        )
        return etree.fromstring(views["views"]["form"]["arch"])

    def test_custom_group_offers_no_internal_fields(self):
        fields = self.call_kw(
            "screens_front_desk",
            "leads.lead",
            "fields_get",
            [],
            {"attributes": ["groupable", "string"]},
        )
        internal = [
            name
            for name in ("message_bounce", "phone_sanitized", "channel_code")
            if fields[name]["groupable"]
        ]
        self.assertEqual(internal, [])
        self.assertTrue(fields["action_status_color"]["groupable"] is False)
        self.assertTrue(fields["stage_id"]["groupable"])
        self.assertTrue(fields["channel_id"]["groupable"])

    def test_no_contact_heading_without_the_contact_permission(self):
        self.assertEqual(
            len(self.form_arch("screens_front_desk").xpath("//group[@name='contact']")),
            1,
        )
        self.assertEqual(
            self.form_arch("screens_no_contact").xpath("//group[@name='contact']"), []
        )

    def test_duplicate_warning_keeps_its_words_apart(self):
        warning = self.form_arch("screens_front_desk").xpath(
            "//div[hasclass('o_leads_duplicate_warning')]/span[last()]"
        )[0]
        self.assertEqual(warning.text.strip(), "Or continue with this lead.")
        self.assertIn("ms-1", warning.get("class", "").split())

    def test_export_file_is_named_leads(self):
        self.create_lead(name="Export me", phone="+14155550100")
        self.authenticate("screens_front_desk", "screens_front_desk")
        response = self.url_open(
            "/web/export/csv",
            data={
                "data": (
                    '{"model": "leads.lead", "fields": [{"name": "name", '
                    '"label": "Name"}], "ids": false, "domain": [], '
                    '"import_compat": false}'
                ),
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Leads.csv", response.headers["Content-Disposition"])
        self.assertNotIn("leads.lead", response.headers["Content-Disposition"])

    def test_cards_show_every_phone_in_one_format(self):
        typed = self.create_lead(name="Typed", phone="(415) 555-0137")
        webhook = self.create_lead(name="Webhook", phone="+14155550138")
        abroad = self.create_lead(name="Abroad", phone="+32470123456")
        records = self.call_kw(
            "screens_front_desk",
            "leads.lead",
            "web_search_read",
            [],
            {
                "domain": [("id", "in", (typed | webhook | abroad).ids)],
                "specification": {"name": {}, "phone_display": {}},
            },
        )["records"]
        self.assertEqual(
            {r["name"]: r["phone_display"] for r in records},
            {
                "Typed": "(415) 555-0137",
                "Webhook": "(415) 555-0138",
                "Abroad": "+32 470 12 34 56",
            },
        )

    @mute_logger("odoo.http")
    def test_opening_matches_of_bad_input_is_a_clear_refusal(self):
        for args in (["bogus", [1]], ["lead", "1; drop"]):
            with self.subTest(args=args), self.assertRaises(JsonRpcException) as caught:
                self.call_kw(
                    "screens_front_desk", "leads.lead", "leads_duplicates_action", args
                )
            self.assertEqual(str(caught.exception), "odoo.exceptions.UserError")
