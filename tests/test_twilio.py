"""Twilio's requests: SMS received, calls and their outcomes; the Twilio
settings of a business."""

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common_twilio import OUTCOME, SMS, VOICE, TwilioCommon
from .common_webhook import CONTROLLER_LOGGER


@tagged("post_install", "-at_install")
class TestTwilioSms(TwilioCommon):
    # ------------------------------------------------ the behaviour table
    def test_sms_creates_lead_with_body_and_media_in_history(self):
        sid = self.new_sid("SM")
        response = self.sms(
            "Do you groom cats?",
            sid=sid,
            extra=[
                ("NumMedia", "2"),
                ("MediaUrl0", "https://api.twilio.com/media/ME1"),
                ("MediaUrl1", "https://api.twilio.com/media/ME2"),
            ],
        )
        self.assertEmptyTwiml(response)
        lead = self.lead_of(self.CALLER)
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.channel_id.code, "sms")
        self.assertEqual(lead.name, self.CALLER)
        self.assertFalse(lead.action_status_id)
        event = self.events(sid)
        self.assertEqual(
            (event.external_id, event.event_type, event.result, event.lead_id),
            (sid, "sms.inbound", "lead_created", lead),
        )
        (body,) = self.notes(lead)
        self.assertIn("Do you groom cats?", body)
        self.assertIn('href="https://api.twilio.com/media/ME1"', body)
        self.assertIn('href="https://api.twilio.com/media/ME2"', body)

    def test_sms_updates_the_open_lead_of_the_number(self):
        lead = self.Lead.create(
            {"name": "Jane", "phone": "(415) 555-0911", "company_id": self.company_a.id}
        )
        sid = self.new_sid("SM")
        self.assertEmptyTwiml(self.sms("Back again", sid=sid))
        self.assertEqual(self.events(sid).result, "lead_updated")
        self.assertEqual(self.events(sid).lead_id, lead)
        self.assertIn("Back again", self.notes(lead)[-1])
        self.assertEqual(len(self.lead_of(self.CALLER)), 1)

    def test_sms_of_a_client_matches_the_client(self):
        client = self.env["res.partner"].create(
            {"name": "Client", "phone": self.CALLER, "company_id": self.company_a.id}
        )
        sid = self.new_sid("SM")
        self.sms("Hi, it's me", sid=sid)
        self.assertEqual(self.events(sid).result, "client_matched")
        self.assertEqual(self.events(sid).partner_id, client)
        self.assertFalse(self.lead_of(self.CALLER))
        self.assertIn("Hi, it's me", client.message_ids[:1].body)

    def test_sms_leads_off_auto_create_creates_client(self):
        sid = self.new_sid("SM")
        self.assertEmptyTwiml(
            self.sms(
                "Hello",
                sid=sid,
                to=self.NUMBER_OFF,
                account=self.SID_OFF,
                token=self.TOKEN_OFF,
            )
        )
        event = self.events(sid)
        self.assertEqual(event.result, "client_created")
        self.assertEqual(event.company_id, self.company_off)
        self.assertEqual(event.partner_id.name, "14155550911_sms")
        self.assertFalse(self.lead_of(self.CALLER, self.company_off))

    def test_sms_leads_off_without_auto_create_logs_a_visitor(self):
        sid = self.new_sid("SM")
        self.assertEmptyTwiml(
            self.sms(
                "Hello",
                sid=sid,
                to=self.NUMBER_SILENT,
                account=self.SID_SILENT,
                token=self.TOKEN_SILENT,
            )
        )
        event = self.events(sid)
        self.assertEqual(event.result, "visitor_logged")
        self.assertFalse(event.lead_id or event.partner_id)

    def test_sms_received_status_applies_when_the_business_opts_in(self):
        self.company_a.leads_status_on_sms_received = self.status_in_progress
        self.sms("Hello")
        self.assertEqual(
            self.lead_of(self.CALLER).action_status_id, self.status_in_progress
        )

    # ------------------------------------------------------- idempotency
    def test_replayed_sms_changes_nothing(self):
        pairs = self.sms_pairs("Only once")
        self.assertEmptyTwiml(self.post(SMS, pairs))
        lead = self.lead_of(self.CALLER)
        history = self.notes(lead)
        self.assertEmptyTwiml(self.post(SMS, pairs))
        self.assertEqual(len(self.events(pairs[0][1])), 1)
        self.assertEqual(self.lead_of(self.CALLER), lead)
        self.assertEqual(self.notes(lead), history)

    def test_repeated_parameters_and_unicode(self):
        body = "Ça coûte combien ? 🐶 «toilettage»"
        sid = self.new_sid("SM")
        pairs = self.sms_pairs(body, sid=sid, extra=[("Body", "a second Body")])
        self.assertEmptyTwiml(self.post(SMS, pairs))
        event = self.events(sid)
        self.assertEqual(event.result, "lead_created")
        self.assertIn(body, self.notes(event.lead_id)[0])
        self.assertNotIn("a second Body", self.notes(event.lead_id)[0])

    # ------------------------------------------------ two businesses
    def test_two_businesses_with_their_own_numbers(self):
        sid_a, sid_b = self.new_sid("SM"), self.new_sid("SM")
        self.sms("to A", sid=sid_a)
        self.sms(
            "to B", sid=sid_b, to=self.NUMBER_B, account=self.SID_B, token=self.TOKEN_B
        )
        self.assertEqual(self.events(sid_a).company_id, self.company_a)
        self.assertEqual(self.events(sid_b).company_id, self.company_b)
        self.assertEqual(self.events(sid_b).lead_id.company_id, self.company_b)
        self.assertEqual(len(self.lead_of(self.CALLER, self.company_b)), 1)

    def test_to_number_is_compared_in_e164(self):
        self.company_a.sms_twilio_number_ids.number = "+1 (415) 555-0100"
        sid = self.new_sid("SM")
        self.assertEmptyTwiml(self.sms("Hello", sid=sid))
        self.assertEqual(self.events(sid).company_id, self.company_a)

    # ------------------------------------------------------ refusals
    @mute_logger(CONTROLLER_LOGGER)
    def test_refused_requests_store_nothing(self):
        pairs = self.sms_pairs("Hello")
        signed = self.sign(SMS, pairs)
        tampered = [(k, "Hellp" if k == "Body" else v) for k, v in pairs]
        cases = {
            "missing signature": (pairs, False),
            "garbage signature": (pairs, "garbage=="),
            "non-ascii signature": (pairs, "é" * 28),
            "other business's token": (pairs, self.sign(SMS, pairs, self.TOKEN_B)),
            "tampered body": (tampered, signed),
            "extra parameter": (pairs + [("Extra", "1")], signed),
            "unknown number": (
                [(k, "+14155550199" if k == "To" else v) for k, v in pairs],
                None,
            ),
            "number of A, account of B": (
                [(k, self.SID_B if k == "AccountSid" else v) for k, v in pairs],
                None,
            ),
            "no To": ([p for p in pairs if p[0] != "To"], None),
        }
        for name, (body, signature) in cases.items():
            with self.subTest(name):
                if signature is None:
                    signature = self.sign(SMS, body)
                response = self.post(SMS, body, signature=signature)
                self.assertEqual(response.status_code, 403, response.text)
                self.assertNotIn("Traceback", response.text)
                self.assertFalse(self.events(pairs[0][1]))
        self.assertFalse(self.lead_of(self.CALLER))

    @mute_logger(CONTROLLER_LOGGER)
    def test_other_methods_and_media_types(self):
        response = self.url_open(SMS, method="GET")
        self.assertEqual(response.status_code, 405)
        response = self.url_open(
            SMS, data=b'{"Body": "x"}', headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 415)
        self.assertFalse(self.lead_of(self.CALLER))

    def test_signed_request_missing_message_sid_is_refused(self):
        pairs = [p for p in self.sms_pairs("Hello") if p[0] != "MessageSid"]
        response = self.post(SMS, pairs)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertFalse(self.lead_of(self.CALLER))

    @mute_logger(CONTROLLER_LOGGER)
    def test_reverse_proxy_signs_the_public_url(self):
        """Twilio signs the URL it called: web.base.url, not the local host."""
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "https://leads.example.com"
        )
        pairs = self.sms_pairs("Via the proxy")
        local = self.sign(SMS, pairs, url=self.base_url() + SMS)
        self.assertEqual(self.post(SMS, pairs, signature=local).status_code, 403)
        public = self.sign(SMS, pairs, url="https://leads.example.com" + SMS)
        self.assertEmptyTwiml(self.post(SMS, pairs, signature=public))
        self.assertTrue(self.lead_of(self.CALLER))

    def test_query_string_is_part_of_the_signed_url(self):
        pairs = self.sms_pairs("With a query")
        path = SMS + "?source=twilio&x=%20y"
        response = self.post(path, pairs, url=self.base().rstrip("/") + path)
        self.assertEmptyTwiml(response)
        self.assertTrue(self.lead_of(self.CALLER))

    # ------------------------------------------------------- opt-out
    def test_stop_blacklists_and_start_removes(self):
        lead = self.Lead.create(
            {"name": "Jane", "phone": self.CALLER, "company_id": self.company_a.id}
        )
        Blacklist = self.env["phone.blacklist"].sudo().with_context(active_test=False)
        stop = self.new_sid("SM")
        self.assertEmptyTwiml(self.sms("STOP", sid=stop))
        self.assertTrue(Blacklist.search([("number", "=", self.CALLER)]).active)
        self.assertEqual(self.events(stop).result, "sms_opted_out")
        self.assertIn("STOP", self.notes(lead)[-1])
        start = self.new_sid("SM")
        self.assertEmptyTwiml(self.sms("Start", sid=start))
        self.assertFalse(Blacklist.search([("number", "=", self.CALLER)]).active)
        self.assertEqual(self.events(start).result, "sms_opted_in")
        self.assertIn("START", self.notes(lead)[-1])
        self.assertEqual(len(self.lead_of(self.CALLER)), 1)

    def test_stop_from_an_unknown_number_makes_no_lead(self):
        sid = self.new_sid("SM")
        self.assertEmptyTwiml(self.sms("unsubscribe", sid=sid))
        self.assertFalse(self.lead_of(self.CALLER))
        self.assertEqual(self.events(sid).result, "sms_opted_out")
        self.assertTrue(
            self.env["phone.blacklist"].sudo().search([("number", "=", self.CALLER)])
        )


