import base64
import csv
import datetime
import io

import pytz

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, tagged

from odoo.addons.leads_management.tools import conversion_csv

from .common import LeadsCommon


class ConversionCommon(LeadsCommon):
    """Converted leads of company A (New York time) with and without click ids."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a.partner_id.tz = "America/New_York"
        cls.usd = cls.env.ref("base.USD")
        cls.company_a.currency_id = cls.usd
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.exporter = cls.make_user("conv_exporter", "report_export,view_working")
        cls.viewer = cls.make_user("conv_viewer", "report_view,view_working")
        winter = datetime.datetime(2026, 1, 15, 15, 30)
        summer = datetime.datetime(2026, 7, 1, 12, 0)
        cls.lead_g1 = cls._converted("G1", winter, gclid="=G1", value=(4500, "usd"))
        cls.lead_g2 = cls._converted("G2", summer, gclid="G2")
        cls.lead_m3 = cls._converted("M3", winter, msclkid="M3", value=(1234, "eur"))
        cls._converted("No click", winter)
        cls.env["leads.lead"].create(
            {
                "name": "Open",
                "phone": "+1 415 555 0661",
                "gclid": "G-open",
                "company_id": cls.company_a.id,
            }
        )
        cls._converted("Other", winter, company=cls.company_b, gclid="G-b")

    @classmethod
    def _converted(cls, name, when, company=None, value=None, **click_ids):
        company = company or cls.company_a
        lead = (
            cls.env["leads.lead"]
            .with_company(company)
            .create(
                {
                    "name": name,
                    "email": f"{name.replace(' ', '')}@example.com",
                    "company_id": company.id,
                    **click_ids,
                }
            )
        )
        lead.action_convert()
        lead.converted_date = when
        if value:
            lead._leads_set_conversion_value(*value)
        return lead

    def _export(self, user=None, **values):
        env = self.env(
            user=user or self.exporter,
            context={"allowed_company_ids": [self.company_a.id]},
        )
        wizard = env["leads.conversion.export"].create(
            {"conversion_name": "Booked client", **values}
        )
        wizard.action_export()
        return wizard

    def _rows(self, wizard):
        text = base64.b64decode(wizard.file).decode("utf-8")
        return list(csv.reader(io.StringIO(text, newline="")))


@tagged("post_install", "-at_install")
class TestConversionExport(ConversionCommon):
    def test_google_csv(self):
        wizard = self._export(platform="google_ads")
        self.assertEqual(wizard.filename, "google-ads-conversions.csv")
        self.assertEqual(
            self._rows(wizard),
            [
                ["Parameters:TimeZone=America/New_York"],
                conversion_csv.GOOGLE_HEADER,
                # 15:30 UTC in January is 10:30 in New York (EST); the formula
                # cell is written as text.
                ["'=G1", "Booked client", "2026-01-15 10:30:00", "45.00", "USD"],
                # 12:00 UTC in July is 08:00 (EDT); no payment, no value.
                ["G2", "Booked client", "2026-07-01 08:00:00", "", "USD"],
            ],
        )

    def test_microsoft_csv(self):
        wizard = self._export(platform="microsoft_ads")
        self.assertEqual(
            self._rows(wizard),
            [
                conversion_csv.MICROSOFT_HEADER,
                ["M3", "Booked client", "2026-01-15T10:30:00-05:00", "12.34", "EUR"],
            ],
        )

    def test_dates_in_the_business_time_zone(self):
        wizard = self._export(
            platform="google_ads",
            date_from=datetime.date(2026, 1, 1),
            date_to=datetime.date(2026, 6, 30),
        )
        self.assertEqual([row[0] for row in self._rows(wizard)[2:]], ["'=G1"])

    def test_refused_without_export_permission(self):
        env = self.env(user=self.viewer)
        with self.assertRaises(AccessError):
            env["leads.conversion.export"].create({"platform": "google_ads"})
        wizard = self.env["leads.conversion.export"].create({"platform": "google_ads"})
        with self.assertRaisesRegex(AccessError, "View and Export"):
            wizard.with_user(self.viewer).action_export()


@tagged("post_install", "-at_install")
class TestConversionInsights(ConversionCommon):
    def test_report_by_click_platform(self):
        groups = self.env["leads.report"].formatted_read_group(
            [("company_id", "=", self.company_a.id)],
            ["click_platform"],
            ["__count", "conversion_count:sum", "conversion_rate:avg"],
        )
        by_platform = {
            g["click_platform"]: (
                g["__count"],
                g["conversion_count:sum"],
                g["conversion_rate:avg"],
            )
            for g in groups
        }
        self.assertEqual(
            by_platform,
            {
                "google_ads": (3, 2, 200 / 3),
                "microsoft_ads": (1, 1, 100.0),
                False: (1, 1, 100.0),
            },
        )


class TestConversionCsvTool:
    def test_neutralize(self):
        assert [
            conversion_csv.neutralize(v) for v in ("=1", "+1", "-1", "@a", "a")
        ] == [
            "'=1",
            "'+1",
            "'-1",
            "'@a",
            "a",
        ]

    def test_google_time_zone_line(self):
        tz = pytz.timezone("Europe/Brussels")
        row = conversion_csv.Conversion(
            "g", "n", pytz.UTC.localize(datetime.datetime(2026, 3, 1, 9)), 1.5, "EUR"
        )
        text = conversion_csv.google_csv([row], tz).decode()
        assert text.splitlines() == [
            "Parameters:TimeZone=Europe/Brussels",
            ",".join(conversion_csv.GOOGLE_HEADER),
            "g,n,2026-03-01 10:00:00,1.50,EUR",
        ]


@tagged("post_install", "-at_install")
class TestConversionExportRoutes(HttpCase, ConversionCommon):
    """The wizard through the web client's route."""

    def call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _context(self):
        return {"context": {"allowed_company_ids": [self.company_a.id]}}

    def test_export_through_the_web_client(self):
        self.authenticate("conv_exporter", "conv_exporter")
        wizard_id = self.call_kw(
            "leads.conversion.export",
            "create",
            [{"platform": "microsoft_ads", "conversion_name": "Booked"}],
            self._context(),
        )
        self.call_kw(
            "leads.conversion.export", "action_export", [[wizard_id]], self._context()
        )
        [values] = self.call_kw(
            "leads.conversion.export",
            "read",
            [[wizard_id], ["file", "filename"]],
            {"context": {**self._context()["context"], "bin_size": False}},
        )
        rows = list(csv.reader(io.StringIO(base64.b64decode(values["file"]).decode())))
        self.assertEqual(
            rows[1], ["M3", "Booked", "2026-01-15T10:30:00-05:00", "12.34", "EUR"]
        )

    def test_refused_through_the_web_client_without_export(self):
        self.authenticate("conv_viewer", "conv_viewer")
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.call_kw(
                "leads.conversion.export",
                "create",
                [{"platform": "google_ads"}],
                self._context(),
            )
