import threading
import time

import psycopg2
import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import LeadsCommon


class ConversionCommon(LeadsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.converter = new_test_user(
            cls.env,
            login="leads_converter",
            groups="base.group_user,base.group_partner_manager,"
            "leads_management.group_lead_view_working,"
            "leads_management.group_lead_convert",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
        )
        cls.viewer = new_test_user(
            cls.env,
            login="leads_viewer",
            groups="base.group_user,base.group_partner_manager,"
            "leads_management.group_lead_view_working",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
        )
        # Convert right, contact creation not given explicitly.
        cls.converter_no_contact = new_test_user(
            cls.env,
            login="leads_converter_nc",
            groups="base.group_user,leads_management.group_lead_view_working,"
            "leads_management.group_lead_convert",
            company_id=cls.company_a.id,
            company_ids=cls.company_a.ids,
        )


@tagged("post_install", "-at_install")
class TestLeadsConversion(ConversionCommon):
    def test_convert_creates_client(self):
        lead = self.create_lead(
            name="Jane Doe", phone="+1 415 555 0100", email="Jane@Example.com"
        )
        client = lead.with_user(self.converter).action_convert()
        self.assertEqual(len(client), 1)
        self.assertEqual(client.name, "Jane Doe")
        self.assertEqual(client.phone, "+1 415 555 0100")
        self.assertEqual(client.email, "Jane@Example.com")
        self.assertEqual(client.company_id, self.company_a)
        self.assertEqual(lead.partner_id, client)
        self.assertTrue(lead.converted_date)
        self.assertEqual(lead.conversion_trigger, "manual")
        self.assertEqual(lead.stage_id, self.stage_converted)
        self.assertIn(lead, client.lead_ids)
        self.assertEqual(client.lead_count, 1)
        self.assertIn("Converted to the new client", lead.message_ids[0].body)
        self.assertIn("Converted from the lead", client.message_ids[0].body)

    def test_convert_links_existing_client(self):
        client = self.env["res.partner"].create(
            {"name": "Existing", "company_id": self.company_a.id}
        )
        lead = self.create_lead()
        result = lead.with_user(self.converter).action_convert(
            partner=client.id, trigger="booking"
        )
        self.assertEqual(result, client)
        self.assertEqual(lead.partner_id, client)
        self.assertEqual(lead.conversion_trigger, "booking")
        self.assertIn("linked to the client", lead.message_ids[0].body)
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "Jane Doe")]), 0
        )

    def test_already_converted(self):
        lead = self.create_lead()
        lead.action_convert()
        with self.assertRaisesRegex(UserError, "already been converted"):
            lead.action_convert()
        with self.assertRaisesRegex(UserError, "already been converted"):
            lead.with_user(self.converter).action_convert()

    def test_client_of_other_business_refused(self):
        other = self.env["res.partner"].create(
            {"name": "Other", "company_id": self.company_b.id}
        )
        lead = self.create_lead()
        with self.assertRaisesRegex(UserError, "another business"):
            lead.action_convert(partner=other)
        self.assertFalse(lead.converted_date)

    def test_unknown_trigger(self):
        lead = self.create_lead()
        with self.assertRaisesRegex(UserError, "Unknown conversion trigger"):
            lead.action_convert(trigger="magic")

    def test_custom_fields_copied_to_client_history(self):
        self.create_manual_field("x_pet_name", "Pet Name")
        lead = self.create_lead(x_pet_name="Rex <b>")
        client = lead.action_convert()
        body = client.message_ids[0].body
        self.assertIn("Pet Name: Rex &lt;b&gt;", body)

    # ------------------------------------------------------------- access
    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_convert_access(self):
        lead = self.create_lead()
        with self.assertRaisesRegex(AccessError, "not allowed to convert"):
            lead.with_user(self.viewer).action_convert()
        with self.assertRaises(AccessError):
            lead.with_user(self.internal_user).action_convert()
        lead_b = self.create_lead(company=self.company_b)
        with self.assertRaises(AccessError):
            lead_b.with_user(self.converter).action_convert()
        self.assertFalse(lead.converted_date)
        self.assertFalse(lead_b.converted_date)

    def test_convert_right_includes_contact_creation(self):
        """Converting creates the client as the user: the right includes it."""
        self.assertTrue(
            self.converter_no_contact.has_group("base.group_partner_manager")
        )
        lead = self.create_lead()
        lead.with_user(self.converter_no_contact).action_convert()
        self.assertEqual(lead.partner_id.create_uid, self.converter_no_contact)

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_convert_foreign_client_id_over_rpc(self):
        """A crafted client id of another business is refused."""
        lead = self.create_lead()
        foreign = self.env["res.partner"].create(
            {"name": "Foreign", "company_id": self.company_b.id}
        )
        with self.assertRaises(AccessError):
            lead.with_user(self.converter).action_convert(partner=foreign.id)
        self.assertFalse(lead.converted_date)


