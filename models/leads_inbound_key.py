from odoo import fields, models


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

    def _touch(self, company, keys):
        """Serialise on ``keys`` (e.g. ``phone:+1415...``) for ``company``."""
        for key in sorted(set(keys)):
            self.env.cr.execute(
                """
                INSERT INTO leads_inbound_key (company_id, key, touched)
                VALUES (%s, %s, now() at time zone 'UTC')
                ON CONFLICT (company_id, key)
                DO UPDATE SET touched = EXCLUDED.touched
                """,
                [company.id, key],
                log_exceptions=False,
            )
