"""Leads created and completed by senders (webhooks) and imports: the create
rules of leads_lead.py apply (normalisation, enabled check, constraints)."""

from odoo import api, models


class LeadsLead(models.Model):
    _inherit = "leads.lead"

    @api.model
    def _create_normalized(self, vals_list):
        """Create leads whose ``phone_sanitized`` and ``email_normalized`` the
        caller already computed, as the computes do (E.164 with the business's
        country, non-strict normal form): they are written with the lead
        instead of being computed again and updated row by row (imports and
        webhooks; an RPC create always computes them)."""
        Lead = self
        if len(vals_list) > 1:
            # Defaults depend on the user, business and context, never on the
            # row: a batch (an import) computes them once, not once per lead.
            Lead = self.with_context(
                leads_batch_defaults=self._leads_create_model()._add_missing_default_values(
                    {}
                )
            )
        leads = Lead.create(vals_list).with_env(self.env)
        for fname in ("phone_sanitized", "email_normalized"):
            if all(fname in vals for vals in vals_list):
                self.env.remove_to_compute(self._fields[fname], leads)
        return leads

    @api.model
    def _create_from_webhook(self, company, channel_code, data, phone_key, email_key):
        """Create the lead of a validated webhook payload (see leads.inbound.event);
        ``phone_key`` and ``email_key`` are the contact's normal forms."""
        contact = data["contact"]
        # The utm fields the payload leaves out are empty, not defaulted: no
        # default applies to a webhook's lead (and none is computed).
        vals = dict.fromkeys(("source_id", "medium_id", "campaign_id"), False)
        vals.update(self._prepare_webhook_vals(data))
        vals.update(
            {
                "name": contact["name"] or contact["phone"] or contact["email"],
                "phone": contact["phone"] or False,
                "email": contact["email"] or False,
                "company_id": company.id,
                "channel_id": self._webhook_channel(channel_code).id,
                "phone_sanitized": phone_key or False,
                "email_normalized": email_key or False,
            }
        )
        # The inbound event's own history entry replaces the creation message
        # and the tracking of the initial values (half the cost of a create).
        return self.with_context(tracking_disable=True)._create_normalized([vals])

    @api.model
    def _webhook_channel(self, code):
        # Built-in channels have an xml id (cached lookup, no query).
        return self._leads_data_record(
            f"leads_management.leads_channel_{code}", raise_if_not_found=False
        ) or self.env["leads.channel"]._get_by_code(code)

    @api.model
    def _leads_data_record(self, xmlid, raise_if_not_found=True):
        """``env.ref`` without its existence query (the webhook's hot path):
        the xml id lookup is cached, and deleting a record removes its xml id.
        Missing: ValueError, or None when ``raise_if_not_found`` is False."""
        model, res_id = self.env["ir.model.data"]._xmlid_to_res_model_res_id(
            xmlid, raise_if_not_found=raise_if_not_found
        )
        return self.env[model].browse(res_id) if res_id else None

    def _update_from_webhook(self, data):
        """Complete an open lead with a new event of the same contact."""
        self.ensure_one()
        contact = data["contact"]
        candidates = self._prepare_webhook_vals(data)
        # Only the fields compared below: reading one field would fetch every
        # field of the lead, and check access to each (4 ms here). sudo: the
        # caller found the lead among its business's own, no rule to apply.
        compared = [
            fname for fname in candidates if not fname.startswith(("x_", "booking_"))
        ]
        self.sudo().fetch(["name", "phone", "email", *compared])
        # Custom fields and the booking take the latest event's values.
        vals = {
            fname: value
            for fname, value in candidates.items()
            if fname.startswith(("x_", "booking_")) or not self[fname]
        }
        if contact["email"] and not self.email:
            vals["email"] = contact["email"]
        if contact["phone"] and not self.phone:
            vals["phone"] = contact["phone"]
        if contact["name"] and self.name in (self.phone, self.email):
            vals["name"] = contact["name"]
        if vals:
            self.write(vals)
        return True

    @api.model
    def _prepare_webhook_vals(self, data):
        vals = dict(data["fields"])
        booking = data["booking"]
        for key in ("service", "start", "recovery_url"):
            if booking[key]:
                vals[f"booking_{key}"] = booking[key]
        utm = data["utm"]
        if data["gclid"]:
            vals["gclid"] = data["gclid"]
            # The data record, or, once an administrator deleted it, the
            # source of that name.
            google_ads = self._leads_data_record(
                "leads_management.utm_source_google_ads", raise_if_not_found=False
            ) or self._find_or_create_record("utm.source", "Google Ads")
            vals["source_id"] = google_ads.id
        elif utm["source"]:
            vals["source_id"] = self._find_or_create_record(
                "utm.source", utm["source"]
            ).id
        if utm["medium"]:
            vals["medium_id"] = self._find_or_create_record(
                "utm.medium", utm["medium"]
            ).id
        if utm["campaign"]:
            vals["campaign_id"] = self._find_or_create_record(
                "utm.campaign", utm["campaign"]
            ).id
        return vals
