"""What receiving an event may raise, for the routes to answer.

The models raise these and know no HTTP: the webhook controller maps each to
its sender's answer (controllers/main.py).
"""

import psycopg2

from odoo.exceptions import ConcurrencyError

from .tools.webhook_payload import InvalidPayload

__all__ = [
    "RETRYABLE_ERRORS",
    "IdempotencyConflict",
    "InvalidPayload",
    "SettledConflict",
]

# Database errors Odoo retries (a concurrent transaction won): never swallow them.
RETRYABLE_ERRORS = (ConcurrencyError, psycopg2.OperationalError)


class SettledConflict(ConcurrencyError):
    """A concurrent transaction committed the same unique value: a fresh
    transaction sees it (the webhook route retries at once)."""


class IdempotencyConflict(Exception):
    """An event id received before, now with a different body."""
