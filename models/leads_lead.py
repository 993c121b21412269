import ast

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.utm.models.utm_mixin import UtmMixin

from ..tools.contact import ContactError, email_key, normalize_email
from ..tools.phone_key import leads_phone_display

GROUP_CONTACT = "leads_management.group_lead_view_contact"
# Only conversion (action_convert, in sudo after its checks) sets these.
CONVERSION_FIELDS = ("partner_id", "converted_date", "conversion_trigger")
GROUP_TASKS = "leads_management.group_lead_view_tasks"

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
        "leads.contact.mixin",
        "mail.thread.blacklist",
        "mail.thread.phone",
        "mail.activity.mixin",
        "utm.mixin",
    ]
    _order = "id desc"
    _primary_email = "email"
    # Posting and scheduling need only read access on the lead: the Leads groups
    # decide who may log notes, send messages and plan tasks (mail_message.py,
    # mail_activity.py), independently of the right to edit the lead itself.
    _mail_post_access = "read"
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
    phone = fields.Char(tracking=True, groups=GROUP_CONTACT)
    email = fields.Char(tracking=True, groups=GROUP_CONTACT)
    # phone_sanitized (E.164) comes from mail.thread.phone and email_normalized
    # from mail.thread.blacklist; both are stored and indexed for deduplication.
    # Every field that reveals the contact is restricted like phone and email.
    phone_sanitized = fields.Char(index="btree_not_null", groups=GROUP_CONTACT)
    email_normalized = fields.Char(index="btree_not_null", groups=GROUP_CONTACT)
    phone_mobile_search = fields.Char(groups=GROUP_CONTACT)
    phone_sanitized_blacklisted = fields.Boolean(groups=GROUP_CONTACT)
    phone_blacklisted = fields.Boolean(groups=GROUP_CONTACT)
    is_blacklisted = fields.Boolean(groups=GROUP_CONTACT)
    message_bounce = fields.Integer(groups=GROUP_CONTACT)
    # Tasks (activities) are visible only to users allowed to see them.
    activity_ids = fields.One2many(groups=GROUP_TASKS)
    activity_state = fields.Selection(groups=GROUP_TASKS)
    activity_user_id = fields.Many2one(groups=GROUP_TASKS)
    activity_type_id = fields.Many2one(groups=GROUP_TASKS)
    activity_type_icon = fields.Char(groups=GROUP_TASKS)
    activity_date_deadline = fields.Date(groups=GROUP_TASKS)
    my_activity_date_deadline = fields.Date(groups=GROUP_TASKS)
    activity_summary = fields.Char(groups=GROUP_TASKS)
    activity_exception_decoration = fields.Selection(groups=GROUP_TASKS)
    activity_exception_icon = fields.Char(groups=GROUP_TASKS)
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
    booking_service = fields.Char(
        string="Booking For",
        help="What the person was booking when they left the online booking, as the "
        "booking system sent it.",
    )
    booking_start = fields.Datetime(
        string="Booking Time", help="When the abandoned booking was for."
    )
    booking_recovery_url = fields.Char(
        string="Booking Link",
        help="The booking system's link to finish the booking, to send to the person.",
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
    description = fields.Html(
        string="Description",
        help="What the person asked for: part of the lead's details (Edit Lead "
        "Information). Notes of each contact go in the history (Log note).",
    )
    duplicate_lead_ids = fields.Many2many(
        "leads.lead",
        compute="_compute_duplicates",
        string="Matching Leads",
        groups=GROUP_CONTACT,
    )
    duplicate_partner_ids = fields.Many2many(
        "res.partner",
        compute="_compute_duplicates",
        string="Matching Clients",
        groups=GROUP_CONTACT,
    )
    can_call = fields.Boolean(compute="_compute_can_call")
    phone_display = fields.Char(
        string="Phone number",
        compute="_compute_phone_display",
        groups=GROUP_CONTACT,
        help="The phone in one format on every card, however it was typed.",
    )

    # Matching a phone without an E.164 form ("12345") compares it as typed,
    # within a business (webhooks, duplicate warning).
    _raw_phone_idx = models.Index(
        "(company_id, phone) WHERE phone_sanitized IS NULL AND phone IS NOT NULL"
    )

    # ------------------------------------------------------------------
    # Defaults, group expand and computes
    # ------------------------------------------------------------------

    @api.model
    def default_get(self, fields):
        # utm.mixin takes the utm fields' defaults from the request's cookies:
        # a website visitor's campaign. Leads are added by staff, imports and
        # webhooks, whose cookies are the staff's browser's or the sender's
        # HTTP client's (outside the signed body), never the lead's: those
        # fields keep the ordinary defaults only (context, ir.default).
        utm_fields = {
            fname for _param, fname, _cookie in self.env["utm.mixin"].tracking_fields()
        }
        values = super().default_get([f for f in fields if f not in utm_fields])
        if asked := [fname for fname in fields if fname in utm_fields]:
            values.update(super(UtmMixin, self).default_get(asked))
        return values

    @api.model
    def _read_group_expand_stage_ids(self, stages, domain):
        # Every column shows, empty or not: stages are a handful of records.
        return stages.search([], order=stages._order)  # pylint: disable=no-search-all

    @api.depends("phone", "phone_sanitized", "email_normalized", "company_id")
    @api.depends_context("uid")
    def _compute_duplicates(self):
        if not self._leads_can_list():
            # Individual scope opens leads by link; it does not discover others.
            self.duplicate_lead_ids = False
            self.duplicate_partner_ids = False
            return
        for lead in self:
            lead.duplicate_lead_ids = lead._find_matching_leads()
            lead.duplicate_partner_ids = lead._find_matching_partners()

    @api.depends("company_id.leads_calling_enabled")
    @api.depends_context("uid")
    def _compute_can_call(self):
        allowed = self._leads_has_group("group_lead_call") and self._leads_has_group(
            "group_lead_view_contact"
        )
        for lead in self:
            # sudo: View at All Businesses reads leads of businesses the
            # user does not work at, whose settings are no secret.
            lead.can_call = allowed and lead.company_id.sudo().leads_calling_enabled

    @api.depends("phone", "phone_sanitized", "company_id")
    def _compute_phone_display(self):
        for lead in self:
            country = lead.company_id.sudo().country_id
            lead.phone_display = (
                leads_phone_display(
                    lead.phone_sanitized, country.code, country.phone_code
                )
                if lead.phone_sanitized
                else lead.phone
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("phone", "email")
    def _check_contact(self):
        # sudo: the rule holds whoever edits the lead, with or without the
        # right to see its contact details.
        for lead in self.sudo():
            if not (lead.phone or "").strip() and not (lead.email or "").strip():
                raise ValidationError(self._leads_missing_contact_error(lead.name))

    @api.constrains("stage_id", "converted_date")
    def _check_converted_stage(self):
        # From the table, not the ormcache of _leads_stage_ids: the rule must
        # hold even while another transaction changes the stages. Only the
        # flag: the check runs on every new lead (a webhook's, an imported
        # row's), and reading the stage records would fetch all their fields.
        Stage = self.env["leads.lifecycle.stage"]
        Stage.flush_model(["is_converted"])
        self.env.cr.execute(
            "SELECT id FROM leads_lifecycle_stage WHERE id = ANY(%s) AND is_converted",
            [self.stage_id.ids],
        )
        converted_stage_ids = {stage_id for (stage_id,) in self.env.cr.fetchall()}
        for lead in self:
            in_converted_stage = lead.stage_id.id in converted_stage_ids
            if in_converted_stage and not lead.converted_date:
                raise ValidationError(
                    self.env._(
                        "Lead %(name)s is not converted yet: use Convert to turn it "
                        "into a client instead of moving it to %(stage)s.",
                        name=lead.name,
                        stage=lead.stage_id.name,
                    )
                )
            if lead.converted_date and not in_converted_stage:
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
        # The business's country, the default region, is handled apart: see
        # res.partner._leads_country_changed.
        return super()._phone_get_sanitize_triggers() + ["company_id"]

    def _phone_get_country(self):
        # A lead has no address: its business's country is the default region.
        countries = super()._phone_get_country()
        for lead in self:
            country = lead.company_id and lead.company_id._leads_phone_country()
            if lead.id not in countries and country:
                countries[lead.id] = country
        return countries

    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["partner_id"]

    def _partner_find_from_emails(
        self,
        records_emails,
        avoid_alias=True,
        ban_emails=None,
        filter_found=None,
        additional_values=None,
        no_create=False,
    ):
        # Emailing a lead makes no contact of its address (it would then show
        # as a client with the same email): the address is written to as is
        # (_leads_email_to), and the client is made by conversion only.
        return super()._partner_find_from_emails(
            records_emails,
            avoid_alias=avoid_alias,
            ban_emails=ban_emails,
            filter_found=filter_found,
            additional_values=additional_values,
            no_create=True,
        )

    @api.model
    def _leads_email_to(self, emails):
        """``outgoing_email_to`` for a message of a lead sent to ``emails``,
        which stay addresses (no contact is made of them)."""
        addresses = []
        for email in emails:
            try:
                normalized = email_key(normalize_email(email))
            except ContactError:
                normalized = False
            if not normalized:
                raise UserError(
                    self.env._("“%(email)s” is not a valid email address.", email=email)
                )
            addresses.append(normalized)
        return ",".join(dict.fromkeys(addresses))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def _check_protected_vals(self, vals):
        if self.env.su:
            return
        if any(vals.get(fname) for fname in CONVERSION_FIELDS):
            raise AccessError(self.env._("Leads become clients through Convert only."))
        if vals.get("company_id") and not self._leads_has_group("group_lead_view_all"):
            if vals["company_id"] not in self.env.companies.ids:
                raise AccessError(
                    self.env._("You can only put leads in the businesses you work at.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        Lead, vals_list = self._leads_prepare_create(vals_list)
        return super(LeadsLead, Lead).create(vals_list)

    @api.model
    def _leads_create_model(self):
        """The model new leads are created with, and take their defaults from.

        A lead becomes a client through Convert only: the context's defaults
        of the conversion fields (a kanban column of a grouping by client, or
        any RPC call's context) are dropped whoever creates, the superuser of
        an import included, as for a converted stage (_prepare_create_vals).
        """
        protected = {f"default_{fname}" for fname in CONVERSION_FIELDS}
        if protected & set(self.env.context):
            return self.with_context(**dict.fromkeys(protected, False))
        return self

    @api.model
    def _leads_prepare_create(self, vals_list):
        """The create funnel of every new lead: create() and the import's
        COPY (leads_lead_copy.py) both start here, so that a rule added here
        holds for both. Returns ``(model, values)``: the model to create the
        leads with (and to take the defaults from), and the values to create.
        """
        # Adding needs the Leads section (view working or all), not only the
        # ACL of the Add group; checked before anything is prepared.
        self._leads_check_group(
            "group_lead_view_working",
            self.env._(
                "Adding leads needs View at Working Businesses or All Businesses."
            ),
        )
        Lead = self._leads_create_model()
        # The context's defaults fill what the values leave out (a kanban
        # column's ``default_company_id``, say): they are checked alike.
        defaults = {
            key.removeprefix("default_"): value
            for key, value in Lead.env.context.items()
            if key.startswith("default_")
        }
        for vals in vals_list:
            Lead._check_protected_vals({**defaults, **vals})
        vals_list = [
            Lead._prepare_create_vals(dict(vals), defaults) for vals in vals_list
        ]
        Lead._check_leads_enabled(vals_list)
        return Lead, vals_list

    def _prepare_create_vals(self, vals, defaults):
        self._check_company_set(vals)
        if isinstance(vals.get("name"), str):
            vals["name"] = vals["name"].strip()
        # The contact rules hold for the context's defaults too (they are
        # written as given values): a lead always has a phone or an email,
        # also when the values name neither (a constraint would not run).
        for fname in ("phone", "email"):
            if fname not in vals and defaults.get(fname):
                vals[fname] = defaults[fname]
        self._leads_normalize_contact_vals(vals)
        if not vals.get("name"):
            vals["name"] = vals.get("phone") or vals.get("email") or False
        if not vals.get("phone") and not vals.get("email"):
            raise ValidationError(self._leads_missing_contact_error(vals.get("name")))
        stage_id = vals.get("stage_id") or self.env.context.get("default_stage_id")
        if stage_id and not vals.get("converted_date"):
            Stage = self.env["leads.lifecycle.stage"]
            if stage_id in Stage._leads_stage_ids()[1]:
                # New leads never start converted (e.g. quick create in that column).
                vals["stage_id"] = Stage._get_default_stage().id
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
        # sudo: whether a business takes leads is no secret, and a user with
        # View at All Businesses may add leads where they do not work.
        disabled = (
            self.env["res.company"]
            .sudo()
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
        self._check_protected_vals(vals)
        if isinstance(vals.get("name"), str):
            vals["name"] = vals["name"].strip()
        self._leads_normalize_contact_vals(vals)
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
    def _leads_may_add(self):
        """Whether the user may add leads at all. Whether the active business
        takes leads is decided in the browser (session info, ir_http.py): the
        views are cached there for every business alike."""
        return self._leads_has_group("group_lead_add") and self._leads_can_list()

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (
            *key,
            self._leads_may_add(),
            self._leads_has_group("group_lead_call"),
            self._leads_has_group("group_lead_view_tasks"),
            self._leads_has_group("group_lead_message"),
        )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type in ("kanban", "list", "form") and not self._leads_may_add():
            # No right to add: no Add Lead button, no quick create. Existing
            # leads keep every other action.
            arch.set("create", "0")
            if view_type == "kanban":
                arch.set("quick_create", "0")
        if view_type == "kanban" and not self._leads_has_group("group_lead_view_tasks"):
            # The activity progress bar would read the restricted task fields.
            for node in arch.xpath("//progressbar"):
                node.getparent().remove(node)
        if not self._leads_has_group("group_lead_call"):
            # The phone widget's own Call link (leads_kanban.scss hides it).
            for node in arch.xpath("//field[@widget='phone']"):
                node.set("class", f"{node.get('class') or ''} o_leads_no_call".strip())
        if not self._leads_has_group("group_lead_message"):
            # The phone widget's SMS button: refused on the server anyway.
            for node in arch.xpath("//field[@widget='phone']"):
                options = ast.literal_eval(node.get("options") or "{}")
                node.set("options", repr(dict(options, enable_sms=False)))
        return arch, view

    # ------------------------------------------------------------------
    # Communication
    # ------------------------------------------------------------------

    def action_call(self):
        """Call the lead from the browser (tel: link) and log the call."""
        self.ensure_one()
        self.check_access("read")
        self._leads_check_group(
            "group_lead_call", self.env._("Your role does not allow calling leads.")
        )
        # The tel: link is the number itself.
        self._leads_check_group(
            "group_lead_view_contact",
            self.env._("Calling needs the permission to see lead phone numbers."),
        )
        if not self.company_id.leads_calling_enabled:
            raise UserError(
                self.env._(
                    "Calling from the web is not enabled for %(company)s.",
                    company=self.company_id.name,
                )
            )
        number = self.sudo().phone_sanitized or self.sudo().phone
        if not number:
            raise UserError(self.env._("This lead has no phone number to call."))
        self.sudo()._message_log(
            body=self.env._("%(user)s called the lead.", user=self.env.user.name)
        )
        # A client action: an URL action would open "/tel:..." in the web client.
        return {
            "type": "ir.actions.client",
            "tag": "leads_management.dial",
            "params": {"number": number},
        }

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------

    def _thread_to_store(self, store, fields, *, request_list=None):
        # The chatter asks for the tasks and the suggested recipients (read from
        # the contact details) of the lead: only for users allowed to see them.
        if request_list:
            hidden = set()
            if not self._leads_has_group("group_lead_view_tasks"):
                hidden.add("activities")
            if not self._leads_has_group("group_lead_view_contact"):
                hidden.add("suggestedRecipients")
            request_list = [item for item in request_list if item not in hidden]
        res = super()._thread_to_store(store, fields, request_list=request_list)
        if request_list is not None and store.target.is_current_user(self.env):
            # The chatter offers "Send message", "Log note" and "Activity" to
            # those who may use them (static/src/chatter).
            Policy = self.env["leads.chatter.policy"]
            can_message = Policy._allows(Policy._post_rule(internal=False))
            can_note = Policy._allows(Policy._post_rule())
            can_plan = Policy._allows(Policy._activity_rule("create"))
            for thread in self:
                store.add(
                    thread,
                    {
                        "canPostOnReadonly": can_message or can_note,
                        "hasWriteAccess": (can_message or can_note)
                        and thread.sudo(False).has_access("write"),
                        "canSendMessage": can_message,
                        "canLogNote": can_note,
                        "canScheduleActivity": can_plan,
                    },
                    as_thread=True,
                )
        return res

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            return self.env.ref("leads_management.mt_lead_stage")
        return super()._track_subtype(init_values)

    def _creation_subtype(self):
        return self.env.ref("leads_management.mt_lead_created")
