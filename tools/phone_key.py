"""The phone key: what leads are matched and deduplicated on.

Kept free of the ORM so that the import's helper process (phone_key_helper)
can load this very function without the module's models.
"""

from odoo.exceptions import UserError

from odoo.addons.phone_validation.tools import phone_validation


def leads_phone_key(number, country_code, country_phone_code):
    """E.164 form of ``number`` in the region of ``country_code``, as Odoo's
    ``_phone_format`` computes it; False when it has none."""
    if not number:
        return False
    try:
        return phone_validation.phone_format(
            number,
            country_code,
            country_phone_code,
            force_format="E164",
            raise_exception=True,
        )
    except UserError:
        return False


def leads_phone_display(e164, country_code, country_phone_code):
    """How a lead's number is shown on its card, whatever way it was typed:
    the national form for a number of the business's own country (as staff
    dial it), else the international form; ``e164`` when it cannot be parsed."""
    if not e164:
        return False
    return phone_validation.phone_format(
        e164,
        country_code,
        country_phone_code,
        force_format="NATIONAL",
        raise_exception=False,
    )
