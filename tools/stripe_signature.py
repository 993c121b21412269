"""The signature of Stripe's webhooks (``Stripe-Signature``); no database.

Stripe signs ``"<t>." + raw body`` with HMAC-SHA256 and the endpoint's
signing secret (``whsec_...``, used as it is), and sends
``t=<unix seconds>,v1=<hex>[,v1=<hex>...]`` (several ``v1`` while a secret is
rolled; ``v0`` entries are test signatures, never accepted). The scheme is the
one of the module's own webhook, with the same 300 s tolerance.
"""

from .webhook_signature import SIGNATURE_TOLERANCE, verify_signature

TOLERANCE = SIGNATURE_TOLERANCE


def verify_stripe_signature(secret, header, raw_body, now=None):
    """Whether ``header`` signs ``raw_body`` with ``secret`` (constant time;
    an empty secret never matches)."""
    return verify_signature(secret, header, raw_body, now=now)