@tagged("post_install", "-at_install")
class TestTwilioVoice(TwilioCommon):
    def test_call_creates_lead_and_dials_the_forward_number(self):
        self.company_a.leads_call_forward_number = "+1 415 555 0177"
        pairs, response = self.call()
        (dial,) = self.twiml(response)
        self.assertEqual(dial.tag, "Dial")
        self.assertEqual(dial.text, "+14155550177")
        self.assertEqual(dial.get("action"), self.base().rstrip("/") + OUTCOME)
        lead = self.lead_of(self.CALLER)
        self.assertEqual(lead.channel_id.code, "call")
        self.assertEqual(self.events(pairs[0][1]).result, "lead_created")

    def test_call_without_forward_number_goes_to_voicemail(self):
        self.assertFalse(self.company_a.leads_call_forward_number)
        _pairs, response = self.call()
        self.assertVoicemail(response)
        self.assertTrue(self.company_a.leads_voicemail_greeting)

    def test_call_leads_off_rows(self):
        pairs, response = self.call(
            to=self.NUMBER_OFF, account=self.SID_OFF, token=self.TOKEN_OFF
        )
        self.assertVoicemail(response, self.company_off)
        self.assertEqual(self.events(pairs[0][1]).partner_id.name, "14155550911_call")
        pairs, response = self.call(
            to=self.NUMBER_SILENT, account=self.SID_SILENT, token=self.TOKEN_SILENT
        )
        self.assertVoicemail(response, self.company_silent)
        self.assertEqual(self.events(pairs[0][1]).result, "visitor_logged")

    def test_replayed_call_answers_the_same_and_changes_nothing(self):
        self.company_a.leads_call_forward_number = "+14155550177"
        pairs, first = self.call()
        again = self.post(VOICE, pairs)
        self.assertEqual(again.content, first.content)
        self.assertEqual(len(self.events(pairs[0][1])), 1)
        self.assertEqual(len(self.lead_of(self.CALLER)), 1)

    @mute_logger(CONTROLLER_LOGGER)
    def test_call_with_bad_signature_is_refused(self):
        pairs = self.call_pairs()
        response = self.post(VOICE, pairs, token=self.TOKEN_B)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.events(pairs[0][1]))

    # ------------------------------------------------------- outcomes
    def test_answered_call_logged_once_with_its_status(self):
        self.company_a.leads_call_forward_number = "+14155550177"
        self.company_a.leads_status_on_call_answered = self.status_connected
        pairs, _response = self.call()
        lead = self.lead_of(self.CALLER)
        self.assertFalse(lead.action_status_id)
        response = self.outcome(pairs, DialCallStatus="completed")
        self.assertEmptyTwiml(response)
        self.assertEqual(lead.action_status_id, self.status_connected)
        history = self.notes(lead)
        self.assertEqual(sum("Call answered" in body for body in history), 1)
        self.assertEmptyTwiml(self.outcome(pairs, DialCallStatus="completed"))
        self.assertEqual(self.notes(lead), history)
        outcome = self.Event.search([("external_id", "=", pairs[0][1] + ":dial")])
        self.assertEqual((outcome.result, outcome.lead_id), ("call_answered", lead))

    def test_statuses_stay_empty_by_default(self):
        self.company_a.leads_call_forward_number = "+14155550177"
        pairs, _response = self.call()
        self.outcome(pairs, DialCallStatus="no-answer")
        self.outcome(
            pairs, RecordingUrl="https://api.twilio.com/rec/RE1", RecordingDuration="7"
        )
        self.assertFalse(self.lead_of(self.CALLER).action_status_id)

    def test_missed_call_goes_to_voicemail_and_recording_is_in_history(self):
        self.company_a.leads_call_forward_number = "+14155550177"
        self.company_a.leads_status_on_call_missed = self.status_in_progress
        self.company_a.leads_status_on_voicemail = self.status_voicemail
        pairs, _response = self.call()
        lead = self.lead_of(self.CALLER)
        for status in ("no-answer", "busy", "failed", "canceled"):
            with self.subTest(status=status):
                response = self.outcome(pairs, DialCallStatus=status)
                self.assertVoicemail(response)
        self.assertEqual(lead.action_status_id, self.status_in_progress)
        self.assertEqual(sum("Missed call" in b for b in self.notes(lead)), 1)
        url = "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE42"
        for _replay in range(2):
            response = self.outcome(
                pairs,
                RecordingUrl=url,
                RecordingDuration="75",
                DialCallStatus="no-answer",
            )
            self.assertEmptyTwiml(response)
        self.assertEqual(lead.action_status_id, self.status_voicemail)
        voicemails = [b for b in self.notes(lead) if "Voicemail left" in b]
        self.assertEqual(len(voicemails), 1)
        self.assertIn(f'href="{url}"', voicemails[0])
        self.assertIn("1:15", voicemails[0])

    def test_outcome_without_known_status_stores_nothing(self):
        pairs, _response = self.call()
        response = self.post(OUTCOME, [*pairs[1:], ("CallSid", pairs[0][1])])
        self.assertEmptyTwiml(response)
        self.assertEqual(len(self.events(pairs[0][1])), 1)

    def test_missed_call_sms_is_off_by_default(self):
        self.company_a.leads_call_forward_number = "+14155550177"
        pairs, _response = self.call()
        self.outcome(pairs, DialCallStatus="no-answer")
        self.assertFalse(self.Sms.search([("number", "=", self.CALLER)]))

    def test_missed_call_sms_is_queued_once_from_the_business(self):
        self.company_a.write(
            {"leads_call_forward_number": "+14155550177", "leads_missed_call_sms": True}
        )
        pairs, _response = self.call()
        self.outcome(pairs, DialCallStatus="busy")
        self.outcome(pairs, DialCallStatus="busy")
        sms = self.Sms.search([("number", "=", self.CALLER)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.state, "outgoing")
        self.assertEqual(sms.body, self.company_a.leads_missed_call_sms_body)
        self.assertEqual(sms._get_sms_company(), self.company_a)
        lead = self.lead_of(self.CALLER)
        self.assertEqual(sum("Missed-call SMS sent" in b for b in self.notes(lead)), 1)

    def test_no_missed_call_sms_to_a_blacklisted_number(self):
        self.company_a.write(
            {"leads_call_forward_number": "+14155550177", "leads_missed_call_sms": True}
        )
        self.env["phone.blacklist"].sudo()._add([self.CALLER])
        pairs, _response = self.call()
        self.outcome(pairs, DialCallStatus="no-answer")
        self.assertFalse(self.Sms.search([("number", "=", self.CALLER)]))

    def test_call_and_sms_of_one_number_make_one_lead(self):
        _pairs, _response = self.call()
        self.sms("Called you just now")
        self.assertEqual(len(self.lead_of(self.CALLER)), 1)


@tagged("post_install", "-at_install")
class TestTwilioSettings(TwilioCommon):
    def test_company_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh Salon"})
        self.assertFalse(company.leads_call_forward_number)
        self.assertTrue(company.leads_voicemail_greeting)
        self.assertFalse(company.leads_missed_call_sms)
        self.assertTrue(company.leads_missed_call_sms_body)
        for fname in (
            "leads_status_on_call_answered",
            "leads_status_on_call_missed",
            "leads_status_on_voicemail",
            "leads_status_on_sms_received",
        ):
            self.assertFalse(company[fname], fname)

    def test_forward_number_must_be_a_phone_number(self):
        with self.assertRaises(ValidationError):
            self.company_a.leads_call_forward_number = "call me"
        self.company_a.leads_call_forward_number = "(415) 555-0177"
        self.assertEqual(self.company_a._leads_call_forward_key(), "+14155550177")

    def test_settings_page_shows_the_urls_and_writes_the_company(self):
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.company_a
        env = self.env(user=admin, context={"allowed_company_ids": [self.company_a.id]})
        with Form(env["res.config.settings"]) as form:
            self.assertEqual(form.leads_twilio_sms_url, self.base().rstrip("/") + SMS)
            self.assertEqual(
                form.leads_twilio_voice_url, self.base().rstrip("/") + VOICE
            )
            self.assertEqual(
                form.leads_twilio_outcome_url, self.base().rstrip("/") + OUTCOME
            )
            form.leads_call_forward_number = "+14155550177"
            form.leads_missed_call_sms = True
            form.leads_status_on_call_missed = self.status_in_progress
        form.record.execute()
        self.assertEqual(self.company_a.leads_call_forward_number, "+14155550177")
        self.assertTrue(self.company_a.leads_missed_call_sms)
        self.assertEqual(
            self.company_a.leads_status_on_call_missed, self.status_in_progress
        )

    def test_leads_settings_manager_edits_the_twilio_settings(self):
        user = self.make_user("twilio_settings", "settings")
        settings = (
            self.env["leads.settings"]
            .with_user(user)
            .with_context(allowed_company_ids=self.company_a.ids)
            .create({})
        )
        self.assertEqual(
            settings.leads_twilio_voice_url, self.base().rstrip("/") + VOICE
        )
        settings.write(
            {
                "leads_voicemail_greeting": "Leave us a message!",
                "leads_status_on_voicemail": self.status_voicemail.id,
            }
        )
        settings.action_save()
        self.assertEqual(self.company_a.leads_voicemail_greeting, "Leave us a message!")
        self.assertEqual(
            self.company_a.leads_status_on_voicemail, self.status_voicemail
        )
        self.assertTrue(self.company_a.leads_management_enabled)
