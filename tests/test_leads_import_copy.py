"""The import's COPY path (leads.lead._leads_copy_create) stores what create()
stores."""

import random
from unittest.mock import patch

import psycopg2

from odoo import api
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import email_normalize, mute_logger

from odoo.addons.leads_management.models.leads_text import text_to_html
from odoo.addons.leads_management.tools.contact import (
    ContactError,
    email_key,
    normalize_email,
)

from .common import LeadsCommon

# Columns that differ between two leads created from the same values.
VOLATILE = {"id", "create_date", "write_date"}

TRICKY_TEXTS = [
    'Said "hi"\nthen left',
    "a & b < c > d 'q'",
    "line1\n\nline2\n\n\nline3",
    "http://x.example/?a=1&b=2 www.y.example",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "  spaced  \ttab",
    "\xa0nbsp\xa0",
    "--\nSignature",
    "-- \nSignature",
    "a\r\nb\rc",
    "=SUM(A1)",
    "\x0bvertical\x0cfeed\x1b",
    "emoji 🐶 ünïcode — ✓",
    "\n\n\n",
    "&amp; &#34; &lt; already escaped",
    "<!-- comment --> ]]>",
    "a\n\n--\nb",
    "a\n\n-- \nSignature",
    "a\ufffeb\uffff",
]


