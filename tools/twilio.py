"""Twilio's side of its webhooks, as plain functions (no database).

Signature: https://www.twilio.com/docs/usage/security#validating-requests,
which Twilio's own ``RequestValidator`` implements: base64 HMAC-SHA1, keyed
with the account's auth token, over the URL Twilio called followed by each
POST parameter name and value, sorted by name (then value; a repeated
identical pair counts once).
"""

import base64
import hashlib
import hmac
import re
from urllib.parse import urlsplit, urlunsplit

# The routes Twilio posts to (controllers/twilio.py).
SMS_PATH = "/leads/v1/twilio/sms"
VOICE_PATH = "/leads/v1/twilio/voice"
OUTCOME_PATH = "/leads/v1/twilio/voice/outcome"
# Carriers' opt-out and opt-in keywords (the whole message, any case).
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
# <Dial>'s DialCallStatus values.
DIAL_ANSWERED = frozenset({"completed", "answered"})
DIAL_MISSED = frozenset({"no-answer", "busy", "failed", "canceled"})
MAX_MEDIA = 10  # Twilio sends at most ten MediaUrl<N>
_MEDIA_PARAM = re.compile(r"^MediaUrl(\d{1,2})$")
# Compared against when the business is unknown, so both paths cost the same.
_DUMMY_TOKEN = "leads-management-unknown-twilio-number"


def first(pairs, name):
    """The first value of ``name`` among ``pairs``; None when absent."""
    for key, value in pairs:
        if key == name:
            return value
    return None


def compute_signature(auth_token, url, pairs):
    """``X-Twilio-Signature`` of a request to ``url`` with the POST ``pairs``."""
    values = {}
    for key, value in pairs:
        values.setdefault(key, set()).add(value)
    data = url + "".join(
        key + value for key in sorted(values) for value in sorted(values[key])
    )
    digest = hmac.new(
        auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url):
    """The URL as called, and with its default port added or removed: Twilio
    signs either (its validator accepts both, built the same way)."""
    parts = urlsplit(url)
    if parts.port:
        without = parts._replace(netloc=parts.netloc.split(":")[0])
        return [url, urlunsplit(without)]
    port = 443 if parts.scheme == "https" else 80
    return [url, urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))]


def verify_signature(auth_token, url, pairs, signature):
    """Whether ``signature`` is Twilio's for this request, in constant time.

    No token never matches (the work is done against a dummy one).
    """
    signature = (signature or "").strip()
    matched = False
    for variant in _url_variants(url):
        expected = compute_signature(auth_token or _DUMMY_TOKEN, variant, pairs)
        # Over bytes: a signature with non-ASCII characters cannot raise.
        matched |= hmac.compare_digest(
            expected.encode("ascii"), signature.encode("utf-8", "replace")
        )
    return matched and bool(auth_token) and bool(signature)


def opt_keyword(body):
    """``"out"`` for an opt-out keyword (STOP...), ``"in"`` for an opt-in one
    (START, UNSTOP), None for any other message."""
    word = (body or "").strip().rstrip(".!").upper()
    if word in OPT_OUT_KEYWORDS:
        return "out"
    if word in OPT_IN_KEYWORDS:
        return "in"
    return None


def media_urls(pairs):
    """The ``MediaUrl<N>`` links of an MMS, in their order."""
    found = {}
    for key, value in pairs:
        match = _MEDIA_PARAM.match(key)
        if match and value and int(match.group(1)) < MAX_MEDIA:
            found.setdefault(int(match.group(1)), value)
    return [found[index] for index in sorted(found)]


def call_outcome(pairs):
    """``"answered"``, ``"missed"`` or ``"voicemail"`` of a call's outcome
    callback (``<Dial>``'s or ``<Record>``'s action); None for anything else."""
    if first(pairs, "RecordingUrl"):
        return "voicemail"
    status = (first(pairs, "DialCallStatus") or "").strip().lower()
    if status in DIAL_ANSWERED:
        return "answered"
    if status in DIAL_MISSED:
        return "missed"
    return None


def seconds(value):
    """A whole number of seconds (``RecordingDuration``); None otherwise."""
    if value and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return None
