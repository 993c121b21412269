"""The signature of the module's own webhook (``X-Leads-Signature``); no database."""

import hashlib
import hmac
import time

SIGNATURE_TOLERANCE = 300  # seconds, either way
# Compared against when the company is unknown, so both paths cost the same.
_DUMMY_SECRET = b"leads-management-unknown-endpoint"


def _parse_header(header):
    """``(timestamp, [v1 signatures])`` of the header, or None when it cannot
    be a signature: missing, oversized, without a plain number of seconds or
    without any ``v1``."""
    if not header or len(header) > 2048:
        return None
    timestamp, candidates = None, []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit():
        return None
    if len(timestamp) > 12 or not candidates:
        return None
    return timestamp, candidates


def verify_signature(secrets, header, raw_body, now=None):
    """Check ``X-Leads-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]``.

    HMAC-SHA256(secret, "<t>." + raw body) for any of ``secrets`` (a secret
    or a list: the current one and the previous one during its grace period),
    constant-time comparison, the timestamp within 300 s of the server clock
    either way. No secret, or only empty ones, never matches (fail closed).
    """
    if isinstance(secrets, str) or secrets is None:
        secrets = [secrets]
    secrets = [secret for secret in secrets if secret]
    parsed = _parse_header(header)
    if parsed is None:
        return False
    timestamp, candidates = parsed
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > SIGNATURE_TOLERANCE:
        return False
    matched = False
    # Without a secret the work is the same, against a dummy key.
    for secret in secrets or [None]:
        key = secret.encode() if secret else _DUMMY_SECRET
        expected = hmac.new(
            key, timestamp.encode() + b"." + raw_body, hashlib.sha256
        ).hexdigest()
        for candidate in candidates[:8]:
            # compare_digest over bytes: non-ASCII input cannot raise.
            matched |= hmac.compare_digest(
                expected.encode(), candidate.encode("utf-8", "replace")
            )
    return matched and bool(secrets)