@tagged("post_install", "-at_install")
class TestLeadsImportCopy(LeadsCommon):
    def _copy_env(self, user=None):
        user = user or self.manager
        return (
            self.env["leads.lead"]
            .with_user(user)
            .with_company(self.company_a)
            .sudo()
            .with_context(
                tracking_disable=True, mail_create_nolog=True, mail_notrack=True
            )
        )

    def _vals(self, index, **extra):
        phone = f"+1 415 555 {index:04d}"
        return {
            "name": f"Copy {index}",
            "phone": phone,
            "email": f"copy{index}@example.com",
            "phone_sanitized": f"+1415555{index:04d}",
            "email_normalized": f"copy{index}@example.com",
            "description": text_to_html(f"Row {index}\nnotes & <more>"),
            "company_id": self.company_a.id,
            **extra,
        }

    def _stored(self, lead):
        """Every stored column of ``lead`` as read from the database."""
        lead.invalidate_recordset()
        names = [
            name
            for name, field in lead._fields.items()
            if field.store and field.column_type and name not in VOLATILE
        ]
        values = lead.read(names)[0]
        del values["id"]
        return values

    def _create_shout_field(self):
        """A stored computed custom field: the name in capitals."""
        self.create_manual_field(
            "x_shout",
            "Shout",
            "char",
            store=True,
            readonly=True,
            depends="name",
            compute="for lead in self:\n    lead['x_shout'] = lead.name.upper()",
        )

    def test_copy_stores_what_create_stores(self):
        # A custom field with a default, a computed stored one.
        self.create_manual_field("x_size", "Size", "char")
        self._create_shout_field()
        self.env["ir.default"].set("leads.lead", "x_size", "Medium")
        Lead = self._copy_env()
        vals_list = [self._vals(1), self._vals(2, name="  Padded  ")]
        copied = Lead._leads_copy_create(
            [dict(vals) for vals in vals_list], escaped_html=("description",)
        )
        created = Lead._create_normalized([dict(vals) for vals in vals_list])
        self.maxDiff = None
        self.assertEqual(len(copied), 2)
        for copy, create in zip(copied, created, strict=True):
            self.assertEqual(self._stored(copy), self._stored(create))
        first = copied[0]
        self.assertEqual(first.x_size, "Medium", "defaults apply")
        self.assertEqual(first.x_shout, "COPY 1", "stored computes run")
        self.assertEqual(copied[1].name, "Padded", "create()'s rules apply")
        self.assertEqual(first.stage_id, self.stage_lead)
        self.assertEqual(first.create_uid, self.manager)
        self.assertEqual(first.phone_sanitized, "+14155550001")
        # The new leads are found like any other (no stale cache).
        self.assertEqual(
            self.env["leads.lead"].search(
                [("phone_sanitized", "=", "+14155550002"), ("name", "=", "Padded")]
            ),
            copied[1] | created[1],
        )

    def test_copy_caches_what_the_database_holds(self):
        """Like create(), COPY leaves the new leads in cache: their constraints
        and the import read them without a query, and every value in cache is
        what a read from the database returns (None where the column is
        NULL)."""
        Lead = self._copy_env()
        leads = Lead._leads_copy_create(
            [self._vals(11), self._vals(12, email=False, email_normalized=False)],
            escaped_html=("description",),
        )
        fields = [
            field
            for field in leads._fields.values()
            if field.store and field.column_type and field.type != "html"
        ]
        cached = {
            (field.name, lead.id): field._get_cache(self.env)[lead.id]
            for field in fields
            for lead in leads
            if lead.id in field._get_cache(self.env)
            and not self.env.is_to_compute(field, lead)
        }
        self.assertIn(("phone_sanitized", leads[0].id), cached)
        self.assertIn(("stage_id", leads[0].id), cached)
        self.assertIsNone(cached["email", leads[1].id])
        with self.assertQueryCount(0):
            leads[0].phone, leads[1].email, leads[0].stage_id.id  # noqa: B018
        self.env.invalidate_all()
        leads.fetch([name for name, _id in cached])
        for (name, lead_id), value in cached.items():
            field = leads._fields[name]
            stored = field._get_cache(self.env)[lead_id]
            if value is None:
                self.env.cr.execute(
                    f'SELECT "{name}" IS NULL FROM leads_lead WHERE id = %s',
                    [lead_id],
                )
                self.assertTrue(self.env.cr.fetchone()[0], name)
            else:
                self.assertEqual(value, stored, name)

    def test_copy_runs_the_work_given_meanwhile(self):
        """``meanwhile`` runs during the COPY (the connection is busy with it,
        so a step may not query), all of it."""
        states = []
        connection = self.env.cr.connection

        def work():
            for _index in range(50):
                states.append(connection.info.transaction_status)
                yield

        leads = self._copy_env()._leads_copy_create(
            [self._vals(index) for index in range(20, 60)], meanwhile=work()
        )
        self.assertEqual(len(leads), 40)
        self.assertEqual(states, [psycopg2.extensions.TRANSACTION_STATUS_ACTIVE] * 50)
        self.assertEqual(leads[-1].phone_sanitized, "+14155550059")

    def test_copy_step_error_is_not_a_database_error(self):
        """An error of a step is raised as what it is, not as the failed COPY
        psycopg2 reports (that callers take for bad data and retry row by
        row). (A query during the COPY breaks the connection's protocol and
        the transaction with it: it cannot be shown in a test's transaction.)
        """

        def failing():
            yield
            raise KeyError("bug")

        with self.assertRaises(KeyError), self.env.cr.savepoint():
            self._copy_env()._leads_copy_create(
                [self._vals(61), self._vals(62)], meanwhile=failing()
            )
        self.assertFalse(
            self.env["leads.lead"].search([("phone_sanitized", "=", "+14155550061")])
        )

    def test_given_computed_value_goes_through_create(self):
        """create() decides per lead which given computed values it keeps:
        such a batch goes through it, and the value is computed over."""
        self._create_shout_field()
        Lead = self._copy_env()
        calls = []
        create = type(Lead)._create_normalized

        def counting(self, vals_list):
            calls.append(len(vals_list))
            return create(self, vals_list)

        with patch.object(type(Lead), "_create_normalized", counting):
            leads = Lead._leads_copy_create(
                [self._vals(65, x_shout="given"), self._vals(66)]
            )
            self.assertEqual(calls, [2])
            Lead._leads_copy_create([self._vals(67), self._vals(68)])
            self.assertEqual(calls, [2], "the keys alone keep the COPY")
        self.assertEqual(leads.mapped("x_shout"), ["COPY 65", "COPY 66"])

    def test_copy_checks_constraints_and_rules(self):
        Lead = self._copy_env()
        no_contact = self._vals(3, phone=False, email=False)
        no_contact.update(phone_sanitized=False, email_normalized=False)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Lead._leads_copy_create([self._vals(4), no_contact])
        self.assertFalse(
            self.env["leads.lead"].search([("phone_sanitized", "=", "+14155550004")]),
            "the batch is written entirely or not at all",
        )
        # A user from another business as assigned staff: refused as by create().
        outsider = self.make_user("copy_outsider", "view_working", self.company_b)
        with self.assertRaises(UserError), self.env.cr.savepoint():
            Lead._leads_copy_create([self._vals(5, user_id=outsider.id), self._vals(6)])
        # Without sudo (not the import), it is create(), with the user's
        # rules: Leads Management off for the business refuses the batch.
        self.company_a.leads_management_enabled = False
        as_manager = self.env["leads.lead"].with_user(self.manager)
        with self.assertRaisesRegex(UserError, "turned off"):
            as_manager.with_company(self.company_a)._leads_copy_create(
                [self._vals(7), self._vals(8)]
            )

    def test_copy_sanitises_html_defaults(self):
        """Only the caller's escaped notes skip the sanitiser, not a default."""
        markup = '<p>ok</p><img src="x" onerror="alert(1)">'
        Lead = self._copy_env().with_context(default_description=markup)
        vals_list = [self._vals(11), self._vals(12)]
        for vals in vals_list:
            del vals["description"]
        leads = Lead._leads_copy_create(vals_list, escaped_html=("description",))
        for lead in leads:
            self.assertIn("ok", lead.description)
            self.assertNotIn("onerror", lead.description)

    def test_copy_falls_back_to_extended_create(self):
        """A module extending create() sees every imported lead."""
        Lead = self._copy_env()
        calls = []
        create = type(Lead).create

        @api.model_create_multi
        def extended_create(self, vals_list):
            calls.append(len(vals_list))
            return create(self, vals_list)

        self.assertTrue(Lead._leads_copy_supported())
        with patch.object(type(Lead), "create", extended_create):
            self.assertFalse(Lead._leads_copy_supported())
            leads = Lead._leads_copy_create([self._vals(9), self._vals(10)])
        self.assertEqual(calls, [2])
        self.assertEqual(len(leads), 2)

    def test_notes_html_is_already_sanitised(self):
        """What the COPY path stores without the sanitiser is what the
        sanitiser would store (the description field's own conversion)."""
        field = self.env["leads.lead"]._fields["description"]
        record = self.env["leads.lead"]
        rnd = random.Random(42)
        alphabet = "ab <>&\"'\n\r\t\xa0/=;#!-é🐶\x0b\x0c\x7f\u2028\ufeff\xad"
        texts = TRICKY_TEXTS + [
            "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40)))
            for _ in range(1500)
        ]
        for text in texts:
            html = text_to_html(text)
            self.assertEqual(
                field.convert_to_column_insert(html, record), html, repr(text)
            )
        self.assertEqual(
            text_to_html("<b>x</b>\n\ny"), "<p>&lt;b&gt;x&lt;/b&gt;</p><p>y</p>"
        )

    @mute_logger("odoo.tools.mail")
    def test_email_key_of_accepted_addresses_is_email_normalize(self):
        rnd = random.Random(7)
        samples = [
            "A.B+tag@Example.COM",
            "a..b@x.example",
            ".a@x.example",
            "a@x",
            "a@-x.example",
            "Name <a@b.example>",
            "a@b.example, c@d.example",
            "a b@c.example",
            "élodie@x.example",
            "a@b.example.",
        ] + [
            "".join(rnd.choice("aZ09_%+-.@ <>,") for _ in range(rnd.randint(3, 16)))
            for _ in range(20000)
        ]
        for sample in samples:
            try:
                address = normalize_email(sample)
            except ContactError:
                continue
            self.assertEqual(email_key(address), email_normalize(sample), sample)
