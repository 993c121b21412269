"""Emails, SMS, mass mailings and calls, each with its group."""

import ast

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form
from odoo.tools.safe_eval import safe_eval

from .common_security import VIEW, LeadsSecurityCommon


class TestCommunication(LeadsSecurityCommon):
    def test_email_needs_email_group(self):
        user = self.make_user("noemail", VIEW + ",edit_tasks")
        lead = self.as_user(user).browse(self.lead_a.id)
        with self.assertRaises(AccessError):
            lead.message_post(
                body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        mailer = self.make_user("emailer", VIEW + ",email")
        message = (
            self.as_user(mailer)
            .browse(self.lead_a.id)
            .message_post(
                body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        )
        self.assertEqual(message.model, "leads.lead")

    def test_sms_button_only_for_message_group(self):
        """The phone widget's SMS button is offered to Send SMS users only."""
        for groups, enabled in ((VIEW, False), (VIEW + ",message", True)):
            user = self.make_user(f"smsbutton_{enabled}", groups)
            for view_type in ("form", "list"):
                with self.subTest(groups=groups, view_type=view_type):
                    arch = etree.fromstring(
                        self.as_user(user).get_views([(False, view_type)])["views"][
                            view_type
                        ]["arch"]
                    )
                    phones = arch.xpath("//field[@widget='phone']")
                    self.assertTrue(phones)
                    for node in phones:
                        options = ast.literal_eval(node.get("options") or "{}")
                        self.assertEqual(options.get("enable_sms", True), enabled)

    def test_sms_needs_message_group(self):
        user = self.make_user("nosms", VIEW + ",edit_tasks,email")
        with self.assertRaises(AccessError):
            self.as_user(user).browse(self.lead_a.id)._message_sms("Hi there")
        texter = self.make_user("texter", VIEW + ",message")
        message = self.as_user(texter).browse(self.lead_a.id)._message_sms("Hi there")
        self.assertEqual(message.message_type, "sms")

    def _sms_composer(self, user, leads, mode, **context):
        """The SMS composer as opened on ``leads``, in a screen's ``context``."""
        return Form(
            self.env["sms.composer"]
            .with_user(user)
            .with_context(
                **context,
                active_model="leads.lead",
                active_ids=leads.ids,
                default_res_model="leads.lead",
                default_res_ids=leads.ids,
                default_composition_mode=mode,
                allowed_company_ids=user.company_ids.ids,
            )
        )

    def test_mass_sms_needs_mass_sms_group(self):
        leads = self.lead_a
        texter = self.make_user("texter_only", VIEW + ",message")
        with self._sms_composer(texter, leads, "mass") as form:
            form.body = "Promo"
        with self.assertRaisesRegex(AccessError, "mass SMS"):
            form.record.action_send_sms()
        mass = self.make_user("mass_texter", VIEW + ",mass_sms")
        with self._sms_composer(mass, leads, "mass") as form:
            form.body = "Promo"
        form.record.action_send_sms()
        self.assertTrue(self.env["sms.sms"].search([("body", "=", "Promo")]))

    def test_mass_sms_from_the_report_sends_to_unblacklisted_numbers(self):
        """The Leads Report lists archived leads too; a mass SMS sent from it
        treats a number removed from the blacklist (an archived blacklist
        entry) as any screen does: it is sent."""
        lead = self.lead_a
        Blacklist = self.env["phone.blacklist"].sudo()
        Blacklist._add([lead.phone_sanitized])
        Blacklist._remove([lead.phone_sanitized])
        report = self.env.ref("leads_management.leads_lead_action_report")
        mass = self.make_user("report_texter", VIEW + ",mass_sms")
        with self._sms_composer(
            mass, lead, "mass", default_mass_keep_log=True, **safe_eval(report.context)
        ) as form:
            form.body = "Report promo"
        form.record.action_send_sms()
        sms = self.env["sms.sms"].search([("body", "=", "Report promo")])
        self.assertEqual(sms.state, "outgoing", sms.failure_type)

    def test_mass_email_needs_mass_email_group(self):
        def composer(user):
            return (
                self.env["mail.compose.message"]
                .with_user(user)
                .with_context(allowed_company_ids=user.company_ids.ids)
                .create(
                    {
                        "composition_mode": "mass_mail",
                        "model": "leads.lead",
                        "res_ids": self.lead_a.ids,
                        "subject": "Spring offer",
                        "body": "Hello",
                    }
                )
            )

        mailer = self.make_user("mailer_only", VIEW + ",email")
        with self.assertRaisesRegex(AccessError, "mass emails"):
            composer(mailer).action_send_mail()
        mass = self.make_user("mass_mailer", VIEW + ",mass_email")
        composer(mass).action_send_mail()
        self.assertTrue(
            self.env["mail.mail"].sudo().search([("subject", "=", "Spring offer")])
        )

    def test_mass_actions_offered_to_their_groups_only(self):
        """The Action menu and the list header offer mass SMS and email to the
        users allowed to send them, and to nobody else."""
        sms = self.env.ref("leads_management.leads_lead_action_mass_sms").id
        mail = self.env.ref("leads_management.leads_lead_action_mass_email").id
        cases = {
            "plain": (VIEW + ",message,email", set()),
            "mass_sms": (VIEW + ",mass_sms", {sms}),
            "mass_email": (VIEW + ",mass_email", {mail}),
        }
        for name, (groups, expected) in cases.items():
            with self.subTest(user=name):
                user = self.make_user(f"bindings_{name}", groups)
                bindings = (
                    self.env["ir.actions.actions"]
                    .with_user(user)
                    .get_bindings("leads.lead")
                )
                offered = {action["id"] for action in bindings.get("action", [])}
                self.assertEqual(offered & {sms, mail}, expected)
                arch = etree.fromstring(
                    self.as_user(user).get_views([(False, "list")])["views"]["list"][
                        "arch"
                    ]
                )
                buttons = {
                    int(name)
                    for name in arch.xpath("//header/button[@type='action']/@name")
                }
                self.assertEqual(buttons & {sms, mail}, expected)

    def test_mass_sms_action_sends_to_the_selection(self):
        """The bound action's context opens a composer on the selected leads."""
        mass = self.make_user("mass_texter_ui", VIEW + ",mass_sms")
        leads = self.lead_a | self.env["leads.lead"].create(
            {
                "name": "Lead A2",
                "phone": "+1 415 555 0111",
                "company_id": self.company_a.id,
            }
        )
        action = self.env.ref("leads_management.leads_lead_action_mass_sms")
        context = dict(
            safe_eval(action.context, {"active_ids": leads.ids}),
            active_model="leads.lead",
            active_ids=leads.ids,
            allowed_company_ids=mass.company_ids.ids,
        )
        with Form(
            self.env["sms.composer"].with_user(mass).with_context(**context)
        ) as form:
            form.body = "Spring offer by SMS"
        form.record.action_send_sms()
        sent = self.env["sms.sms"].search([("body", "=", "Spring offer by SMS")])
        self.assertEqual(set(sent.mapped("number")), {"+14155550100", "+14155550111"})

    def test_call_needs_group_and_enabled_calling(self):
        caller = self.make_user("caller", VIEW + ",call")
        lead = self.as_user(caller).browse(self.lead_a.id)
        self.assertFalse(lead.can_call)
        with self.assertRaisesRegex(UserError, "not enabled"):
            lead.action_call()
        self.company_a.leads_calling_enabled = True
        lead.invalidate_recordset(["can_call"])
        self.assertTrue(lead.can_call)
        action = lead.action_call()
        self.assertEqual(
            (action["tag"], action["params"]),
            ("leads_management.dial", {"number": "+14155550100"}),
        )
        other = self.make_user("nocaller", VIEW)
        other_lead = self.as_user(other).browse(self.lead_a.id)
        self.assertFalse(other_lead.can_call)
        with self.assertRaises(AccessError):
            other_lead.action_call()
        # A public method called with a foreign id is refused.
        with self.assertRaises(AccessError):
            self.as_user(caller).browse(self.lead_b.id).action_call()
