from odoo.tests import TransactionCase, new_test_user, tagged

from .common import LeadsCommon


@tagged("post_install", "-at_install")
class TestContactLookups(LeadsCommon, TransactionCase):
    """The webhooks look contacts up in SQL (their hot path); the screens use
    the ORM domains (suggested clients, duplicates). Both find the same."""

    PHONE = "+14155550990"
    EMAIL = "lookup@example.com"

    def find_clients(self, company, phone_key, raw_phone, email_key, limit=1):
        Partner = self.env["res.partner"]
        query = Partner._leads_clients_query(
            company, phone_key, raw_phone, email_key, limit
        )
        if query is None:
            return Partner
        self.env.cr.execute(query)
        return Partner.browse(partner_id for (partner_id,) in self.env.cr.fetchall())

    def test_client_lookup_finds_what_the_client_domain_finds(self):
        Partner = self.env["res.partner"]
        portal = new_test_user(self.env, "lookup_portal", groups="base.group_portal")
        staff = new_test_user(self.env, "lookup_staff", groups="base.group_user")
        gone = new_test_user(self.env, "lookup_gone", groups="base.group_user")
        gone.active = False
        client = Partner.create(
            {"name": "Client", "phone": self.PHONE, "company_id": self.company_a.id}
        )
        shared = Partner.create({"name": "No business", "email": self.EMAIL})
        never = (
            Partner.create(
                {"name": "B", "phone": self.PHONE, "company_id": self.company_b.id}
            )
            | Partner.create({"name": "Gone", "phone": self.PHONE, "active": False})
            | staff.partner_id
            | gone.partner_id
            | self.company_b.partner_id
        )
        (never | portal.partner_id).write({"phone": self.PHONE})
        for phone, raw_phone, email in (
            (self.PHONE, False, self.EMAIL),
            (self.PHONE, False, False),
            (False, False, self.EMAIL),
            (False, "12345", False),
        ):
            with self.subTest(phone=phone, raw_phone=raw_phone, email=email):
                # The domain leaves archived partners out by itself, also
                # where a screen turned active_test off.
                expected = Partner.with_context(active_test=False).search(
                    Partner._leads_contact_domain(phone, raw_phone, email)
                    & Partner._leads_client_domain(self.company_a),
                    order="id",
                )
                found = self.find_clients(
                    self.company_a, phone, raw_phone, email, limit=50
                )
                self.assertEqual(found, expected)
                self.assertFalse(found & never)
        found = self.find_clients(
            self.company_a, self.PHONE, False, self.EMAIL, limit=50
        )
        self.assertEqual(found, client | shared | portal.partner_id)
        self.assertEqual(
            self.find_clients(self.company_a, self.PHONE, False, self.EMAIL),
            found.sorted("id")[:1],
            "the oldest client first",
        )

    def test_open_lead_lookup_order(self):
        Event = self.env["leads.inbound.event"]
        by_email = self.create_lead(name="By email", email=self.EMAIL)
        by_phone = self.create_lead(name="By phone", phone=self.PHONE)
        self.create_lead(name="Archived", phone=self.PHONE).active = False
        converted = self.create_lead(name="Converted", phone=self.PHONE)
        converted.action_convert()
        other = self.create_lead(
            name="Elsewhere", phone=self.PHONE, company=self.company_b
        )
        target = self.create_lead(name="Target", email="target@example.com")
        raw = self.create_lead(name="Raw", phone="12345")
        self.assertFalse(raw.phone_sanitized)

        def find(lead_id=None, phone=False, raw_phone=False, email=False):
            return Event._find_open_lead(
                self.company_a, {"lead_id": lead_id}, phone, raw_phone, email
            )

        # The lead named by the event first, then the phone, then the email,
        # whichever lead is older.
        self.assertEqual(find(target.id, self.PHONE, email=self.EMAIL), target)
        self.assertEqual(find(phone=self.PHONE, email=self.EMAIL), by_phone)
        self.assertEqual(find(email=self.EMAIL), by_email)
        self.assertEqual(find(raw_phone="12345"), raw)
        # Another business's, converted and unknown leads are not named.
        self.assertEqual(find(other.id, self.PHONE), by_phone)
        self.assertEqual(find(converted.id), self.env["leads.lead"])
        self.assertEqual(
            find(2**31 - 1, email="nobody@example.com"), self.env["leads.lead"]
        )
        self.assertEqual(find(), self.env["leads.lead"])
        # Archived and converted leads are never found by their contact.
        by_phone.active = False
        self.assertFalse(find(phone=self.PHONE))
