"""Stripe's webhook events translated into the events of the webhook schema
(no database).

A paid Checkout Session, a succeeded PaymentIntent and a paid Invoice are a
``transaction.completed``; an expired Checkout Session is a
``booking.abandoned`` (its recovery link kept); any other type is stored as
ignored.
"""

PAYMENT_TYPES = (
    "checkout.session.completed",
    "payment_intent.succeeded",
    "invoice.paid",
)
EXPIRED_TYPE = "checkout.session.expired"
IGNORED_TYPE = "stripe.ignored"


def _dict(value):
    return value if isinstance(value, dict) else {}


def _str(value):
    return value.strip() or None if isinstance(value, str) else None


def _lead_id(metadata):
    value = _str(_dict(metadata).get("lead_id"))
    if value and value.isascii() and value.isdigit() and 0 < int(value) < 2**31:
        return int(value)
    return None


def _billing_details(obj):
    """billing_details of the PaymentIntent's charge, when the event has it
    (older API versions list the charges, newer ones expand latest_charge)."""
    charge = _dict(obj.get("latest_charge"))
    if not charge:
        charges = _dict(obj.get("charges")).get("data")
        charge = _dict(charges[0]) if isinstance(charges, list) and charges else {}
    return _dict(charge.get("billing_details"))


def _contact(obj):
    """Name, phone and email of the payer: customer_details, then the
    receipt email, then the billing details (invoices carry customer_*)."""
    sources = [
        _dict(obj.get("customer_details")),
        {"email": obj.get("receipt_email")},
        {
            "name": obj.get("customer_name"),
            "phone": obj.get("customer_phone"),
            "email": obj.get("customer_email"),
        },
        _billing_details(obj),
    ]
    contact = {"name": None, "phone": None, "email": None}
    for source in sources:
        for key in contact:
            contact[key] = contact[key] or _str(source.get(key))
    return contact


def _amount(event_type, obj):
    if event_type == "payment_intent.succeeded":
        amount = obj.get("amount_received", obj.get("amount"))
    elif event_type == "invoice.paid":
        amount = obj.get("amount_paid")
    else:
        amount = obj.get("amount_total")
    if isinstance(amount, bool) or not isinstance(amount, int):
        amount = None
    return {"amount_minor": amount, "currency": _str(obj.get("currency"))}


def translate(event):
    """The webhook schema's event of a Stripe event (a parsed JSON object);
    ValueError when it is not one."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise ValueError("not a Stripe event")
    event_type = _str(event.get("type")) or ""
    obj = _dict(_dict(event.get("data")).get("object"))
    translated = {"id": event["id"], "type": IGNORED_TYPE}
    stripe = {"type": event_type[:256], "object_id": _str(obj.get("id"))}
    paid = event_type in PAYMENT_TYPES and (
        event_type != "checkout.session.completed"
        or obj.get("payment_status") == "paid"
    )
    contact = _contact(obj)
    if paid:
        translated.update(
            type="transaction.completed",
            lead_id=_lead_id(obj.get("metadata")),
            contact=contact,
        )
        stripe.update(_amount(event_type, obj))
    elif event_type == EXPIRED_TYPE and (contact["phone"] or contact["email"]):
        recovery = _dict(_dict(obj.get("after_expiration")).get("recovery"))
        url = _str(recovery.get("url"))
        translated.update(
            type="booking.abandoned", contact=contact, booking={"recovery_url": url}
        )
        stripe["recovery_url"] = url
    translated["stripe"] = stripe
    return translated
