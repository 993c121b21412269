"""Refused requests: signatures and secrets, methods, sizes, media types,
malformed bodies; nothing of them is stored."""

import json
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.modules import neutralize
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.leads_management.tools.webhook_signature import verify_signature

from .common_webhook import CONTROLLER_LOGGER, SECRET, WebhookCommon, sign


@tagged("post_install", "-at_install")
class TestWebhookErrors(WebhookCommon):
    def assertNothingStored(self, count_before):
        self.assertEqual(self.Event.search_count([]), count_before)

    @mute_logger(CONTROLLER_LOGGER)
    def test_neutralized_copy_refuses_production_events(self):
        """Odoo's neutralization of a database copy (staging, support) removes
        the webhook secrets: an event signed for production, or a replay of
        one, is refused there until a new secret is generated."""
        payload = self.event(contact={"phone": "+14155550735"})
        self.company_a.sudo()._leads_generate_webhook_secret()  # a previous one too
        self.assertEqual(len(self.company_a.sudo()._leads_webhook_secrets()), 2)
        queries = list(neutralize.get_neutralization_queries(["leads_management"]))
        self.assertTrue(queries)
        self.env.flush_all()
        for query in queries:
            self.env.cr.execute(query)
        self.env.invalidate_all()
        count = self.Event.search_count([])
        self.assertError(self.post(payload), 401, "bad_signature")
        self.assertNothingStored(count)
        self.company_a.sudo()._leads_generate_webhook_secret(keep_previous=False)
        secret = self.company_a.sudo().leads_webhook_secret
        body = json.dumps(payload).encode()
        self.assertResult(
            self.post(raw=body, signature=sign(body, secret=secret)), "lead_created"
        )

    def test_bad_signatures(self):
        payload = self.event(contact={"phone": "+14155550730"})
        body = json.dumps(payload).encode()
        now = int(time.time())
        good = sign(body)
        cases = {
            "missing": None,
            "empty": "",
            "garbage": "nonsense",
            "no v1": f"t={now}",
            "no t": good.split(",")[1],
            "wrong value": f"t={now},v1={'0' * 64}",
            "wrong secret": sign(body, secret="other-secret"),
            "stale": sign(body, timestamp=now - 301),
            "a day old": sign(body, timestamp=now - 86400),
            "future": sign(body, timestamp=now + 3600),
            "non ascii": f"t={now},v1=é{'0' * 63}",
            "huge t": f"t={'9' * 40},v1={'0' * 64}",
        }
        before = self.Event.search_count([])
        for label, header in cases.items():
            with self.subTest(label), mute_logger(CONTROLLER_LOGGER):
                headers = {"Content-Type": "application/json"}
                if header is not None:
                    headers["X-Leads-Signature"] = header
                response = self.url_open(self.url(), data=body, headers=headers)
                self.assertError(response, 401, "bad_signature")
        # Body tampered after signing: one byte, whitespace, key order.
        for tampered in (
            body.replace(b"0730", b"0731"),
            body + b" ",
            json.dumps(dict(reversed(list(payload.items())))).encode(),
        ):
            with self.subTest(tampered=tampered), mute_logger(CONTROLLER_LOGGER):
                self.assertError(
                    self.post(raw=tampered, signature=good), 401, "bad_signature"
                )
        self.assertNothingStored(before)
        self.assertFalse(self.Lead.search([("phone_sanitized", "=", "+14155550730")]))

    def test_rotation_several_v1(self):
        body = json.dumps(self.event(contact={"phone": "+14155550731"})).encode()
        now = int(time.time())
        old = sign(body, secret="old-secret", timestamp=now).split(",")[1]
        header = f"{sign(body, timestamp=now)},{old}"
        self.assertResult(self.post(raw=body, signature=header), "lead_created")

    def test_regenerated_secret_grace_period(self):
        """W06: after a regeneration the previous secret is accepted for 24 h,
        then refused; revoking it refuses it at once."""
        company = self.company_a.sudo()
        company.action_regenerate_leads_webhook_secret()
        new_secret = company.leads_webhook_secret
        self.assertNotEqual(new_secret, SECRET)
        self.assertEqual(company.leads_webhook_secret_previous, SECRET)
        self.assertAlmostEqual(
            company.leads_webhook_secret_previous_expiry,
            fields.Datetime.now() + timedelta(hours=24),
            delta=timedelta(minutes=1),
        )

        def call(phone, secret):
            body = json.dumps(self.event(contact={"phone": phone})).encode()
            return self.post(raw=body, signature=sign(body, secret=secret))

        # Both secrets during the grace period, alone or side by side.
        self.assertResult(call("+14155550741", SECRET), "lead_created")
        self.assertResult(call("+14155550742", new_secret), "lead_created")
        # Once the grace period is over, the previous secret is refused.
        company.leads_webhook_secret_previous_expiry = (
            fields.Datetime.now() - timedelta(seconds=1)
        )
        with mute_logger(CONTROLLER_LOGGER):
            self.assertError(call("+14155550743", SECRET), 401, "bad_signature")
        self.assertResult(call("+14155550744", new_secret), "lead_created")
        self.assertFalse(self.Lead.search([("phone_sanitized", "=", "+14155550743")]))

        # A leaked secret: regenerate, then revoke the previous one at once.
        company.leads_webhook_secret = SECRET
        company.action_regenerate_leads_webhook_secret()
        self.assertResult(call("+14155550745", SECRET), "lead_created")
        company.action_revoke_leads_webhook_previous_secret()
        with mute_logger(CONTROLLER_LOGGER):
            self.assertError(call("+14155550746", SECRET), 401, "bad_signature")
        self.assertFalse(company.leads_webhook_secret_previous)

    def test_second_regeneration_never_cuts_off_the_senders(self):
        """Regenerating again during the grace period would replace the
        secret every sender still signs with by one none has: refused with
        the way out (revoke first, or wait), and the senders keep working."""
        company = self.company_a.sudo()
        company.action_regenerate_leads_webhook_secret()
        new_secret = company.leads_webhook_secret
        with self.assertRaisesRegex(UserError, "Revoke Now"):
            company.action_regenerate_leads_webhook_secret()
        self.assertEqual(company.leads_webhook_secret, new_secret)
        self.assertEqual(company._leads_webhook_secrets(), [new_secret, SECRET])
        body = json.dumps(self.event(contact={"phone": "+14155550747"})).encode()
        self.assertResult(self.post(raw=body, signature=sign(body)), "lead_created")
        # Revoked (the previous secret refused on purpose): regenerating works.
        company.action_revoke_leads_webhook_previous_secret()
        company.action_regenerate_leads_webhook_secret()
        self.assertEqual(company.leads_webhook_secret_previous, new_secret)

    def test_webhook_user_cannot_be_deleted(self):
        """Every event is processed as the Leads Webhook user: an
        administrator deleting it is refused (it would lose every event)."""
        admin = self.make_user("webhook_user_admin", "base.group_system")
        with self.assertRaisesRegex(UserError, "Leads Webhook"):
            self.runner.with_user(admin).unlink()
        self.assertTrue(self.runner.exists())
        self.assertResult(
            self.post(self.event(contact={"phone": "+14155550748"})), "lead_created"
        )

    def test_revoke_previous_secret_needs_settings_group(self):
        company = self.company_a.sudo()
        company.action_regenerate_leads_webhook_secret()
        user = self.make_user("not_settings", "view_working,edit_info")
        with self.assertRaises(AccessError):
            self.company_a.with_user(user).action_revoke_leads_webhook_previous_secret()
        with self.assertRaises(AccessError):
            self.company_a.with_user(user).read(["leads_webhook_secret_previous"])
        self.assertEqual(company.leads_webhook_secret_previous, SECRET)

    def test_empty_secret_fails_closed(self):
        self.company_a.sudo().leads_webhook_secret = False
        body = json.dumps(self.event(contact={"phone": "+14155550732"})).encode()
        for secret in ("", SECRET):
            with mute_logger(CONTROLLER_LOGGER):
                self.assertError(
                    self.post(raw=body, signature=sign(body, secret=secret)),
                    401,
                    "bad_signature",
                )
        self.assertFalse(verify_signature("", sign(body, secret=""), body))
        # Emptied during the grace period of a regeneration: the previous
        # secret is refused too.
        company = self.company_a.sudo()
        company.leads_webhook_secret = SECRET
        company.action_regenerate_leads_webhook_secret()
        company.leads_webhook_secret = False
        with mute_logger(CONTROLLER_LOGGER):
            self.assertError(
                self.post(raw=body, signature=sign(body, secret=SECRET)),
                401,
                "bad_signature",
            )
        self.assertFalse(self.Lead.search([("phone_sanitized", "=", "+14155550732")]))

    def test_unknown_company_same_message(self):
        body = json.dumps(self.event(contact={"phone": "+14155550733"})).encode()
        unknown = self.assertError(
            self.post(raw=body, company=987654), 404, "unknown_company"
        )
        with mute_logger(CONTROLLER_LOGGER):
            bad = self.assertError(
                self.post(raw=body, signature="t=1,v1=00"), 401, "bad_signature"
            )
        self.assertEqual(unknown["error"]["message"], bad["error"]["message"])
        self.company_b.active = False
        self.assertError(
            self.post(raw=body, company=self.company_b), 404, "unknown_company"
        )

    def test_methods(self):
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            with self.subTest(method):
                response = self.url_open(self.url(), method=method)
                self.assertError(response, 405, "method_not_allowed")
                self.assertEqual(response.headers.get("Allow"), "POST")

    def test_too_large(self):
        body = b'{"id": "x", "pad": "' + b"a" * (256 * 1024) + b'"}'
        self.assertError(self.post(raw=body), 413, "too_large")
        # Sent in chunks, without a Content-Length: bounded all the same.
        before = self.Event.search_count([])

        def chunks():
            yield b'{"id": "chunked", "pad": "'
            for _i in range(70):
                yield b"a" * 4096
            yield b'"}'

        response = self.url_open(
            self.url(),
            data=chunks(),
            headers={
                "Content-Type": "application/json",
                "X-Leads-Signature": "t=1,v1=00",
            },
        )
        self.assertError(response, 413, "too_large")
        self.assertNothingStored(before)

    def test_content_type(self):
        body = json.dumps(self.event(contact={"phone": "+14155550734"})).encode()
        for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
            with self.subTest(content_type):
                self.assertError(
                    self.post(raw=body, content_type=content_type),
                    415,
                    "unsupported_media_type",
                )
        self.assertResult(
            self.post(raw=body, content_type="application/json; charset=utf-8"),
            "lead_created",
        )

    def test_invalid_json(self):
        for raw in (
            b"",
            b"{",
            b"not json",
            b"\xff\xfe{}",
            b'{"id": NaN}',
            b"[" * 100000 + b"]" * 100000,
            b'{"a":' * 30000 + b"1" + b"}" * 30000,
            b"1" * 5000,
        ):
            with self.subTest(raw=raw[:20]):
                self.assertError(self.post(raw=raw, method="POST"), 400, "invalid_json")

    def test_invalid_payloads(self):
        """A generated set of malformed bodies: 400 naming the field, nothing stored."""
        ok_contact = {"phone": "+14155550735"}
        cases = [
            ([], "body"),
            ("string", "body"),
            (None, "body"),
            ({}, "id"),
            ({"type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": "", "type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": "x" * 129, "type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": 5, "type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": "a\x00", "type": "call.inbound", "contact": ok_contact}, "id"),
            ({"id": "e1", "contact": ok_contact}, "type"),
            ({"id": "e1", "type": "call.unknown", "contact": ok_contact}, "type"),
            ({"id": "e1", "type": ["call.inbound"], "contact": ok_contact}, "type"),
            ({"id": "e1", "type": "call.inbound"}, "contact.phone"),
            ({"id": "e1", "type": "call.inbound", "contact": "x"}, "contact"),
            ({"id": "e1", "type": "call.inbound", "contact": []}, "contact"),
            (
                {"id": "e1", "type": "call.inbound", "contact": {"phone": 4155550700}},
                "contact.phone",
            ),
            (
                {"id": "e1", "type": "call.inbound", "contact": {"phone": ["+1"]}},
                "contact.phone",
            ),
            (
                {"id": "e1", "type": "call.inbound", "contact": {"phone": "1" * 65}},
                "contact.phone",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": dict(ok_contact, name="n" * 100000),
                },
                "contact.name",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": dict(ok_contact, name="Jo\x00hn"),
                },
                "contact.name",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": dict(ok_contact, email=42),
                },
                "contact.email",
            ),
            (
                {"id": "e1", "type": "intake_form.submitted", "contact": {}},
                "contact",
            ),
            (
                {"id": "e1", "type": "booking.completed", "lead_id": "42"},
                "lead_id",
            ),
            ({"id": "e1", "type": "booking.completed", "lead_id": True}, "lead_id"),
            ({"id": "e1", "type": "booking.completed", "lead_id": -1}, "lead_id"),
            ({"id": "e1", "type": "booking.completed", "lead_id": 2**40}, "lead_id"),
            ({"id": "e1", "type": "booking.completed", "lead_id": 1.5}, "lead_id"),
            (
                {
                    "id": "e1",
                    "type": "sms.inbound",
                    "contact": ok_contact,
                    "message": 1,
                },
                "message",
            ),
            (
                {
                    "id": "e1",
                    "type": "sms.inbound",
                    "contact": ok_contact,
                    "message": "m" * 10001,
                },
                "message",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": ok_contact,
                    "gclid": {},
                },
                "gclid",
            ),
            (
                {"id": "e1", "type": "call.inbound", "contact": ok_contact, "utm": "x"},
                "utm",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": ok_contact,
                    "utm": {"source": 1},
                },
                "utm.source",
            ),
            (
                {
                    "id": "e1",
                    "type": "call.inbound",
                    "contact": ok_contact,
                    "occurred_at": "yesterday",
                },
                "occurred_at",
            ),
        ]
        before = self.Event.search_count([])
        leads_before = self.Lead.search_count([])
        for payload, field in cases:
            with self.subTest(payload=str(payload)[:80]):
                error = self.assertError(self.post(payload), 400, "invalid_payload")
                self.assertTrue(
                    error["error"]["message"].startswith(field + " "),
                    error["error"]["message"],
                )
                self.assertLess(len(error["error"]["message"]), 300)
        self.assertNothingStored(before)
        self.assertEqual(self.Lead.search_count([]), leads_before)

    def test_unexpected_error_is_no_500(self):
        payload = self.event(contact={"phone": "+14155550742"})
        Event = type(self.env["leads.inbound.event"])
        before = self.Event.search_count([])
        with (
            patch.object(Event, "_validate_payload", side_effect=KeyError("bug")),
            mute_logger(CONTROLLER_LOGGER),
        ):
            response = self.post(payload)
        error = self.assertError(response, 400, "invalid_payload")
        self.assertNotIn("bug", error["error"]["message"])
        self.assertNothingStored(before)

    def test_query_string_is_ignored(self):
        body = json.dumps(self.event(contact={"phone": "+14155550736"})).encode()
        response = self.url_open(
            self.url() + "?company_id=2&debug=1&x=1",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Leads-Signature": sign(body),
            },
        )
        self.assertResult(response, "lead_created")
