from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import LeadsCommon


@tagged("post_install", "-at_install")
class TestLeadsLead(LeadsCommon):
    # ------------------------------------------------------------ defaults
    def test_new_lead_defaults(self):
        lead = self.create_lead()
        self.assertFalse(lead.action_status_id, "a new lead has no action status")
        self.assertEqual(lead.stage_id, self.stage_lead)
        self.assertEqual(lead.channel_id, self.channel_manual)
        self.assertEqual(lead.company_id, self.company_a)
        self.assertTrue(lead.active)
        self.assertFalse(lead.partner_id)
        self.assertFalse(lead.converted_date)

    def test_first_stage_follows_sequence(self):
        first = self.env["leads.lifecycle.stage"].create(
            {"name": "Inbox", "sequence": 1}
        )
        self.assertEqual(self.create_lead().stage_id, first)
        # A converted stage never becomes the default, whatever its sequence.
        first.sequence = 50
        self.env["leads.lifecycle.stage"].create(
            {"name": "Won early", "sequence": 0, "is_converted": True}
        )
        self.assertEqual(self.create_lead().stage_id, self.stage_lead)

    def test_default_stage_follows_deletion_and_converted_flag(self):
        Stage = self.env["leads.lifecycle.stage"]

        def default_stage():
            stage_id = self.env["leads.lead"].default_get(["stage_id"])["stage_id"]
            return Stage.browse(stage_id)

        inbox = Stage.create({"name": "Inbox", "sequence": 1})
        self.assertEqual(default_stage(), inbox)
        inbox.unlink()
        self.assertEqual(default_stage(), self.stage_lead)
        waiting = Stage.create({"name": "Waiting", "sequence": 2, "is_converted": True})
        self.assertEqual(default_stage(), self.stage_lead)
        waiting.is_converted = False
        self.assertEqual(default_stage(), waiting)
        self.assertEqual(self.create_lead().stage_id, waiting)
        # Flagged converted again: it only takes converted leads.
        self.env["leads.lead"].search([("stage_id", "=", waiting.id)]).unlink()
        waiting.write({"is_converted": True, "sequence": 99})
        self.assertEqual(default_stage(), self.stage_lead)
        with self.assertRaises(ValidationError):
            self.create_lead().stage_id = waiting

    def test_phone_region_follows_address_sync(self):
        """The business's cached phone region follows its country, also when
        Odoo syncs the address from a parent company."""
        company = self.company_a
        self.assertEqual(company._leads_phone_key("(415) 555-0100"), "+14155550100")
        holding = self.env["res.partner"].create(
            {
                "name": "Paws Holding",
                "is_company": True,
                "country_id": self.env.ref("base.fr").id,
            }
        )
        company.partner_id.write({"parent_id": holding.id, "type": "contact"})
        self.assertEqual(company.partner_id.country_id, self.env.ref("base.fr"))
        self.assertEqual(company._leads_phone_key("06 12 34 56 78"), "+33612345678")

    def test_form_defaults(self):
        with Form(self.env["leads.lead"].with_user(self.manager)) as form:
            self.assertFalse(form.action_status_id)
            self.assertEqual(form.stage_id, self.stage_lead)
            self.assertEqual(form.channel_id, self.channel_manual)
            form.name = "Walk-in"
            form.phone = "415 555 0199"
        lead = form.record
        self.assertEqual(lead.phone_sanitized, "+14155550199")
        self.assertFalse(lead.action_status_id)

    def test_quick_create_in_converted_column_starts_in_first_stage(self):
        lead = (
            self.env["leads.lead"]
            .with_user(self.manager)
            .with_context(default_stage_id=self.stage_converted.id)
            .create({"name": "Quick", "phone": "4155550101"})
        )
        self.assertEqual(lead.stage_id, self.stage_lead)
        self.assertFalse(lead.converted_date)

    # ------------------------------------------------------ name and contact
    def test_call_without_name_is_named_after_phone(self):
        lead = self.create_lead(name=False, phone=" +1 415 555 0123 ")
        self.assertEqual(lead.name, "+1 415 555 0123")
        lead = self.create_lead(name="", email="only@example.com")
        self.assertEqual(lead.name, "only@example.com")

    def test_phone_or_email_required(self):
        with self.assertRaisesRegex(ValidationError, "phone number or an email"):
            self.create_lead(phone=False, email=False)
        with self.assertRaisesRegex(ValidationError, "phone number or an email"):
            self.create_lead(phone="   ", email="")
        lead = self.create_lead(phone="4155550100")
        with self.assertRaisesRegex(ValidationError, "phone number or an email"):
            lead.phone = False

    # ------------------------------------------------------- normalisation
    def test_phone_e164_uses_company_country(self):
        lead_us = self.create_lead(phone="(415) 555-0100")
        self.assertEqual(lead_us.phone_sanitized, "+14155550100")
        lead_be = self.create_lead(company=self.company_b, phone="0470 12 34 56")
        self.assertEqual(lead_be.phone_sanitized, "+32470123456")
        # An international number keeps its own country.
        lead_intl = self.create_lead(phone="+44 20 7946 0958")
        self.assertEqual(lead_intl.phone_sanitized, "+442079460958")
        # Changing the phone recomputes the E.164 form.
        lead_us.phone = "415.555.0177"
        self.assertEqual(lead_us.phone_sanitized, "+14155550177")

    def test_phone_without_e164_form_is_kept_but_not_sanitized(self):
        lead = self.create_lead(phone="12345", email="x@example.com")
        self.assertEqual(lead.phone, "12345")
        self.assertFalse(lead.phone_sanitized)

    def test_text_that_is_not_a_phone_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a valid phone number"):
            self.create_lead(phone="not a phone", email="x@example.com")

    def test_email_normalized(self):
        lead = self.create_lead(email="  John.Doe@Example.COM ", phone=False)
        self.assertEqual(lead.email, "John.Doe@Example.COM")
        self.assertEqual(lead.email_normalized, "john.doe@example.com")

    def test_normalized_fields_are_indexed(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'leads_lead'"
        )
        indexes = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertRegex(indexes, r"\(phone_sanitized\)")
        self.assertRegex(indexes, r"\(email_normalized\)")

    # ------------------------------------------------------------- company
    def test_company_required(self):
        Lead = self.env["leads.lead"].with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "must belong to a business"):
            Lead.create(
                {"name": "No company", "phone": "4155550100", "company_id": False}
            )
        lead = self.create_lead()
        with self.assertRaisesRegex(ValidationError, "must belong to a business"):
            lead.with_user(self.manager).company_id = False

    def test_disabled_company_refuses_new_leads(self):
        with self.assertRaisesRegex(UserError, "Leads Management is turned off"):
            self.create_lead(company=self.company_off)
        with self.assertRaisesRegex(UserError, "Leads Management is turned off"):
            self.env["leads.lead"].with_user(self.manager).create(
                {
                    "name": "RPC",
                    "phone": "4155550100",
                    "company_id": self.company_off.id,
                }
            )
        env = self._lead_env(self.manager, self.company_off)
        with self.assertRaisesRegex(UserError, "Leads Management is turned off"):
            with Form(env["leads.lead"]) as form:
                form.name = "Form"
                form.phone = "4155550100"
        self.assertFalse(
            self.env["leads.lead"].search([("company_id", "=", self.company_off.id)])
        )

    def test_disabled_company_keeps_existing_leads_working(self):
        company = self.company_a
        lead = self.create_lead()
        company.leads_management_enabled = False
        lead = lead.with_user(self.manager)
        lead.write(
            {
                "action_status_id": self.status_connected.id,
                "stage_id": self.stage_opportunity.id,
            }
        )
        lead.message_post(body="Called back, left a message.")
        lead.activity_schedule("mail.mail_activity_data_call", summary="Call again")
        self.assertEqual(lead.stage_id, self.stage_opportunity)
        self.assertEqual(len(lead.activity_ids), 1)
        lead.action_archive()
        self.assertFalse(lead.active)
        lead.action_unarchive()
        lead.unlink()
        self.assertFalse(lead.exists())

    def test_superuser_may_create_in_disabled_company(self):
        lead = (
            self.env["leads.lead"]
            .sudo()
            .create(
                {
                    "name": "Migrated",
                    "phone": "4155550100",
                    "company_id": self.company_off.id,
                }
            )
        )
        self.assertEqual(lead.company_id, self.company_off)

    def test_views_are_the_same_in_every_business(self):
        # The browser caches views for every business alike; whether the
        # active one takes leads comes with the session (ir_http.py).
        Lead = self.env["leads.lead"].with_user(self.manager)
        for view_type in ("kanban", "list", "form"):
            archs = {
                Lead.with_context(allowed_company_ids=[company.id]).get_view(
                    view_type=view_type
                )["arch"]
                for company in (self.company_a, self.company_off)
            }
            self.assertEqual(len(archs), 1, view_type)
            self.assertNotIn('create="0"', archs.pop(), view_type)

    def test_add_button_hidden_without_the_add_permission(self):
        reader = self.make_user("no_add_reader", "view_working")
        arch = self.env["leads.lead"].with_user(reader).get_view(view_type="kanban")
        self.assertIn('create="0"', arch["arch"])
        self.assertIn('quick_create="0"', arch["arch"])

    # -------------------------------------------------------------- stages
    def test_move_between_stages_is_tracked(self):
        lead = self.create_lead()
        # Tracking starts once the creating transaction is done.
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = lead.with_context(tracking_disable=False, mail_notrack=False)
        tracked.stage_id = self.stage_opportunity
        self.env.flush_all()
        self.env.cr.precommit.run()
        messages = lead.sudo().message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("leads_management.mt_lead_stage")
        )
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages.tracking_value_ids.new_value_char, "Opportunity")

    def test_cannot_drag_unconverted_lead_to_converted_stage(self):
        lead = self.create_lead()
        with self.assertRaisesRegex(ValidationError, "use Convert"):
            lead.with_user(self.manager).stage_id = self.stage_converted

    def test_converted_lead_stays_converted(self):
        partner = self.env["res.partner"].create({"name": "Client"})
        lead = self.create_lead()
        lead.sudo().write(
            {
                "partner_id": partner.id,
                "converted_date": "2026-01-31 10:00:00",
                "stage_id": self.stage_converted.id,
            }
        )
        with self.assertRaisesRegex(ValidationError, "stays in a converted stage"):
            lead.with_user(self.manager).stage_id = self.stage_lead
        self.assertEqual(partner.lead_count, 1)
        self.assertEqual(
            partner.action_view_leads()["domain"], [("partner_id", "=", partner.id)]
        )

    def test_group_expand_shows_every_stage(self):
        self.create_lead()
        Lead = self.env["leads.lead"].with_user(self.manager)
        groups = Lead.with_context(read_group_expand=True).formatted_read_group(
            [("id", "=", -1)], ["stage_id"], ["__count"]
        )
        names = [g["stage_id"][1] for g in groups]
        self.assertEqual(names[:4], ["Lead", "Opportunity", "Trash", "Converted"])

    # ----------------------------------------------------------- duplicates
    def test_duplicate_warning_matches_phone_and_email(self):
        first = self.create_lead(phone="+1 415 555 0100", email="jane@example.com")
        other_company = self.create_lead(
            company=self.company_b, phone="+1 415 555 0100"
        )
        client = self.env["res.partner"].create(
            {"name": "Existing client", "email": "JANE@example.com"}
        )
        with Form(self.env["leads.lead"].with_user(self.manager)) as form:
            form.name = "Jane again"
            form.phone = "(415) 555-0100"
            self.assertEqual(form.duplicate_lead_ids[:], first)
            self.assertNotIn(other_company, form.duplicate_lead_ids[:])
            form.email = "Jane@Example.com"
            self.assertIn(client, form.duplicate_partner_ids[:])
        second = form.record
        # The user chose to continue: both leads exist and point at each other.
        self.assertEqual(second.duplicate_lead_ids, first)
        self.assertEqual(first.duplicate_lead_ids, second)
        action = second.action_open_duplicates()
        self.assertEqual((action["res_id"], action["target"]), (first.id, "new"))
        self.assertEqual(
            second.action_open_duplicate_partners()["res_id"],
            client.id,
        )

    def test_converted_leads_are_not_duplicates(self):
        partner = self.env["res.partner"].create({"name": "Client"})
        old = self.create_lead(phone="4155550100")
        old.sudo().write(
            {
                "partner_id": partner.id,
                "converted_date": "2026-01-31 10:00:00",
                "stage_id": self.stage_converted.id,
            }
        )
        new = self.create_lead(phone="4155550100")
        self.assertFalse(new.duplicate_lead_ids)

    def test_copy(self):
        lead = self.create_lead(action_status_id=self.status_connected.id)
        copy = lead.copy()
        self.assertEqual(copy.name, "Jane Doe (copy)")
        self.assertFalse(copy.action_status_id)
        self.assertEqual(copy.stage_id, self.stage_lead)

    def test_duplicates_of_phones_without_e164_form(self):
        first = self.create_lead(phone="12345")
        self.assertFalse(first.phone_sanitized)
        second = self.create_lead(phone=" 12345 ")
        self.assertEqual(second.duplicate_lead_ids, first)
