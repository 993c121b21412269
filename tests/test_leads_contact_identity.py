"""Who a lead is: one phone and email rule, one normalisation and one set of
match criteria for every way a lead is written (form, RPC, import, webhook),
and the default search finding a lead by its name, phone or email."""

import base64
import csv
import io
import random

from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, Form, HttpCase, tagged
from odoo.tools import email_normalize, mute_logger

from odoo.addons.leads_management.tools.contact import (
    ContactError,
    email_key,
    normalize_email,
    normalize_phone,
    visible,
)

from .common import LeadsCommon
from .common_webhook import WebhookCommon

EM_SPACE = "\u2003"
RLO = "\u202e"
# +1 646 301 0001 in full-width characters.
FULL_WIDTH_0001 = (
    "\uff0b\uff11 \uff16\uff14\uff16 \uff13\uff10\uff11 \uff10\uff10\uff10\uff11"
)
MALFORMED_EMAILS = [
    "not-an-email",
    "bob@@example.com",
    "a@b@c",
    "someone.else@victim.x@example.com",
    "Jane <jane@example.com>",
    "a@example.com, b@example.com",
    "a..b@example.com",
    "a@example.com.",
    "a b@example.com",
]


@tagged("post_install", "-at_install")
class TestContactRules(BaseCase):
    """tools/contact.py, without a database."""

    def assertRefused(self, normalize, value, code):
        with self.assertRaises(ContactError) as caught:
            normalize(value)
        self.assertEqual(caught.exception.code, code, repr(value))

    def test_look_alike_phone_spellings_normalise_to_one(self):
        for spelling in (
            "+1 646 301 0001",
            f"+1{EM_SPACE}646 301 0001",
            "+1\xa0646\u2009301  0001",
            FULL_WIDTH_0001,
            "+\u0661 \u0666\u0664\u0666 \u0663\u0660\u0661 \u0660\u0660\u0660\u0661",
            "  +1 646 301 0001\t",
        ):
            self.assertEqual(normalize_phone(spelling), "+1 646 301 0001", spelling)

    def test_phone_with_control_or_invisible_characters_is_refused(self):
        for value in (
            "+1 646\r301 0001",
            "+1 646\n301 0001",
            "+1 646\t301 0001",
            f"+1 646 {RLO}301 0001",
            "+1 646\u200b301 0001",
            "+1 646\u2028301 0001",
        ):
            self.assertRefused(normalize_phone, value, "invisible")

    def test_phone_needs_phone_characters_and_three_digits(self):
        for value in ("12", "call me", "-123", "@SUM(1)", "+1 415 555 0103 ext. 9"):
            self.assertRefused(normalize_phone, value, "phone")
        self.assertEqual(normalize_phone("12345"), "12345")
        self.assertEqual(normalize_phone("(415) 555-0137"), "(415) 555-0137")
        self.assertEqual(normalize_phone("  "), "")

    def test_malformed_emails_are_refused(self):
        for value in MALFORMED_EMAILS:
            self.assertRefused(normalize_email, value, "email")

    def test_emails_with_line_breaks_or_bidi_overrides_are_refused(self):
        for value in (
            "a@b.com\r\nBcc: x@y.com",
            "a@b.com\nx",
            f"{RLO}moc.elpmaxe@a",
            "a\u200b@example.com",
        ):
            self.assertRefused(normalize_email, value, "invisible")

    def test_emails_starting_like_a_formula_are_refused(self):
        for value in ("=a@example.com", "+a@example.com", "-a@example.com"):
            self.assertRefused(normalize_email, value, "formula")

    def test_valid_emails_are_kept_as_typed_and_keyed(self):
        for value, stored, key in (
            (
                " Mixed.Case@Example.COM ",
                "Mixed.Case@Example.COM",
                "mixed.case@example.com",
            ),
            ("A@B", "A@B", "a@b"),
            ("o'brien+tag@x.example", "o'brien+tag@x.example", "o'brien+tag@x.example"),
            ("Élodie@X.example", "Élodie@X.example", "Élodie@x.example"),
        ):
            self.assertEqual(normalize_email(value), stored)
            self.assertEqual(email_key(stored), key)
        self.assertFalse(email_key(""))

    def test_email_key_is_what_odoo_stores_in_email_normalized(self):
        """The import and the webhooks write the key with the lead, where
        create() computes it with Odoo's email_normalize: both agree."""
        rnd = random.Random(7)
        atext = "aZ09_%+-'!#$&*/=?^`{|}~éßÅ"
        checked = 0
        for _ in range(5000):
            local = ".".join(
                "".join(rnd.choice(atext) for _ in range(rnd.randint(1, 5)))
                for _ in range(rnd.randint(1, 3))
            )
            domain = ".".join(
                "".join(rnd.choice("aZ09-é") for _ in range(rnd.randint(1, 5)))
                for _ in range(rnd.randint(1, 3))
            )
            try:
                address = normalize_email(f"{local}@{domain}")
            except ContactError:
                continue
            checked += 1
            self.assertEqual(email_key(address), email_normalize(address), address)
        self.assertGreater(checked, 1000)

    def test_refused_values_are_shown_with_their_invisible_characters(self):
        self.assertEqual(visible("a@b.com\r\nBcc"), "a@b.com\\r\\nBcc")
        self.assertEqual(visible(f"{RLO}x"), "\\u202ex")