@tagged("post_install", "-at_install")
class TestLeadsConversionRace(LeadsCommon):
    """Two transactions converting one lead: exactly one client.

    Uses two real cursors on committed data (the test transaction's data is
    invisible to them), and cleans up what it committed.
    """

    def _cursor(self):
        cr = self.registry.cursor()
        # Never hang the suite on a lock held by the test transaction (a SET
        # outlives the transaction only once committed).
        cr.execute("SET lock_timeout = '5s'")
        cr.commit()  # pylint: disable=invalid-commit
        return cr

    def test_two_cursors_make_one_client(self):
        name = "Race Lead 7f3a"
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lead_id = (
                env["leads.lead"].create({"name": name, "phone": "+1 415 555 0142"}).id
            )
        cr1, cr2 = self._cursor(), self._cursor()
        thread = None
        try:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            # cr2's snapshot predates the first conversion.
            cr2.execute("SELECT 1")
            cr2.execute("SELECT pg_backend_pid()")
            cr2_pid = cr2.fetchone()[0]
            env1["leads.lead"].browse(lead_id).action_convert()
            env1.flush_all()
            # The first conversion holds the row: the second one waits for it,
            # and fails once it commits (converted after its snapshot), a
            # serialization failure which is retried.
            outcome = []

            def second_conversion():
                try:
                    env2["leads.lead"].browse(lead_id).action_convert()
                except Exception as exc:  # noqa: BLE001 - asserted below
                    outcome.append(exc)

            thread = threading.Thread(target=second_conversion)
            with mute_logger("odoo.sql_db"):
                thread.start()
                with self._cursor() as probe:
                    for _wait in range(500):
                        probe.execute(
                            "SELECT wait_event_type FROM pg_stat_activity "
                            "WHERE pid = %s",
                            [cr2_pid],
                        )
                        if probe.fetchone()[0] == "Lock":
                            break
                        time.sleep(0.01)
                    else:
                        self.fail("the second conversion did not wait for the lock")
                cr1.commit()
                thread.join(10)
            self.assertFalse(thread.is_alive())
            self.assertEqual(len(outcome), 1)
            self.assertIsInstance(outcome[0], psycopg2.errors.SerializationFailure)
            cr2.rollback()
            env2.invalidate_all()
            # The retry sees the converted lead.
            with self.assertRaisesRegex(UserError, "already been converted"):
                env2["leads.lead"].browse(lead_id).action_convert()
            cr2.rollback()
            cr2.execute("SELECT count(*) FROM res_partner WHERE name = %s", [name])
            self.assertEqual(cr2.fetchone()[0], 1)
        finally:
            if thread:
                thread.join(10)
            cr1.rollback()
            cr2.rollback()
            cr1.close()
            cr2.close()
            with self._cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                lead = env["leads.lead"].with_context(active_test=False).browse(lead_id)
                partner = lead.partner_id
                lead.unlink()
                partner.unlink()


@tagged("post_install", "-at_install")
class TestConvertedLeadsClient(ConversionCommon):
    def test_client_of_converted_leads_cannot_be_deleted(self):
        """A converted lead keeps its client: deleting that client is refused
        with the way out (archive it), even for a contacts manager who cannot
        see the leads; archiving keeps the link."""
        lead = self.create_lead(name="Kept Client", phone="+1 415 555 0161")
        client = lead.with_user(self.converter).action_convert()
        contacts_manager = new_test_user(
            self.env,
            login="contacts_only",
            groups="base.group_user,base.group_partner_manager",
            company_id=self.company_a.id,
            company_ids=self.company_a.ids,
        )
        with self.assertRaisesRegex(UserError, "archive it instead"):
            client.with_user(contacts_manager).unlink()
        self.assertEqual(lead.partner_id, client)
        client.with_user(contacts_manager).action_archive()
        self.assertEqual(lead.partner_id, client)
        # A contact that is no lead's client is deleted as usual.
        other = self.env["res.partner"].create({"name": "Nobody's client"})
        other.with_user(contacts_manager).unlink()
        self.assertFalse(other.exists())
