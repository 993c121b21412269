"""The Leads report (Insights): View reports to read it, View and Export to
export it, in the user's view scope; proven through the ORM, /web/action/load,
the export route and the browser."""

import json

from lxml import etree

from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common_security import LeadsSecurityCommon


@tagged("post_install", "-at_install", "security")
class TestLeadsReportAccess(LeadsSecurityCommon):
    def report(self, user, companies=None):
        companies = companies or user.company_ids
        return (
            self.env["leads.report"]
            .with_user(user)
            .with_context(allowed_company_ids=companies.ids)
        )

    def test_report_needs_view_reports(self):
        viewer = self.make_user("report_plain_viewer", "view_working,view_contact")
        with self.assertRaises(AccessError):
            self.report(viewer).search([])
        with self.assertRaises(AccessError):
            self.report(viewer).formatted_read_group([], ["stage_id"], ["__count"])

    def test_report_rows_follow_the_view_scope(self):
        reporter = self.make_user("report_working", "view_working,report_view")
        rows = self.report(reporter).search([])
        self.assertIn(self.lead_a, rows.lead_id)
        self.assertNotIn(self.lead_b, rows.lead_id)
        self.assertNotIn(self.lead_c, rows.lead_id)
        with self.assertRaises(AccessError):
            self.report(reporter).browse(self.lead_b.id).read(["name"])
        everywhere = self.make_user("report_all", "view_all,report_view")
        groups = self.report(everywhere).formatted_read_group(
            [("lead_id", "in", (self.lead_a | self.lead_b | self.lead_c).ids)],
            ["company_id"],
            ["__count"],
        )
        # Named, although the user works in business A only.
        self.assertEqual(
            {group["company_id"][1] for group in groups},
            {"Paws Grooming A", "Paws Boarding B", "Paws Spa C"},
        )

    def test_individual_scope_has_no_report(self):
        individual = self.make_user(
            "report_individual", "view_individual,view_contact,report_view"
        )
        self.assertFalse(self.report(individual).search([]))

    def test_archived_and_converted_leads_count(self):
        archived = self.lead_a.copy({"name": "Archived Lead"})
        archived.action_archive()
        reporter = self.make_user("report_archived", "view_working,report_view")
        row = self.report(reporter).search([("lead_id", "=", archived.id)])
        self.assertTrue(row.is_archived)
        self.assertFalse(row.is_converted)
        groups = self.report(reporter).formatted_read_group(
            [("is_archived", "=", True)], [], ["__count"]
        )
        self.assertEqual(groups[0]["__count"], 1)

    def test_export_needs_view_and_export(self):
        # Odoo's own export permission alone does not export the report.
        reporter = self.make_user(
            "report_noexport", "view_working,report_view,base.group_allow_export"
        )
        with self.assertRaisesRegex(AccessError, "View and Export"):
            self.report(reporter).search([]).export_data(["name"])
        self.lead_a.name = "=1+1"
        exporter = self.make_user("report_exporter", "view_working,report_export")
        rows = self.report(exporter).search([("lead_id", "=", self.lead_a.id)])
        self.assertEqual(rows.export_data(["name"])["datas"], [["'=1+1"]])

    def test_pivot_download_only_with_export(self):
        reporter = self.make_user("report_pivot_viewer", "view_working,report_view")
        exporter = self.make_user("report_pivot_exporter", "view_working,report_export")
        for user, js_class in (
            (reporter, "leads_report_pivot_no_download"),
            (exporter, None),
        ):
            with self.subTest(user=user.login):
                arch = self.report(user).get_views([(False, "pivot")])["views"][
                    "pivot"
                ]["arch"]
                self.assertEqual(etree.fromstring(arch).get("js_class"), js_class)

    def test_report_action_refused_without_view_reports(self):
        viewer = self.make_user("report_action_viewer", "view_working")
        reporter = self.make_user("report_action_reporter", "view_working,report_view")
        Action = self.env["ir.actions.act_window"]
        with self.assertRaisesRegex(AccessError, "Leads Reports / View"):
            Action.with_user(viewer)._for_xml_id(
                "leads_management.leads_lead_action_report"
            )
        action = Action.with_user(reporter)._for_xml_id(
            "leads_management.leads_lead_action_report"
        )
        self.assertEqual(action["res_model"], "leads.report")


@tagged("post_install", "-at_install", "security", "leads_tour")
class TestLeadsReportOverHttp(HttpCase, LeadsSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer = cls.make_user("http_report_none", "view_working,view_contact")
        cls.reporter = cls.make_user(
            "http_report_view", "view_working,report_view,base.group_allow_export"
        )
        cls.exporter = cls.make_user("http_report_export", "view_working,report_export")
        for user in (cls.viewer, cls.reporter, cls.exporter):
            user.password = user.login

    def _load_action(self, login, action_id):
        self.authenticate(login, login)
        return self.url_open(
            "/web/action/load",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"action_id": action_id},
            },
        ).json()

    @mute_logger("odoo.http")
    def test_action_load_refused_without_view_reports(self):
        for action_id in ("leads-report", "leads_management.leads_lead_action_report"):
            with self.subTest(action_id=action_id):
                answer = self._load_action("http_report_none", action_id)
                self.assertEqual(
                    answer["error"]["data"]["name"], "odoo.exceptions.AccessError"
                )
                answer = self._load_action("http_report_view", action_id)
                self.assertEqual(answer["result"]["res_model"], "leads.report")

    def _export(self, login):
        self.authenticate(login, login)
        data = {
            "model": "leads.report",
            "fields": [{"name": "name", "label": "Lead Name"}],
            "ids": False,
            "domain": [],
            "import_compat": False,
        }
        return self.url_open(
            "/web/export/xlsx",
            data={
                "data": json.dumps(data),
                "csrf_token": http.Request.csrf_token(self),
            },
        )

    @mute_logger("odoo.addons.web.controllers.export", "odoo.http")
    def test_export_route_needs_view_and_export(self):
        refused = self._export("http_report_view")
        self.assertIn("View and Export", refused.text)
        self.assertNotEqual(
            refused.headers.get("Content-Type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        exported = self._export("http_report_export")
        self.assertEqual(exported.status_code, 200)
        self.assertEqual(
            exported.headers["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def test_pivot_download_not_offered_without_export(self):
        self.start_tour(
            "/odoo/leads-report",
            "leads_management_report_no_export_tour",
            login="http_report_view",
        )
        self.start_tour(
            "/odoo/leads-report",
            "leads_management_report_export_tour",
            login="http_report_export",
        )