class ContactIdentityHttp(HttpCase, LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.adder = cls.make_user("identity_adder", "view_working,add,edit_info")
        cls.adder.password = "identity_adder"

    def call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def call_kw_error(self, model, method, args, kwargs=None):
        """The error answer of a refused call_kw (its name and message)."""
        answer = self.url_open(
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
        self.assertIn("error", answer)
        return answer["error"]["data"]

    def leads(self, company=None):
        return (
            self.env["leads.lead"]
            .with_context(active_test=False)
            .search([("company_id", "=", (company or self.company_a).id)])
        )


@tagged("post_install", "-at_install")
class TestContactRulesOverRpc(ContactIdentityHttp):
    @mute_logger("odoo.http")
    def test_rpc_create_without_phone_or_email_is_refused(self):
        self.authenticate("identity_adder", "identity_adder")
        for method, args, kwargs in (
            ("create", [{"name": "No contact"}], {}),
            ("create", [[{"name": "No contact"}]], {}),
            ("web_save", [[], {"name": "No contact"}], {"specification": {}}),
            ("create", [{"name": "Blank", "phone": "  ", "email": " "}], {}),
        ):
            error = self.call_kw_error("leads.lead", method, args, kwargs)
            self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
            self.assertIn("needs a phone number or an email address", error["message"])
        self.assertFalse(self.leads())

    @mute_logger("odoo.http")
    def test_rpc_create_and_write_refuse_malformed_emails(self):
        self.authenticate("identity_adder", "identity_adder")
        for email in MALFORMED_EMAILS:
            error = self.call_kw_error(
                "leads.lead", "create", [{"name": "Bad", "email": email}]
            )
            self.assertEqual(error["name"], "odoo.exceptions.ValidationError", email)
            self.assertIn("is not a valid email address", error["message"])
        self.assertFalse(self.leads())
        lead = self.create_lead(email="good@example.com", phone=False)
        error = self.call_kw_error(
            "leads.lead", "write", [[lead.id], {"email": "bob@@example.com"}]
        )
        self.assertIn("bob@@example.com is not a valid email address", error["message"])
        self.assertEqual(lead.email, "good@example.com")

    @mute_logger("odoo.http")
    def test_rpc_refuses_line_breaks_and_invisible_characters(self):
        self.authenticate("identity_adder", "identity_adder")
        for vals, shown in (
            ({"email": "a@b.com\r\nBcc: x@y.com"}, "a@b.com\\r\\nBcc: x@y.com"),
            ({"email": f"{RLO}moc.elpmaxe@a"}, "\\u202emoc.elpmaxe@a"),
            ({"phone": "+1 646\n301 0001"}, "+1 646\\n301 0001"),
            ({"phone": "+1 646\t301 0001"}, "+1 646\\t301 0001"),
        ):
            error = self.call_kw_error("leads.lead", "create", [dict(vals, name="X")])
            self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
            self.assertIn(shown, error["message"])
            self.assertIn("invisible character", error["message"])
        self.assertFalse(self.leads())

    def test_rpc_stores_one_spelling_of_look_alike_phones(self):
        self.authenticate("identity_adder", "identity_adder")
        first = self.call_kw(
            "leads.lead", "create", [{"name": "First", "phone": "+1 646 301 0001"}]
        )
        second = self.call_kw(
            "leads.lead",
            "create",
            [{"name": "Second", "phone": f"+1{EM_SPACE}646 301 0001"}],
        )
        first, second = self.env["leads.lead"].browse([first, second])
        self.assertEqual(second.phone, "+1 646 301 0001")
        self.assertEqual(second.phone_sanitized, first.phone_sanitized)
        self.assertEqual(second.duplicate_lead_ids, first)


@tagged("post_install", "-at_install")
class TestContactRulesInTheForm(LeadsCommon):
    def form(self):
        adder = self.make_user("identity_form", "view_working,view_contact,add")
        env = self._lead_env(adder, self.company_a)
        return Form(env["leads.lead"])

    def test_form_refuses_a_malformed_email_with_a_clear_message(self):
        form = self.form()
        form.name = "Bob"
        form.email = "bob@@example.com"
        with self.assertRaisesRegex(
            ValidationError, r"bob@@example\.com is not a valid email address"
        ):
            form.save()
        self.assertFalse(self.env["leads.lead"].search([("name", "=", "Bob")]))

    def test_form_stores_ascii_digits_and_warns_of_the_same_number(self):
        first = self.create_lead(name="Typed", phone="+1 415 555 0163")
        form = self.form()
        form.name = "Arabic digits"
        form.phone = (
            "+\u0661 \u0664\u0661\u0665 \u0665\u0665\u0665 \u0660\u0661\u0666\u0663"
        )
        lead = form.save()
        self.assertEqual(lead.phone, "+1 415 555 0163")
        self.assertEqual(lead.phone_sanitized, "+14155550163")
        self.assertEqual(lead.duplicate_lead_ids, first)


@tagged("post_install", "-at_install")
class TestContactRulesInTheImport(ContactIdentityHttp):
    def import_file(self, content, context=None):
        """The import wizard over RPC, as the browser runs it."""
        self.authenticate("identity_importer", "identity_importer")
        kwargs = {"context": context or {}}
        wizard_id = self.call_kw(
            "leads.import.wizard",
            "create",
            [
                {
                    "file": base64.b64encode(content.encode()).decode(),
                    "filename": "leads.csv",
                    "company_id": self.company_a.id,
                }
            ],
            kwargs,
        )
        self.call_kw("leads.import.wizard", "action_import", [[wizard_id]], kwargs)
        return self.env["leads.import.wizard"].browse(wizard_id)

    def failed_rows(self, wizard):
        data = base64.b64decode(wizard.error_file).decode("utf-8-sig")
        return {row[0]: row for row in csv.reader(io.StringIO(data, newline=""))}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.importer = cls.make_user(
            "identity_importer", "view_working,view_contact,import"
        )
        cls.importer.password = "identity_importer"

    def test_import_fails_rows_with_malformed_emails_naming_the_reason(self):
        content = (
            "Name,Phone,Email\n"
            "Good,,good@example.com\n"  # row 2
            "Not an email,,not-an-email\n"  # row 3
            "Double at,,bob@@example.com\n"  # row 4
            "Two ats,,a@b@c\n"  # row 5
            "Someone else,,someone.else@victim.x@example.com\n"  # row 6
            'Header injection,,"a@b.com\r\nBcc: x@y.com"\n'  # row 7
            f"Reversed,,{RLO}moc.elpmaxe@a\n"  # row 8
            'Line break phone,"+1 646\n301 0001",\n'  # row 9
        )
        wizard = self.import_file(content)
        self.assertEqual(
            (wizard.created_count, wizard.failed_count), (1, 7), wizard.preview_errors
        )
        self.assertEqual(self.leads().mapped("email"), ["good@example.com"])
        rows = self.failed_rows(wizard)
        self.assertEqual(
            sorted(rows.keys() - {"Row"}), ["3", "4", "5", "6", "7", "8", "9"]
        )
        for row in ("3", "4", "5", "6"):
            self.assertIn("is not a valid email address", rows[row][1])
        self.assertIn("a@b.com\\r\\nBcc: x@y.com", rows["7"][1])
        for row in ("7", "8", "9"):
            self.assertIn("invisible character", rows[row][1])

    def test_import_stores_look_alike_phones_as_one_number(self):
        self.create_lead(name="Existing", phone="+1 646 301 0001")
        content = (
            "Name,Phone,Email\n"
            f"Em space,+1{EM_SPACE}646 301 0001,\n"
            f"Full width,{FULL_WIDTH_0001[:-1]}\uff12,\n"
            "Plain,+1 646 301 0003,\n"
        )
        wizard = self.import_file(content)
        self.assertEqual(
            (wizard.created_count, wizard.skipped_count, wizard.failed_count),
            (2, 1, 0),
            wizard.preview_errors,
        )
        self.assertEqual(
            sorted(self.leads().mapped("phone")),
            ["+1 646 301 0001", "+1 646 301 0002", "+1 646 301 0003"],
        )

    def test_import_context_defaults_never_link_leads_to_a_client(self):
        """An importer's RPC context naming a client (default_partner_id and
        the other conversion fields) makes no converted lead: the COPY path
        goes through the create funnel that drops them."""
        client = self.env["res.partner"].create(
            {"name": "Some Client", "company_id": self.company_a.id}
        )
        content = (
            "Name,Phone,Email\n"
            "Copied 1,+1 415 555 0201,\n"
            "Copied 2,+1 415 555 0202,\n"
            "Copied 3,+1 415 555 0203,\n"
        )
        wizard = self.import_file(
            content,
            context={
                "default_partner_id": client.id,
                "default_conversion_trigger": "manual",
                "default_converted_date": "2026-01-31 10:00:00",
            },
        )
        self.assertEqual(wizard.created_count, 3, wizard.preview_errors)
        leads = self.leads()
        self.assertEqual(len(leads), 3)
        self.assertFalse(leads.partner_id)
        self.assertFalse(any(leads.mapped("converted_date")))
        self.assertFalse(any(leads.mapped("conversion_trigger")))
        self.assertFalse(client.lead_ids)


@tagged("post_install", "-at_install")
class TestCreateFunnel(LeadsCommon):
    """create() and the import's COPY writer go through one funnel."""

    def copy_model(self, **context):
        return (
            self.env["leads.lead"]
            .with_user(self.manager)
            .with_company(self.company_a)
            .sudo()
            .with_context(tracking_disable=True, **context)
        )

    def test_copy_path_drops_conversion_defaults_as_create_does(self):
        client = self.env["res.partner"].create(
            {"name": "Some Client", "company_id": self.company_a.id}
        )
        Lead = self.copy_model(
            default_partner_id=client.id,
            default_conversion_trigger="manual",
            default_converted_date="2026-01-31 10:00:00",
        )
        vals_list = [
            {"name": f"Copied {i}", "phone": f"+1 415 555 02{i:02d}"} for i in range(3)
        ]
        copied = Lead._leads_copy_create([dict(vals) for vals in vals_list])
        created = Lead.create([dict(vals) for vals in vals_list])
        for leads in (copied, created):
            self.assertFalse(leads.partner_id)
            self.assertFalse(any(leads.mapped("converted_date")))
            self.assertFalse(any(leads.mapped("conversion_trigger")))

    def test_copy_path_refuses_a_lead_without_phone_or_email(self):
        # No row names a phone or an email: no constraint of theirs would run.
        Lead = self.copy_model()
        with self.assertRaisesRegex(
            ValidationError, "needs a phone number or an email"
        ):
            Lead._leads_copy_create([{"name": "No contact"}, {"name": "Nor this"}])
        self.assertFalse(
            self.env["leads.lead"].search([("name", "in", ["No contact", "Nor this"])])
        )

    def test_copy_path_normalises_the_contact_as_create_does(self):
        Lead = self.copy_model()
        leads = Lead._leads_copy_create(
            [
                {"name": "Em space", "phone": f"+1{EM_SPACE}646 301 0001"},
                {"name": "Mail", "email": " Mixed@Example.COM "},
            ]
        )
        self.assertEqual(leads.mapped("phone"), ["+1 646 301 0001", False])
        self.assertEqual(leads.mapped("phone_sanitized"), ["+16463010001", False])
        self.assertEqual(leads.mapped("email"), [False, "Mixed@Example.COM"])
        with self.assertRaisesRegex(ValidationError, "not a valid email address"):
            Lead._leads_copy_create(
                [{"name": "A", "email": "a@b@c"}, {"name": "B", "email": "b@x.com"}]
            )


@tagged("post_install", "-at_install")
class TestContactRulesInWebhooks(WebhookCommon):
    def test_webhook_refuses_malformed_emails_naming_the_field(self):
        for email in MALFORMED_EMAILS:
            data = self.assertError(
                self.post(
                    self.event("intake_form.submitted", contact={"email": email})
                ),
                400,
                "invalid_payload",
            )
            self.assertTrue(
                data["error"]["message"].startswith("contact.email must be one email"),
                data,
            )
        self.assertFalse(self.Lead.search([("company_id", "=", self.company_a.id)]))

    def test_intake_form_from_a_double_at_address_never_updates_another_lead(self):
        victim = self.create_lead(
            name="Victim", email="victim.x@example.com", phone=False
        )
        messages = len(victim.message_ids)
        self.assertError(
            self.post(
                self.event(
                    "intake_form.submitted",
                    contact={
                        "name": "Someone Else",
                        "email": "someone.else@victim.x@example.com",
                    },
                    message="Please call me",
                )
            ),
            400,
            "invalid_payload",
        )
        victim.invalidate_recordset()
        self.assertEqual(victim.name, "Victim")
        self.assertEqual(len(victim.message_ids), messages)

    def test_webhook_refuses_line_breaks_and_invisible_characters(self):
        for contact, field in (
            ({"email": "a@b.com\r\nBcc: x@y.com"}, "contact.email"),
            ({"email": f"{RLO}moc.elpmaxe@a"}, "contact.email"),
            ({"phone": "+1 646\r\n301 0001"}, "contact.phone"),
            ({"phone": "+1 646\t301 0001"}, "contact.phone"),
        ):
            data = self.assertError(
                self.post(self.event("intake_form.submitted", contact=contact)),
                400,
                "invalid_payload",
            )
            self.assertEqual(
                data["error"]["message"],
                f"{field} must not contain tabs, line breaks or invisible characters.",
            )

    def test_em_space_in_a_phone_updates_the_same_lead(self):
        first = self.assertResult(
            self.post(self.event(contact={"phone": "+1 646 301 0001"})), "lead_created"
        )
        second = self.assertResult(
            self.post(self.event(contact={"phone": f"+1{EM_SPACE}646 301 0001"})),
            "lead_updated",
        )
        self.assertEqual(second["lead_id"], first["lead_id"])
        third = self.assertResult(
            self.post(
                self.event(
                    contact={
                        "phone": "+\u0661 \u0666\u0664\u0666 \u0663\u0660\u0661 "
                        "\u0660\u0660\u0660\u0661"
                    }
                )
            ),
            "lead_updated",
        )
        self.assertEqual(third["lead_id"], first["lead_id"])
        self.assertEqual(self.Lead.browse(first["lead_id"]).phone, "+1 646 301 0001")


@tagged("post_install", "-at_install")
class TestDefaultSearch(ContactIdentityHttp):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.searcher = cls.make_user("identity_searcher", "view_working,view_contact")
        cls.searcher.password = "identity_searcher"
        cls.no_contact = cls.make_user("identity_no_contact", "view_working")
        cls.no_contact.password = "identity_no_contact"
        Lead = cls.env["leads.lead"].with_company(cls.company_a)
        cls.target = Lead.create(
            {
                "name": "Phone Search Lead",
                "phone": "+1 415 555 0137",
                "email": "Search.Me@Example.com",
                "company_id": cls.company_a.id,
            }
        )
        cls.other = Lead.create(
            {
                "name": "Other Lead",
                "phone": "+1 415 555 0999",
                "company_id": cls.company_a.id,
            }
        )

    def name_search(self, text):
        return [
            lead_id
            for lead_id, _name in self.call_kw(
                "leads.lead", "name_search", [], {"name": text}
            )
        ]

    def test_name_search_finds_a_lead_by_name_phone_in_any_format_or_email(self):
        self.authenticate("identity_searcher", "identity_searcher")
        for text in (
            "Phone Search",
            "(415) 555-0137",
            "415.555.0137",
            "+14155550137",
            "001 415 555 0137",
            f"415{EM_SPACE}555 0137",
            "555-0137",
            "search.me@example.com",
            "SEARCH.ME@",
        ):
            self.assertEqual(self.name_search(text), [self.target.id], text)

    def test_search_view_first_field_finds_a_lead_by_phone(self):
        self.authenticate("identity_searcher", "identity_searcher")
        answer = self.call_kw(
            "leads.lead",
            "web_search_read",
            [[("display_name", "ilike", "(415) 555-0137")]],
            {"specification": {"name": {}}},
        )
        self.assertEqual([r["id"] for r in answer["records"]], [self.target.id])

    def test_search_by_phone_needs_the_contact_permission(self):
        self.authenticate("identity_no_contact", "identity_no_contact")
        self.assertEqual(self.name_search("(415) 555-0137"), [])
        self.assertEqual(self.name_search("search.me@example.com"), [])
        self.assertEqual(self.name_search("Phone Search"), [self.target.id])


@tagged("post_install", "-at_install", "leads_tour")
class TestDefaultSearchTour(ContactIdentityHttp):
    def test_phone_typed_in_the_search_finds_the_lead(self):
        admin = self.env.ref("base.user_admin")
        admin.write(
            {"company_ids": [(4, self.company_a.id)], "company_id": self.company_a.id}
        )
        self.create_lead(name="Phone Search Lead", phone="+1 415 555 0137")
        self.create_lead(name="Other Lead", phone="+1 415 555 0999")
        self.start_tour(
            "/odoo/leads", "leads_management_phone_search_tour", login="admin"
        )
