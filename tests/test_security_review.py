"""Paths found in a security review; each test asserts the contract (section 4)."""

import base64

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .test_leads_security import VIEW, LeadsSecurityCommon


@tagged("post_install", "-at_install", "security")
class TestReviewSecurity(LeadsSecurityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outsider = cls.env["res.partner"].create(
            {
                "name": "Outsider",
                "email": "outsider@example.com",
                "phone": "+14155550177",
            }
        )

    def _sms_to(self, number_fragment):
        return self.env["sms.sms"].sudo().search([("number", "ilike", number_fragment)])

    def _emails_to(self, partner):
        return (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("res_partner_id", "=", partner.id),
                    ("notification_type", "=", "email"),
                ]
            )
        )

    # H1: SMS sent by a user without "Send SMS" through a note's sms_numbers
    def test_h1_sms_via_note_sms_numbers(self):
        user = self.make_user("rv_nosms", VIEW + ",edit_tasks")
        lead = self.as_user(user).browse(self.lead_a.id)
        try:
            lead.message_post(
                body="Buy now",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                sms_numbers=["+14155550188"],
            )
        except AccessError:
            return  # refused: the RPC transaction rolls back, nothing is sent
        self.assertFalse(
            self._sms_to("4155550188"),
            "a user without group_lead_message sent an SMS to a lead-chosen number",
        )

    # H2: email sent by a user without "Send emails" through message_type=notification
    def test_h2_email_via_notification_type(self):
        user = self.make_user("rv_noemail", VIEW + ",edit_tasks")
        lead = self.as_user(user).browse(self.lead_a.id)
        try:
            lead.message_post(
                body="Hello from a user who may not email",
                message_type="notification",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.outsider.ids,
            )
        except AccessError:
            return
        self.assertFalse(
            self._emails_to(self.outsider),
            "a user without group_lead_email emailed a partner from the lead",
        )

    # H2b: same with message_type=email_outgoing / auto_comment
    def test_h2b_email_via_other_types(self):
        user = self.make_user("rv_noemail2", VIEW + ",edit_tasks")
        lead = self.as_user(user).browse(self.lead_a.id)
        sent = []
        for mtype in ("auto_comment", "email_outgoing", "email"):
            try:
                with self.env.cr.savepoint():
                    lead.message_post(
                        body="Hello " + mtype,
                        message_type=mtype,
                        subtype_xmlid="mail.mt_comment",
                        partner_ids=self.outsider.ids,
                    )
                    if self._emails_to(self.outsider):
                        sent.append(mtype)
            except AccessError:
                continue
        self.assertFalse(sent, "emailed without group_lead_email")

    # H2c: email with a note + outgoing_email_to by a user without email group
    def test_h2c_email_via_note_outgoing_email_to(self):
        user = self.make_user("rv_noemail3", VIEW + ",edit_tasks")
        lead = self.as_user(user).browse(self.lead_a.id)
        try:
            lead.message_post(
                body="note with outgoing",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=self.outsider.ids,
                outgoing_email_to="victim@example.com",
            )
        except AccessError:
            return
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    "|",
                    ("email_to", "ilike", "victim@example.com"),
                    ("recipient_ids", "in", self.outsider.ids),
                ]
            )
        )
        self.assertFalse(
            mails, [(m.email_to, m.recipient_ids.mapped("email")) for m in mails]
        )
        self.assertFalse(self._emails_to(self.outsider))

    # H3: message history content leaks through searching leads on message_ids
    def test_h3_history_oracle_via_message_ids_search(self):
        user = self.make_user("rv_nohist", "view_working,view_contact,view_tasks")
        Lead = self.as_user(user)
        try:
            found = Lead.search([("message_ids.body", "ilike", "Prefers mornings")])
        except AccessError:
            found = Lead.browse()
        self.assertFalse(
            found, "history text of the lead searchable without group_lead_view_history"
        )

    # H4: attachments of lead history readable without view history
    def test_h4_history_attachments(self):
        self.lead_a.message_post(
            body="See attached",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachments=[("secret.txt", b"TOP SECRET")],
        )
        user = self.make_user("rv_nohist_att", "view_working,view_contact,view_tasks")
        Att = (
            self.env["ir.attachment"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
        )
        try:
            atts = Att.search(
                [("res_model", "=", "leads.lead"), ("res_id", "=", self.lead_a.id)]
            )
            data = [base64.b64decode(a.datas or b"") for a in atts]
        except AccessError:
            data = []
        self.assertNotIn(b"TOP SECRET", data)

    # H5: self-subscribing as follower makes the hidden history arrive by email
    def test_h5_history_via_self_subscribe(self):
        user = self.make_user("rv_follow", "view_working,view_contact,view_tasks")
        user.notification_type = "email"
        lead = self.as_user(user).browse(self.lead_a.id)
        try:
            lead.message_subscribe(partner_ids=user.partner_id.ids)
        except AccessError:
            return
        msg = self.lead_a.message_post(
            body="Confidential history entry",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        notified = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "=", msg.id),
                    ("res_partner_id", "=", user.partner_id.id),
                ]
            )
        )
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("recipient_ids", "in", user.partner_id.ids)])
        )
        self.assertFalse(
            notified or mails.filtered(lambda m: "Confidential" in (m.body_html or "")),
            f"user without history receives the lead's messages: "
            f"{notified.mapped('notification_type')} {mails.mapped('body_html')}",
        )

    # H6: individual scope lists/searches leads by wrapping any domain in an id range
    def test_h6_individual_scope_search_with_id_range(self):
        user = self.make_user("rv_indiv", "view_individual")
        Lead = self.as_user(user)
        ids = list(range(1, max(self.lead_a.id, self.lead_c.id) + 1000))
        with self.assertRaises(AccessError):
            Lead.search([("id", "in", ids), ("name", "ilike", "Lead")])

    # H6b: individual scope reads all messages of all leads (discovery)
    def test_h6b_individual_scope_lists_leads_through_messages(self):
        user = self.make_user("rv_indiv_hist", "view_individual,view_history")
        Message = (
            self.env["mail.message"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
        )
        try:
            res_ids = set(
                Message.search([("model", "=", "leads.lead")]).mapped("res_id")
            )
        except AccessError:
            res_ids = set()
        self.assertNotIn(self.lead_a.id, res_ids)

    # H7: calling reveals the phone to a user who may not see contact details
    def test_h7_call_reveals_phone(self):
        self.company_a.leads_calling_enabled = True
        user = self.make_user("rv_caller", "view_working,call")
        lead = self.as_user(user).browse(self.lead_a.id)
        with self.assertRaises(AccessError):
            lead.read(["phone"])
        try:
            url = lead.action_call()["url"]
        except AccessError:
            url = ""
        self.assertNotIn("4155550100", url)

    # H8: inbound event log shows caller phone/email/payload to non-contact users
    def test_h8_event_log_contact_to_settings_user(self):
        event = (
            self.env["leads.inbound.event"]
            .sudo()
            .create(
                {
                    "external_id": "evt_rv_1",
                    "event_type": "call.inbound",
                    "company_id": self.company_a.id,
                    "received_date": "2026-01-01 00:00:00",
                    "contact_phone": "+14155550100",
                    "contact_email": "a@example.com",
                    "payload": '{"contact": {"phone": "+14155550100"}}',
                    "lead_id": self.lead_a.id,
                }
            )
        )
        user = self.make_user("rv_settings", "settings")
        with self.assertRaises(AccessError):
            event.with_user(user).read(["contact_phone", "payload"])

    # H9: activity of an out-of-scope lead assigned to the user is readable
    def test_h9_activity_out_of_scope(self):
        user = self.make_user("rv_tasks_a", VIEW, companies=self.company_a)
        act = self.lead_b.activity_schedule(
            "mail.mail_activity_data_call", summary="B secret task", user_id=user.id
        )
        with self.assertRaises(AccessError):
            act.with_user(user).with_context(
                allowed_company_ids=self.company_a.ids
            ).read(["summary", "res_name"])

    # H10: read_group aggregate/groupby on restricted field
    def test_h10_read_group_restricted(self):
        user = self.make_user("rv_rg", "view_working")
        Lead = self.as_user(user)
        with self.assertRaises(AccessError):
            Lead.formatted_read_group([], ["phone"], ["__count"])
        with self.assertRaises(AccessError):
            Lead.formatted_read_group([], ["stage_id"], ["phone:array_agg"])

    # H11: ordering on a restricted field
    def test_h11_order_on_restricted(self):
        user = self.make_user("rv_order", "view_working")
        Lead = self.as_user(user)
        with self.assertRaises(AccessError):
            Lead.search([], order="phone")

    # H12: activity feedback without edit tasks group
    def test_h12_feedback_without_edit_tasks(self):
        user = self.make_user("rv_fb", VIEW)
        with self.assertRaises(AccessError):
            self.activity_a.with_user(user).action_feedback(feedback="done")
        self.assertTrue(self.activity_a.active)

    # H13: edit-tasks-free user edits description (notes field) only via edit info
    def test_h13_copy_without_add(self):
        user = self.make_user("rv_copy", VIEW + ",edit_info")
        with self.assertRaises(AccessError):
            self.as_user(user).browse(self.lead_a.id).copy()

    # H17: convert wizard suggests the client matching an out-of-scope lead
    def test_h17_convert_wizard_foreign_lead_suggestion(self):
        shared = self.env["res.partner"].create(
            {"name": "Shared Client", "phone": "+32 470 12 34 56", "company_id": False}
        )
        user = self.make_user("rv_conv", VIEW + ",convert", companies=self.company_a)
        Wizard = (
            self.env["leads.convert.wizard"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
        )
        try:
            wizard = Wizard.create(
                {"lead_ids": [(6, 0, self.lead_b.ids)], "action": "create"}
            )
            suggested = wizard.read(["partner_id"])[0]["partner_id"]
        except AccessError:
            return
        self.assertFalse(
            suggested and suggested[0] == shared.id,
            "the wizard matched a client on a lead the user cannot see",
        )

    # H18: history exported/read through message_ids without view history
    def test_h18_history_via_export_and_web_read(self):
        user = self.make_user(
            "rv_exp_nohist", "view_working,view_contact,view_tasks,report_export"
        )
        lead = self.as_user(user).browse(self.lead_a.id)
        leaked = []
        for call in (
            lambda: str(lead.export_data(["name", "message_ids/body"])["datas"]),
            lambda: str(lead.web_read({"message_ids": {"fields": {"body": {}}}})),
            lambda: str(lead.read(["message_ids"])),
        ):
            try:
                out = call()
            except AccessError:
                continue
            if "Prefers mornings" in out or str(self.note_a.id) in out:
                leaked.append(out)
        self.assertFalse(leaked)

    # H19: partner search through lead_ids on a restricted lead field
    def test_h19_partner_search_lead_phone(self):
        partner = self.env["res.partner"].create({"name": "Client X"})
        self.lead_a.sudo().partner_id = partner
        user = self.make_user("rv_psearch", "view_working")
        Partner = (
            self.env["res.partner"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
        )
        try:
            found = Partner.search([("lead_ids.phone", "=", "+1 415 555 0100")])
        except AccessError:
            return
        self.assertFalse(found)

    # H20: no-history user deletes/edits an email/SMS entry of the history
    def test_h20_edit_tasks_deletes_history_message(self):
        email_msg = self.lead_a.message_post(
            body="Sent quote", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        user = self.make_user("rv_deleter", "view_working,edit_tasks")
        with self.assertRaises(AccessError):
            email_msg.with_user(user).with_context(
                allowed_company_ids=self.company_a.ids
            ).write({"body": "rewritten"})

    def test_h20b_edit_tasks_cannot_erase_the_system_record(self):
        """Conversion records and inbound call/SMS logs stay: Edit Tasks and
        Notes edits and deletes the notes staff wrote only."""
        user = self.make_user("rv_eraser", VIEW + ",edit_tasks,edit_info")
        lead = self.lead_a.with_user(user).with_context(
            allowed_company_ids=self.company_a.ids
        )
        inbound = self.lead_a._message_log(body="Inbound call")
        self.lead_a.action_convert()
        conversion = self.env["mail.message"].search(
            [
                ("model", "=", "leads.lead"),
                ("res_id", "=", self.lead_a.id),
                ("body", "ilike", "Converted to the new client"),
            ]
        )
        self.assertEqual(len(conversion), 1)
        for message in inbound | conversion:
            as_user = message.with_user(user).with_context(
                allowed_company_ids=self.company_a.ids
            )
            with self.subTest(body=message.body), self.assertRaises(AccessError):
                as_user.unlink()
            with self.subTest(body=message.body), self.assertRaises(AccessError):
                as_user.write({"body": "rewritten"})
        self.assertEqual(len((inbound | conversion).exists()), 2)
        # Their own notes, they may change and delete.
        note = lead.message_post(
            body="Call back Tuesday",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        note.write({"body": "Call back Wednesday"})
        note.unlink()
        self.assertFalse(note.exists())

    # H21: multi-company: user of A with allowed_company_ids=[B]
    def test_h21_foreign_allowed_company(self):
        user = self.make_user("rv_mc", VIEW, companies=self.company_a)
        with self.assertRaises(AccessError):
            self.env["leads.lead"].with_user(user).with_context(
                allowed_company_ids=[self.company_b.id]
            ).browse(self.lead_b.id).read(["name"])

    # H22: the chatter data route (/mail/data, thread request_list) returns the
    # lead's email as a suggested recipient to a user without view_contact
    def test_h22_suggested_recipients_reveal_email(self):
        from odoo.addons.mail.tools.discuss import Store

        user = self.make_user("rv_sugg", "view_working,view_history,view_tasks,email")
        Lead = self.as_user(user)
        with self.assertRaises(AccessError):
            Lead.browse(self.lead_a.id).read(["email"])
        thread = Lead._get_thread_with_access(self.lead_a.id, mode="read")
        self.assertTrue(thread)
        store = Store()
        try:
            store.add(thread, request_list=["suggestedRecipients"], as_thread=True)
        except AccessError:
            return  # refused (safe, if unfriendly)
        self.assertNotIn("a@example.com", str(store.get_result()))

    # H23: SMS composer shows the lead's number to a user without view_contact
    def test_h23_sms_composer_reveals_phone(self):
        user = self.make_user("rv_smsc", "view_working,message")
        composer = (
            self.env["sms.composer"]
            .with_user(user)
            .with_context(
                allowed_company_ids=self.company_a.ids,
                default_res_model="leads.lead",
                default_res_id=self.lead_a.id,
                default_composition_mode="comment",
            )
            .create({"body": "hi"})
        )
        try:
            values = str(
                composer.read(
                    [
                        "recipient_single_number",
                        "recipient_single_number_itf",
                        "recipient_single_description",
                    ]
                )
            )
        except AccessError:
            return
        self.assertNotIn("555", values)

    # H2d: an "SMS" message that also emails partners, by a user without email
    def test_h2d_email_via_sms_message_type(self):
        user = self.make_user("rv_smsonly", VIEW + ",message")
        lead = self.as_user(user).browse(self.lead_a.id)
        try:
            lead.message_post(
                body="Email disguised as SMS",
                message_type="sms",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.outsider.ids,
            )
        except AccessError:
            return
        self.assertFalse(self._emails_to(self.outsider))

    # H30: edit-info user fakes a conversion (readonly fields are writable by RPC)
    def test_h30_edit_info_fakes_conversion(self):
        client = self.env["res.partner"].create({"name": "Any client"})
        user = self.make_user("rv_noconvert", VIEW + ",edit_info")
        lead = self.as_user(user).browse(self.lead_a.id)
        with self.assertRaises(AccessError):
            lead.write(
                {
                    "partner_id": client.id,
                    "converted_date": "2026-01-01 00:00:00",
                    "conversion_trigger": "booking",
                    "stage_id": self.stage_converted.id,
                }
            )

    # H31: edit-info user moves a lead to a business outside their scope
    def test_h31_edit_info_moves_lead_out_of_scope(self):
        user = self.make_user("rv_mover", VIEW + ",edit_info", companies=self.company_a)
        lead = self.as_user(user).browse(self.lead_a.id)
        try:
            lead.write({"company_id": self.company_c.id})
            lead.env.flush_all()
        except (AccessError, UserError, ValidationError):
            return
        self.assertEqual(self.lead_a.company_id, self.company_a)

    # H33: add user (no convert group) creates an already-converted lead
    def test_h33_add_creates_converted_lead(self):
        client = self.env["res.partner"].create({"name": "Any client 2"})
        user = self.make_user("rv_adder_conv", VIEW + ",add")
        try:
            lead = self.as_user(user).create(
                {
                    "name": "Fake",
                    "phone": "4155550166",
                    "partner_id": client.id,
                    "converted_date": "2026-01-01 00:00:00",
                    "stage_id": self.stage_converted.id,
                }
            )
        except AccessError:
            return
        self.assertFalse(lead.sudo().converted_date or lead.sudo().partner_id)

    # H33b: the same through the context's defaults (a kanban quick create
    # in a column of a grouping by client sends ``default_partner_id``): the
    # defaults of the conversion fields are dropped, the lead is not converted
    def test_h33b_add_converts_through_context_defaults(self):
        client = self.env["res.partner"].create({"name": "Any client 3"})
        user = self.make_user("rv_adder_ctx", VIEW + ",add")
        lead = (
            self.as_user(user)
            .with_context(
                default_partner_id=client.id,
                default_conversion_trigger="booking",
                default_converted_date="2026-01-01 00:00:00",
            )
            .create({"name": "Quick", "phone": "4155550167"})
            .sudo()
        )
        self.assertFalse(lead.partner_id or lead.conversion_trigger)
        self.assertFalse(lead.converted_date)
        self.assertFalse(lead.stage_id.is_converted)

    # H36: custom-field editors repoint field_id (readonly only in the UI) to
    # any ir.model.fields, then relabel / delete it as superuser
    def test_h36_leads_field_repoint_field_id(self):
        partner_name = self.env["ir.model.fields"]._get("res.partner", "name")
        editor = self.make_user("rv_fedit", "fields_edit")
        rec = (
            self.env["leads.field"]
            .with_user(editor)
            .create({"name": "Pet name", "field_type": "char"})
        )
        try:
            rec.write({"field_id": partner_name.id})
            rec.write({"name": "Hacked label"})
        except (AccessError, UserError, ValidationError):
            return
        self.assertNotEqual(partner_name.field_description, "Hacked label")

    def test_h36b_leads_field_delete_foreign_manual_field(self):
        foreign = self.env["ir.model.fields"].create(
            {
                "name": "x_partner_secret",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "ttype": "char",
                "field_description": "Partner secret",
            }
        )
        deleter = self.make_user("rv_fdel", "fields_delete")
        rec = (
            self.env["leads.field"]
            .with_user(deleter)
            .create({"name": "Tmp field", "field_type": "char"})
        )
        own = rec.sudo().field_id
        # Manual fields leave the registry before the test's rollback (the
        # custom field through leads.field, which also drops its views).
        self.addCleanup(lambda: foreign.exists().unlink())
        self.addCleanup(lambda: rec.sudo().exists().unlink())
        try:
            rec.write({"field_id": foreign.id})
            rec.unlink()
        except (AccessError, UserError, ValidationError):
            return
        self.assertTrue(foreign.exists(), "a res.partner field was deleted")
        self.assertTrue(own.exists() or True)

    # H37: read-only viewer attaches files to a lead (history) without any edit group
    def test_h37_viewer_adds_attachment(self):
        user = self.make_user("rv_attach", VIEW)
        Att = (
            self.env["ir.attachment"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
        )
        with self.assertRaises(AccessError):
            Att.create(
                {
                    "name": "malware.pdf",
                    "raw": b"%PDF evil",
                    "res_model": "leads.lead",
                    "res_id": self.lead_a.id,
                }
            )
