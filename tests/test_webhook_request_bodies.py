"""Request bodies that break HTTP framing, sent through a raw socket.

A client library always frames its body correctly, so these requests are
written byte by byte: a ``Content-Length`` larger than the body (the client
stops sending), a chunk size that is not hexadecimal, a chunk extension. Each
is answered 400 with its own code, stores nothing and logs no error.
"""

import json
import socket
from urllib.parse import urlencode

from odoo.tests import tagged

from .common_twilio import SMS, TwilioCommon
from .common_webhook import WebhookCommon, sign


def raw_exchange(test, path, head, body):
    """Send ``head`` (header lines) and ``body`` as they are, close the
    sending side and return (status, headers, body) of the answer."""
    test.cr.flush()
    test.cr.clear()
    request = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{test.http_port()}\r\n"
        "Connection: close\r\n" + "".join(f"{line}\r\n" for line in head) + "\r\n"
    ).encode() + body
    with test.allow_requests(all_requests=True):
        with socket.create_connection(("127.0.0.1", test.http_port()), 15) as sock:
            sock.sendall(request)
            # The client has nothing more to send: the server sees the end.
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    head_bytes, _, content = answer.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
    }
    return status, headers, content


class BrokenBodyMixin:
    def assertRefusedQuietly(self, send, status):
        """``send()`` is answered ``status``, stores no event and logs at most
        a warning."""
        Event = self.env["leads.inbound.event"].sudo()
        events_before = Event.search_count([])
        # Every logger propagates to the root one: none may log an error.
        with self.assertNoLogs(None, "ERROR"):
            answer_status, headers, content = send()
        self.assertEqual(answer_status, status, content)
        self.assertEqual(Event.search_count([]), events_before)
        return headers, content


@tagged("post_install", "-at_install")
class TestWebhookBrokenBodies(BrokenBodyMixin, WebhookCommon):
    def signed_body(self):
        return json.dumps(self.event(contact={"phone": "+1 415 555 0760"})).encode()

    def send(self, head, body):
        return raw_exchange(self, self.url(), head, body)

    def assertCode(self, headers, content, code):
        self.assertTrue(headers["content-type"].startswith("application/json"))
        data = json.loads(content)
        self.assertEqual(data["ok"], False, data)
        self.assertEqual(data["error"]["code"], code, data)
        self.assertNotIn("Traceback", content.decode())

    def test_content_length_larger_than_the_body_is_incomplete_body(self):
        body = self.signed_body()
        head = [
            "Content-Type: application/json",
            f"X-Leads-Signature: {sign(body)}",
            f"Content-Length: {len(body) + 40}",
        ]
        headers, content = self.assertRefusedQuietly(lambda: self.send(head, body), 400)
        self.assertCode(headers, content, "incomplete_body")

    def test_chunk_size_that_is_not_hexadecimal_is_invalid_body(self):
        body = self.signed_body()
        head = [
            "Content-Type: application/json",
            f"X-Leads-Signature: {sign(body)}",
            "Transfer-Encoding: chunked",
        ]
        chunked = b"zz\r\n" + body + b"\r\n0\r\n\r\n"
        headers, content = self.assertRefusedQuietly(
            lambda: self.send(head, chunked), 400
        )
        self.assertCode(headers, content, "invalid_body")

    def test_chunk_extension_is_invalid_body(self):
        body = self.signed_body()
        head = [
            "Content-Type: application/json",
            f"X-Leads-Signature: {sign(body)}",
            "Transfer-Encoding: chunked",
        ]
        chunked = b"%x;name=value\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        headers, content = self.assertRefusedQuietly(
            lambda: self.send(head, chunked), 400
        )
        self.assertCode(headers, content, "invalid_body")

    def test_well_formed_chunked_body_is_received(self):
        body = self.signed_body()
        head = [
            "Content-Type: application/json",
            f"X-Leads-Signature: {sign(body)}",
            "Transfer-Encoding: chunked",
        ]
        half = len(body) // 2
        chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
            half,
            body[:half],
            len(body) - half,
            body[half:],
        )
        status, _headers, content = self.send(head, chunked)
        self.assertEqual(status, 200, content)
        self.assertEqual(json.loads(content)["result"], "lead_created", content)


@tagged("post_install", "-at_install")
class TestTwilioBrokenBodies(BrokenBodyMixin, TwilioCommon):
    """Odoo parses a form before the route runs: a form that cannot be read
    is refused there, with Odoo's plain 400 page (Twilio always frames its
    requests; this proves only that nothing is stored and nothing breaks)."""

    def form(self):
        pairs = self.sms_pairs()
        return pairs, urlencode(pairs).encode()

    def assertPlainBadRequest(self, content):
        self.assertIn(b"Bad Request", content)
        self.assertNotIn(b"Traceback", content)

    def test_content_length_larger_than_the_form_is_refused(self):
        pairs, body = self.form()
        head = [
            "Content-Type: application/x-www-form-urlencoded",
            f"X-Twilio-Signature: {self.sign(SMS, pairs)}",
            f"Content-Length: {len(body) + 40}",
        ]
        _headers, content = self.assertRefusedQuietly(
            lambda: raw_exchange(self, SMS, head, body), 400
        )
        self.assertPlainBadRequest(content)

    def test_chunk_extension_in_a_form_is_refused(self):
        pairs, body = self.form()
        head = [
            "Content-Type: application/x-www-form-urlencoded",
            f"X-Twilio-Signature: {self.sign(SMS, pairs)}",
            "Transfer-Encoding: chunked",
        ]
        chunked = b"%x;name=value\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        _headers, content = self.assertRefusedQuietly(
            lambda: raw_exchange(self, SMS, head, chunked), 400
        )
        self.assertPlainBadRequest(content)
