from odoo import fields, models
from odoo.tools import SQL


class LeadsInboundKey(models.Model):
    """One row per (business, normalised phone or email) seen by the webhooks.

    Webhook processing upserts the rows of its contact before it looks for a
    matching lead or client. Under REPEATABLE READ, two transactions touching
    the same row cannot both commit: the second one gets a serialization
    failure, Odoo retries the request with a fresh snapshot, and the retry
    sees the lead the first one created. This serialises lead creation per
    contact without a unique index on leads (users may keep duplicates on
    purpose).
    """

    _name = "leads.inbound.key"
    _description = "Webhook Contact Key"
    _log_access = False

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade"
    )
    key = fields.Char(required=True)
    touched = fields.Datetime()

    _company_key_uniq = models.Constraint(
        "UNIQUE(company_id, key)", "A contact key exists once per business."
    )

    def _touch(self, company, keys, then=None):
        """Serialise on ``keys`` (e.g. ``phone:+1415...``) for ``company``.

        ``then``: a SELECT run in the same statement, after the keys (one
        round trip for both); its row is returned.
        """
        upsert = SQL(
            """
            INSERT INTO leads_inbound_key (company_id, key, touched)
            SELECT %s, key, now() at time zone 'UTC'
              FROM unnest(%s::varchar[]) AS key
             ORDER BY key
            ON CONFLICT (company_id, key)
            DO UPDATE SET touched = EXCLUDED.touched
            """,
            company.id,
            # Sorted: two events of the same contact lock its keys in order.
            sorted(set(keys)),
        )
        if then is not None:
            upsert = SQL("WITH touched AS (%s) %s", upsert, then)
        self.env.cr.execute(upsert, log_exceptions=False)
        return self.env.cr.fetchone() if then is not None else None
