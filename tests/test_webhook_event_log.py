"""The event log: who reads it, and visitors added from it by hand."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_webhook import WebhookCommon


@tagged("post_install", "-at_install")
class TestWebhookEventLog(WebhookCommon):
    # ------------------------------------------------------ event log access
    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_event_log_access(self):
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550740"})), "lead_created"
        )
        event = self.Event.browse(data["event_id"])
        self.assertTrue(event.with_user(self.manager).read(["payload", "result"]))
        with self.assertRaises(AccessError):
            event.with_user(self.internal_user).read(["payload"])
        with self.assertRaises(AccessError):
            event.with_user(self.manager).write({"result": "failed"})
        with self.assertRaises(AccessError):
            self.Event.with_user(self.manager).create(
                {
                    "external_id": "forged",
                    "event_type": "call.inbound",
                    "company_id": self.company_a.id,
                    "received_date": "2026-01-01 00:00:00",
                }
            )
        with self.assertRaises(AccessError):
            event.with_user(self.internal_user).action_retry()
        menu = self.env.ref("leads_management.leads_inbound_event_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(
            menu.id, Menu.with_user(self.internal_user)._visible_menu_ids()
        )

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_calling_activity_for_staff(self):
        """Staff working leads read the calling activity of their businesses;
        the caller's contact needs Lead Email and Phone, the raw payload is the
        managers'."""
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550747"})), "lead_created"
        )
        event = self.Event.browse(data["event_id"])
        staff = self.make_user("activity_staff", "view_working,view_contact")
        no_contact = self.make_user("activity_no_contact", "view_working")
        other = self.make_user("activity_b", "view_working", companies=self.company_b)
        menu = self.env.ref("leads_management.leads_inbound_event_menu")
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(staff)._visible_menu_ids()
        )
        as_staff = event.with_user(staff)
        self.assertEqual(
            as_staff.read(["contact_phone", "result"])[0]["contact_phone"],
            "+14155550747",
        )
        for user, fnames in (
            (staff, ["payload"]),
            (staff, ["response"]),
            (staff, ["error_message"]),
            (no_contact, ["contact_phone"]),
            (no_contact, ["contact_email"]),
        ):
            with self.subTest(user=user.login, fields=fnames):
                with self.assertRaises(AccessError):
                    event.with_user(user).read(fnames)
        self.assertTrue(event.with_user(no_contact).read(["result", "lead_id"]))
        # Another business's staff does not see it.
        self.assertFalse(self.Event.with_user(other).search([("id", "=", event.id)]))
        with self.assertRaises(AccessError):
            as_staff.write({"result": "failed"})

    def _visitor(self, phone, type_="call.inbound"):
        data = self.assertResult(
            self.post(
                self.event(type_, contact={"phone": phone}, message="Hello"),
                company=self.company_silent,
            ),
            "visitor_logged",
        )
        return self.Event.browse(data["event_id"])

    def test_visitor_added_by_hand(self):
        """FAQ: visitors are logged only; "you can add them manually"."""
        users = {
            "frontdesk": self.make_user(
                "visitor_frontdesk",
                "view_working,view_contact,base.group_partner_manager",
                companies=self.company_silent,
            ),
            "viewer": self.make_user(
                "visitor_viewer", "view_working", companies=self.company_silent
            ),
        }
        event = self._visitor("+1 415 555 0748")
        self.assertTrue(event.can_add_manually)
        # Without the right to create contacts: refused, nothing created.
        with self.assertRaises(AccessError):
            event.with_user(users["viewer"]).with_company(
                self.company_silent
            ).action_create_client()
        self.assertFalse(event.partner_id)
        action = (
            event.with_user(users["frontdesk"])
            .with_company(self.company_silent)
            .action_create_client()
        )
        client = self.env["res.partner"].browse(action["res_id"])
        self.assertEqual(client.name, "14155550748_call")
        self.assertEqual(client.company_id, self.company_silent)
        self.assertEqual(event.partner_id, client)
        self.assertIn("Hello", client.message_ids[:1].body)
        # Added by hand: the staff member is the author, not the webhook user.
        self.assertEqual(
            client.message_ids[:1].author_id, users["frontdesk"].partner_id
        )
        # Once added, it cannot be added again.
        self.assertFalse(event.can_add_manually)
        with self.assertRaisesRegex(UserError, "already been added"):
            event.with_user(users["frontdesk"]).with_company(
                self.company_silent
            ).action_create_client()
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "14155550748_call")]),
            1,
        )

    def test_visitor_added_by_hand_takes_no_default_of_the_caller(self):
        """Adding a visitor by hand runs the capture's own methods as the
        staff member: the ``default_*`` keys of their context (meant for the
        screen they came from) reach neither the client, nor the lead, nor
        the utm records made from the event."""
        self.company_silent.leads_management_enabled = False
        staff = self.make_user(
            "visitor_ctx_staff", "view_working", companies=self.company_silent
        )
        frontdesk = self.make_user(
            "visitor_ctx_frontdesk",
            "view_working,view_contact,add,base.group_partner_manager",
            companies=self.company_silent,
        )
        defaults = {"default_user_id": staff.id, "default_type": "other"}
        event = self._visitor("+1 415 555 0751")
        action = (
            event.with_user(frontdesk)
            .with_company(self.company_silent)
            .with_context(**defaults)
            .action_create_client()
        )
        client = self.env["res.partner"].browse(action["res_id"])
        self.assertFalse(client.user_id)
        self.assertEqual(client.type, "contact")
        data = self.assertResult(
            self.post(
                self.event(
                    "call.inbound",
                    contact={"phone": "+1 415 555 0752"},
                    utm={"campaign": "Visitor Promo"},
                ),
                company=self.company_silent,
            ),
            "visitor_logged",
        )
        self.company_silent.leads_management_enabled = True
        action = (
            self.Event.browse(data["event_id"])
            .with_user(frontdesk)
            .with_company(self.company_silent)
            .with_context(**defaults)
            .action_create_lead()
        )
        lead = self.Lead.browse(action["res_id"])
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.campaign_id.name, "Visitor Promo")
        self.assertEqual(lead.campaign_id.user_id, frontdesk, "its creator")

    def test_visitor_whose_custom_field_was_deleted(self):
        """A visitor's event filled a custom field deleted since: adding the
        visitor by hand is refused with the reason, not a server error."""
        field = self.create_manual_field("x_visitor_pet", "Visitor Pet")
        data = self.assertResult(
            self.post(
                self.event(
                    contact={"phone": "+1 415 555 0753"},
                    fields={"x_visitor_pet": "Rex"},
                ),
                company=self.company_silent,
            ),
            "visitor_logged",
        )
        field.unlink()
        frontdesk = self.make_user(
            "visitor_field_frontdesk",
            "view_working,view_contact,base.group_partner_manager",
            companies=self.company_silent,
        )
        event = self.Event.browse(data["event_id"])
        with self.assertRaisesRegex(UserError, "x_visitor_pet"):
            event.with_user(frontdesk).with_company(
                self.company_silent
            ).action_create_client()
        self.assertFalse(event.partner_id)

    def test_visitor_as_lead_follows_add_lead_rules(self):
        adder = self.make_user(
            "visitor_adder", "view_working,add", companies=self.company_silent
        )
        event = self._visitor("+1 415 555 0749", type_="sms.inbound")
        as_adder = event.with_user(adder).with_company(self.company_silent)
        # Leads Management is off in that business: no lead, a clear refusal.
        with self.assertRaisesRegex(UserError, "turned off"):
            as_adder.action_create_lead()
        self.assertFalse(event.lead_id)
        self.company_silent.leads_management_enabled = True
        action = as_adder.action_create_lead()
        lead = self.Lead.browse(action["res_id"])
        self.assertEqual(lead.phone_sanitized, "+14155550749")
        self.assertEqual(lead.channel_id.code, "sms")
        self.assertFalse(lead.action_status_id)
        self.assertEqual(event.lead_id, lead)
        # A captured event (not a visitor) offers nothing to add.
        data = self.assertResult(
            self.post(self.event(contact={"phone": "+14155550750"})), "lead_created"
        )
        with self.assertRaisesRegex(UserError, "already been added"):
            self.Event.browse(data["event_id"]).with_user(
                self.manager
            ).action_create_lead()
