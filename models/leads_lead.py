from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.fields import Domain

CONVERSION_TRIGGERS = [
    ("manual", "Manual"),
    ("booking", "Booking completed"),
    ("package", "Package purchased"),
    ("membership", "Membership purchased"),
    ("transaction", "Transaction completed"),
]


class LeadsLead(models.Model):
    _name = "leads.lead"
    _description = "Lead"
    _inherit = [
        "mail.thread.blacklist",
        "mail.thread.phone",
        "mail.activity.mixin",
        "utm.mixin",
    ]
    _order = "id desc"
    _primary_email = "email"
    _check_company_auto = True
    _track_duration_field = "stage_id"

    name = fields.Char(
        string="Lead Name",
        required=True,
        tracking=True,
        index="trigram",
        help="The person or pet owner who got in touch. A call without a name is "
        "named after the phone number.",
    )
    phone = fields.Char(tracking=True)
    email = fields.Char(tracking=True)
    # phone_sanitized (E.164) comes from mail.thread.phone and email_normalized
    # from mail.thread.blacklist; both are stored and indexed for deduplication.
    phone_sanitized = fields.Char(index="btree_not_null")
    email_normalized = fields.Char(index="btree_not_null")
    company_id = fields.Many2one(
        "res.company",
        string="Business",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned Staff",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        domain="[('share', '=', False)]",
    )
    stage_id = fields.Many2one(
        "leads.lifecycle.stage",
        string="Lifecycle Stage",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        copy=False,
        group_expand="_read_group_expand_stage_ids",
        default=lambda self: self.env["leads.lifecycle.stage"]._get_default_stage(),
        help="Where the person is in your pipeline.",
    )
    action_status_id = fields.Many2one(
        "leads.action.status",
        string="Action Status",
        index="btree_not_null",
        tracking=True,
        ondelete="restrict",
        copy=False,
        help="What happened the last time you reached out. Empty until the first "
        "interaction.",
    )
    action_status_color = fields.Char(related="action_status_id.color")
    action_status_text_color = fields.Char(related="action_status_id.text_color")
    channel_id = fields.Many2one(
        "leads.channel",
        string="Channel",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        default=lambda self: self.env["leads.channel"]._get_by_code("manual"),
        help="Where the lead came from.",
    )
    channel_code = fields.Char(related="channel_id.code")
    gclid = fields.Char(
        string="Google Click ID",
        copy=False,
        help="Google Ads click identifier (GCLID) of the ad the lead came from.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        index="btree_not_null",
        tracking=True,
        readonly=True,
        copy=False,
        check_company=True,
        help="The client this lead was converted into.",
    )
    converted_date = fields.Datetime(readonly=True, copy=False)
    conversion_trigger = fields.Selection(
        CONVERSION_TRIGGERS, readonly=True, copy=False
    )
    is_converted = fields.Boolean(related="stage_id.is_converted")
    active = fields.Boolean(default=True, tracking=True)
    description = fields.Html(string="Notes")
    duplicate_lead_ids = fields.Many2many(
        "leads.lead", compute="_compute_duplicates", string="Matching Leads"
    )
    duplicate_partner_ids = fields.Many2many(
        "res.partner", compute="_compute_duplicates", string="Matching Clients"
    )

    # ------------------------------------------------------------------
    # Defaults, group expand and computes
    # ------------------------------------------------------------------

    @api.model
    def _read_group_expand_stage_ids(self, stages, domain):
        return stages.search([], order=stages._order)

    @api.depends("phone_sanitized", "email_normalized", "company_id")
    def _compute_duplicates(self):
        for lead in self:
            lead.duplicate_lead_ids = lead._find_matching_leads()
            lead.duplicate_partner_ids = lead._find_matching_partners()

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("phone", "email")
    def _check_contact(self):
        for lead in self:
            if not (lead.phone or "").strip() and not (lead.email or "").strip():
                raise ValidationError(
                    self.env._(
                        "Lead %(name)s needs a phone number or an email address.",
                        name=lead.name,
                    )
                )

    @api.constrains("stage_id", "converted_date")
    def _check_converted_stage(self):
        for lead in self:
            if lead.stage_id.is_converted and not lead.converted_date:
                raise ValidationError(
                    self.env._(
                        "Lead %(name)s is not converted yet: use Convert to turn it "
                        "into a client instead of moving it to %(stage)s.",
                        name=lead.name,
                        stage=lead.stage_id.name,
                    )
                )
            if lead.converted_date and not lead.stage_id.is_converted:
                raise ValidationError(
                    self.env._(
                        "Lead %(name)s has been converted to a client and stays in a "
                        "converted stage.",
                        name=lead.name,
                    )
                )

    # ------------------------------------------------------------------
    # Phone and email normalisation (mail.thread.phone / .blacklist hooks)
    # ------------------------------------------------------------------

    def _phone_get_number_fields(self):
        return ["phone"]

    def _phone_get_sanitize_triggers(self):
        return super()._phone_get_sanitize_triggers() + ["company_id"]

    def _phone_get_country(self):
        # A lead has no address: its business's country is the default region.
        countries = super()._phone_get_country()
        for lead in self:
            if lead.id not in countries and lead.company_id.country_id:
                countries[lead.id] = lead.company_id.country_id
        return countries

    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["partner_id"]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._prepare_create_vals(dict(vals)) for vals in vals_list]
        self._check_leads_enabled(vals_list)
        return super().create(vals_list)

    def _prepare_create_vals(self, vals):
        self._check_company_set(vals)
        for fname in ("name", "phone", "email"):
            if isinstance(vals.get(fname), str):
                vals[fname] = vals[fname].strip()
        if not vals.get("name"):
            vals["name"] = vals.get("phone") or vals.get("email") or False
        stage_id = vals.get("stage_id") or self.env.context.get("default_stage_id")
        if stage_id:
            stage = self.env["leads.lifecycle.stage"].browse(stage_id)
            try:
                # Read through the cache: a batch of leads in one stage (an
                # import) costs one query, not one per lead.
                converted = stage.is_converted
            except MissingError:
                converted = False
            if converted and not vals.get("converted_date"):
                # New leads never start converted (e.g. quick create in that column).
                vals["stage_id"] = (
                    self.env["leads.lifecycle.stage"]._get_default_stage().id
                )
        return vals

    def _check_company_set(self, vals):
        if "company_id" in vals and not vals["company_id"]:
            raise ValidationError(self.env._("A lead must belong to a business."))

    def _check_leads_enabled(self, vals_list):
        if self.env.su:
            return
        company_ids = {
            vals.get("company_id") or self.env.company.id for vals in vals_list
        }
        disabled = (
            self.env["res.company"]
            .browse(company_ids)
            .filtered(lambda c: not c.leads_management_enabled)
        )
        if disabled:
            raise UserError(
                self.env._(
                    "Leads Management is turned off for %(companies)s, so new leads "
                    "cannot be added there. An administrator can turn it on in "
                    "Settings > Leads.",
                    companies=", ".join(disabled.mapped("name")),
                )
            )

    def write(self, vals):
        self._check_company_set(vals)
        for fname in ("name", "phone", "email"):
            if isinstance(vals.get(fname), str):
                vals[fname] = vals[fname].strip()
        return super().write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%s (copy)", lead.name))
            if "name" not in (default or {})
            else vals
            for lead, vals in zip(self, vals_list, strict=True)
        ]

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (*key, self.env.company.leads_management_enabled)

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type in ("kanban", "list", "form") and not (
            self.env.company.leads_management_enabled
        ):
            # Leads Management off: no Add Lead button, no quick create. Existing
            # leads keep every other action.
            arch.set("create", "0")
            if view_type == "kanban":
                arch.set("quick_create", "0")
        return arch, view

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    def _contact_domain(self, phone_field, email_field):
        self.ensure_one()
        domain = Domain.FALSE
        if self.phone_sanitized:
            domain |= Domain(phone_field, "=", self.phone_sanitized)
        if self.email_normalized:
            domain |= Domain(email_field, "=", self.email_normalized)
        return domain

    def _find_matching_leads(self):
        """Open leads of the same business with the same phone or email."""
        self.ensure_one()
        domain = self._contact_domain("phone_sanitized", "email_normalized")
        if domain.is_false():
            return self.browse()
        domain &= Domain("company_id", "=", self.company_id.id)
        domain &= Domain("converted_date", "=", False)
        if self._origin.id:
            domain &= Domain("id", "!=", self._origin.id)
        return self.search(domain, limit=5)

    def _find_matching_partners(self):
        """Clients of the same business with the same phone or email."""
        self.ensure_one()
        domain = self._contact_domain("phone_sanitized", "email_normalized")
        if domain.is_false():
            return self.env["res.partner"]
        domain &= Domain("company_id", "in", [self.company_id.id, False])
        if self.partner_id:
            domain &= Domain("id", "!=", self.partner_id.id)
        return self.env["res.partner"].search(domain, limit=5)

    def action_open_duplicates(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Matching Leads"),
            "res_model": "leads.lead",
            "view_mode": "list,form",
            "domain": [("id", "in", self.duplicate_lead_ids.ids)],
        }

    def action_open_duplicate_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Matching Clients"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", self.duplicate_partner_ids.ids)],
        }

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            return self.env.ref("leads_management.mt_lead_stage")
        return super()._track_subtype(init_values)

    def _creation_subtype(self):
        return self.env.ref("leads_management.mt_lead_created")
