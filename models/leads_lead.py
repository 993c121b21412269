import ast

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.orm.domains import DomainAnd, DomainCondition

from odoo.addons.utm.models.utm_mixin import UtmMixin

from ..tools.contact import ContactError, email_key, normalize_email
from ..tools.phone_key import leads_phone_display
from ..tools.text import neutralize_formula
from .leads_text import neutralize_cell

GROUP_CONTACT = "leads_management.group_lead_view_contact"
# Searching through these reads the history (messages, files, followers).
HISTORY_FIELDS = (
    "message_ids",
    "website_message_ids",
    "message_attachment_count",
    "message_follower_ids",
    "message_partner_ids",
    "message_has_error",
    "message_needaction",
)
# Only conversion (action_convert, in sudo after its checks) sets these.
CONVERSION_FIELDS = ("partner_id", "converted_date", "conversion_trigger")
# Seconds a conversion waits for another one of the same lead.
CONVERSION_LOCK_TIMEOUT = 10


GROUP_TASKS = "leads_management.group_lead_view_tasks"

CONVERSION_TRIGGERS = [
    ("manual", "Manual"),
    ("booking", "Booking completed"),
    ("package", "Package purchased"),
    ("membership", "Membership purchased"),
    ("transaction", "Transaction completed"),
]


# Fields the module keeps for matching, opt-out and display, not for staff.
INTERNAL_FIELDS = (
    "action_status_color",
    "action_status_text_color",
    "channel_code",
    "email_normalized",
    "message_bounce",
    "phone_mobile_search",
    "phone_sanitized",
)


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
    # Access: the Leads groups beyond what ACLs and record rules express
    # ------------------------------------------------------------------

    @api.model
    def _leads_records_in_use(self, fname, records):
        """Whether any lead points at ``records`` through ``fname``.

        sudo: leads of every business count, archived ones too, whether or not
        the user can see them.
        """
        return bool(
            self.sudo()
            .with_context(active_test=False)
            .search_count([(fname, "in", records.ids)], limit=1)
        )

    @api.model
    def _leads_has_group(self, group):
        return self.env.su or self.env.user.has_group(f"leads_management.{group}")

    @api.model
    def _leads_check_group(self, group, message):
        if not self._leads_has_group(group):
            raise AccessError(message)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result and not self.env["ir.model.access"].check(
            self._name, operation, raise_exception=False
        ):
            # Odoo's message would list the groups granting the operation, the
            # technical group of the webhook user among them: name the
            # permission a person is given instead.
            message = self._leads_acl_message(operation)
            return result[0], lambda: AccessError(message)
        return result

    @api.model
    def _leads_acl_message(self, operation):
        return {
            "read": self.env._(
                "Opening leads needs a View Leads permission (Individual Profiles, "
                "Working Businesses or All Businesses)."
            ),
            "write": self.env._(
                "Your role can view leads but not change them: that needs the Edit "
                "Lead Information permission."
            ),
            "create": self.env._("Adding leads needs the Add Leads permission."),
            "unlink": self.env._("Deleting leads needs the Delete Leads permission."),
        }[operation]

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        res = super().fields_get(allfields, attributes)
        for name in INTERNAL_FIELDS:
            # Matching keys and card colours: nothing staff would group by,
            # so the web client's Custom Group does not offer them.
            if "groupable" in res.get(name, ()):
                res[name]["groupable"] = False
        active = res.get("active")
        if (
            active
            and "readonly" in active
            and not self.env["ir.model.access"].check(
                self._name, "write", raise_exception=False
            )
        ):
            # The web client offers Archive and Unarchive (list, kanban, form)
            # when this field is editable: not to users who may not edit.
            active["readonly"] = True
        return res

    @api.model
    def _leads_can_list(self):
        """Individual scope opens leads by link only: no list, no search."""
        return self._leads_has_group("group_lead_view_working")

    @api.model
    def _is_id_lookup(self, domain):
        """Whether ``domain`` only names ids the caller already holds.

        Nothing else may be filtered on: no name, no contact, no stage.
        """
        domain = Domain(domain)
        conditions = domain.children if isinstance(domain, DomainAnd) else [domain]
        return all(
            isinstance(cond, DomainCondition)
            and cond.field_expr == "id"
            and cond.operator in ("in", "=")
            for cond in conditions
        )

    @api.model
    def _is_abandoned_booking_list(self, domain):
        """Whether ``domain`` keeps to the abandoned bookings: the list the
        individual scope may open (setup guide), whatever else it filters."""
        domain = Domain(domain)
        conditions = domain.children if isinstance(domain, DomainAnd) else [domain]
        return any(
            isinstance(cond, DomainCondition)
            and cond.field_expr == "channel_id.code"
            and (
                (cond.operator == "=" and cond.value == "abandoned_booking")
                or (cond.operator == "in" and list(cond.value) == ["abandoned_booking"])
            )
            for cond in conditions
        )

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        if not self.env.su and not kwargs.get("bypass_access"):
            if (
                not self._leads_can_list()
                and self._leads_has_group("group_lead_view_individual")
                and not self._is_id_lookup(domain)
                and not self._is_abandoned_booking_list(domain)
            ):
                raise AccessError(
                    self.env._(
                        "Your role lets you open single lead profiles from their "
                        "links and Abandoned Bookings only; searching and listing "
                        "leads needs View at Working Businesses."
                    )
                )
            # Fields searched through a method (phone_mobile_search, activity
            # state, ...) are rewritten before Odoo checks field access: check
            # every restricted field named in the domain here.
            history = self._leads_has_group("group_lead_view_history")
            for condition in Domain(domain).iter_conditions():
                fname = condition.field_expr.split(".", 1)[0]
                field = self._fields.get(fname)
                if field and field.groups:
                    self._check_field_access(field, "read")
                if not history and fname in HISTORY_FIELDS:
                    raise AccessError(
                        self.env._("Searching the history of leads needs Lead History.")
                    )
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )

    @api.model
    def _search_display_name(self, operator, value):
        # The default search (the search view's first field, name_search)
        # also finds a lead by its phone, typed in any format, or its email:
        # for users who may see them (the domain names restricted fields).
        domain = super()._search_display_name(operator, value)
        if (
            operator in ("ilike", "=ilike", "like", "=like", "=")
            and isinstance(value, str)
            and value.strip()
            and self._leads_has_group("group_lead_view_contact")
        ):
            domain |= self._leads_contact_search_domain(value)
        return domain

    def message_post(self, **kwargs):
        # The Leads permissions decide who posts what (leads.chatter.policy).
        # The message itself is checked when created; SMS numbers given to a
        # note never show on it, hence this check before.
        if not self.env.su:
            self._leads_check_post(kwargs)
        return super().message_post(**kwargs)

    @api.model
    def _leads_check_post(self, values):
        """Refuse posting ``values`` (message_post's parameters) on leads
        without the permission it needs, naming that permission."""
        Policy = self.env["leads.chatter.policy"]
        if values.get("sms_numbers") or values.get("sms_pid_to_number"):
            Policy._check(Policy._post_rule(message_type="sms"))
        subtype = self.env["mail.message.subtype"].sudo()
        if values.get("subtype_xmlid"):
            subtype = subtype.browse(
                self.env["ir.model.data"]._xmlid_to_res_id(
                    values["subtype_xmlid"], raise_if_not_found=False
                )
            )
        elif values.get("subtype_id"):
            subtype = subtype.browse(values["subtype_id"])
        subtype = subtype.exists()
        # message_post logs a note when given no subtype.
        internal = bool(values.get("is_internal")) or not subtype or subtype.internal
        Policy._check(
            Policy._post_rule(
                message_type=values.get("message_type") or "notification",
                internal=internal,
                notifies=bool(
                    values.get("partner_ids") or values.get("outgoing_email_to")
                ),
            )
        )

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        # Staff without Lead History never receive the history by email, even
        # when they follow the lead (e.g. subscribed as its assigned staff).
        recipients = super()._notify_get_recipients(
            message, msg_vals=msg_vals, **kwargs
        )
        history = self.env.ref("leads_management.group_lead_view_history").id
        return [
            recipient
            for recipient in recipients
            if not recipient.get("uid")
            or recipient.get("share")
            or history in (recipient.get("groups") or ())
        ]

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        # Followers receive the history by email.
        if not self.env.su:
            self._leads_check_group(
                "group_lead_view_history",
                self.env._("Following a lead needs the Lead History permission."),
            )
        return super().message_subscribe(
            partner_ids=partner_ids, subtype_ids=subtype_ids
        )

    def _mail_get_operation_for_mail_message_operation(self, message_operation):
        # Editing or deleting notes and tasks needs the Leads task groups
        # (checked in mail_message.py and mail_activity.py), not edit access to
        # the lead's details.
        return dict.fromkeys(self, "read")

    @api.model
    def load(self, fields, data):
        # Odoo's generic import (base_import) would bypass the import permission,
        # the duplicate policy, the formula neutralisation and the ragged-row
        # checks: files come in through the Import Leads wizard only.
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Import leads with Leads > Options > Import Leads: it checks "
                    "duplicates and reports every rejected row."
                )
            )
        return super().load(fields, data)

    def export_data(self, fields_to_export):
        self._leads_check_group(
            "group_lead_report_export",
            self.env._("Exporting leads needs the Leads Reports export permission."),
        )
        result = super().export_data(fields_to_export)
        # Lead names and notes come from anonymous webhooks and files: a cell a
        # spreadsheet would run as a formula is exported as text (CSV and XLSX).
        result["datas"] = [
            [neutralize_cell(value) for value in row] for row in result["datas"]
        ]
        return result

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
    # Webhook ingestion (the create rules above apply: normalisation,
    # enabled check, constraints)
    # ------------------------------------------------------------------

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

    # ------------------------------------------------------------------
    # Conversion to a client
    # ------------------------------------------------------------------

    def action_convert(self, partner=None, trigger="manual"):
        """Convert the leads into clients (public API, wizard and webhooks).

        :param partner: the client ``res.partner`` (record or id) to link;
            ``None`` creates one client per lead from the lead's details.
        :param trigger: a key of ``CONVERSION_TRIGGERS``.
        :return: the clients of the leads.
        """
        self._check_convert_access()
        if isinstance(partner, int):
            partner = self.env["res.partner"].browse(partner)
        if partner:
            partner.check_access("read")
            for lead in self:
                lead._check_possible_client(partner)
        return self._convert(partner=partner or None, trigger=trigger)

    def _check_convert_access(self):
        """The caller converts leads in their view scope, with the convert right.

        Conversion only writes the conversion fields, so it needs the Convert
        Leads group and the leads inside the user's read and write record rules,
        not the general write permission (Edit Lead Info).
        """
        if self.env.su:
            return
        if not self.env.user.has_group("leads_management.group_lead_convert"):
            raise AccessError(
                self.env._(
                    "You are not allowed to convert leads to clients. Ask an "
                    "administrator for the Convert Leads permission."
                )
            )
        self.check_access("read")
        domain = self.env["ir.rule"]._compute_domain(self._name, "write")
        if domain and (
            self - self.sudo().with_context(active_test=False).filtered_domain(domain)
        ):
            raise AccessError(
                self.env._("You are not allowed to convert some of these leads.")
            )

    def _convert(self, partner=None, trigger="manual"):
        """Convert without the caller checks (done by ``action_convert``).

        Locks the lead rows first, so two conversions of one lead racing each
        other produce one client: the second one waits for the first, then
        fails with a serialization failure once it commits, and the retry
        sees the lead converted.
        """
        if trigger not in dict(CONVERSION_TRIGGERS):
            raise UserError(
                self.env._("Unknown conversion trigger %(trigger)s.", trigger=trigger)
            )
        self._lock_for_conversion()
        stage = self.env["leads.lifecycle.stage"]._get_converted_stage()
        if not stage:
            raise UserError(
                self.env._(
                    "There is no converted lifecycle stage. Create one (tick "
                    "Converted Stage) in Leads > Configuration > Stages."
                )
            )
        partners = self.env["res.partner"]
        for lead in self:
            if lead.converted_date:
                raise UserError(
                    self.env._(
                        "Lead %(name)s has already been converted to a client "
                        "(%(client)s).",
                        name=lead.name,
                        client=lead.partner_id.display_name or "",
                    )
                )
            # sudo: the client of the lead's business, which the caller may
            # convert in (their view scope) without working there (View at
            # All Businesses); its values are the lead's. sudo() also drops
            # the caller's default_* keys, meant for leads (a client would
            # take a ``default_user_id`` as its salesperson). Not followed by
            # the caller: they may not be allowed to read it.
            client = partner or self.env["res.partner"].sudo().with_context(
                mail_create_nosubscribe=True
            ).create(lead._prepare_partner_vals())
            # sudo: only the conversion fields, after _check_convert_access.
            lead.sudo().write(
                {
                    "partner_id": client.id,
                    "converted_date": fields.Datetime.now(),
                    "conversion_trigger": trigger,
                    "stage_id": stage.id,
                }
            )
            lead._log_conversion(client, trigger, created=not partner)
            partners |= client
        return partners

    def _lock_for_conversion(self):
        if not self.ids:
            return
        # Waits for a running conversion rather than failing at once: when it
        # commits, this raises SerializationFailure (converted since this
        # transaction started), a conflict already settled, which the webhook
        # retries at once and Odoo after its back-off; the retry sees the
        # converted lead. Rows in id order, as the convert wizard takes them,
        # and at most CONVERSION_LOCK_TIMEOUT: a long transaction holding a
        # lead (LockNotAvailable then, retried by Odoo) must not keep a
        # worker waiting.
        cr = self.env.cr
        cr.execute(
            "SELECT current_setting('lock_timeout'), "
            "set_config('lock_timeout', %s, true)",
            [f"{CONVERSION_LOCK_TIMEOUT}s"],
        )
        lock_timeout = cr.fetchone()[0]
        cr.execute(
            "SELECT id FROM leads_lead WHERE id IN %s ORDER BY id FOR UPDATE",
            [tuple(self.ids)],
            log_exceptions=False,
        )
        cr.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
        self.invalidate_recordset(["partner_id", "converted_date", "stage_id"])

    def _check_possible_client(self, partner):
        """Refuse a ``partner`` that cannot be this lead's client: only an
        active contact of its business or of none, neither the contact of a
        business nor of a staff member (as for matching)."""
        self.ensure_one()
        Partner = self.env["res.partner"].sudo()
        if not Partner.search_count(
            Partner._leads_client_domain(self.company_id)
            & Domain("id", "=", partner.id),
            limit=1,
        ):
            raise UserError(
                self.env._(
                    "%(client)s is not a client of %(company)s (it is archived, "
                    "belongs to another business, or is the contact of a business "
                    "or of a staff member): pick a client of %(company)s for lead "
                    "%(name)s.",
                    client=partner.display_name,
                    name=self.name,
                    company=self.company_id.name,
                )
            )

    def _prepare_partner_vals(self):
        self.ensure_one()
        # sudo: the client gets the lead's contact details, whether or not the
        # converting user may see them (checked in _check_convert_access).
        lead = self.sudo()
        return {
            # Names typed by anyone end up in client exports: never a formula.
            "name": neutralize_formula(lead.name),
            "phone": lead.phone,
            "email": lead.email,
            "company_id": lead.company_id.id,
        }

    def _custom_field_values(self):
        """(label, value) of the filled custom (``x_``) fields of the lead."""
        self.ensure_one()
        values = []
        for fname, field in self._fields.items():
            if not (fname.startswith("x_") and field.manual):
                continue
            if field.type in ("one2many", "many2many", "binary"):
                continue
            value = self.sudo()[fname]  # copied into the client's history
            if value is False or value is None or value == "":
                continue
            if field.type == "many2one":
                value = value.display_name
            elif field.type == "selection":
                value = dict(field._description_selection(self.env)).get(value, value)
            values.append((field._description_string(self.env), value))
        return values

    def _log_conversion(self, client, trigger, created):
        self.ensure_one()
        trigger_label = dict(CONVERSION_TRIGGERS)[trigger]
        prefix = (
            self.env._("Converted to the new client")
            if created
            else self.env._("Converted and linked to the client")
        )
        lead_body = Markup(
            "%s <a href='#' data-oe-model='res.partner' data-oe-id='%s'>%s</a> (%s)"
        ) % (prefix, client.id, client.display_name, trigger_label)
        self._message_log(body=lead_body)
        partner_body = Markup(
            "%s <a href='#' data-oe-model='leads.lead' data-oe-id='%s'>%s</a> (%s)"
        ) % (
            self.env._("Converted from the lead"),
            self.id,
            self.name,
            trigger_label,
        )
        custom_values = self._custom_field_values()
        if custom_values:
            partner_body += Markup("<ul>%s</ul>") % Markup().join(
                Markup("<li>%s: %s</li>") % (label, value)
                for label, value in custom_values
            )
        # sudo: the client was checked or made by the conversion; the caller
        # may convert in a business whose contacts they cannot read.
        client.sudo()._message_log(body=partner_body)

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    def _contact_domain(self):
        """Records with this lead's phone (E.164, or as typed when it has no
        E.164 form) or normalised email; leads and partners name them alike."""
        self.ensure_one()
        return self._leads_contact_domain(
            self.phone_sanitized, self.phone, self.email_normalized
        )

    def _find_matching_leads(self):
        """Open leads of the same business with the same phone or email."""
        self.ensure_one()
        domain = self._contact_domain()
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
        Partner = self.env["res.partner"]
        # Other businesses' and staff members' partners never match.
        domain = self._contact_domain()
        if domain.is_false():
            return Partner
        domain &= Partner._leads_client_domain(self.company_id)
        if self.partner_id:
            domain &= Domain("id", "!=", self.partner_id.id)
        return Partner.search(domain, limit=5)

    def action_open_duplicates(self):
        self.ensure_one()
        return self.leads_duplicates_action("lead", self.duplicate_lead_ids.ids)

    def action_open_duplicate_partners(self):
        self.ensure_one()
        return self.leads_duplicates_action("client", self.duplicate_partner_ids.ids)

    @api.model
    def leads_duplicates_action(self, kind, ids):
        """The matches of the duplicate warning, in a dialog: the lead being
        typed stays a draft underneath (opening them must not save it)."""
        targets = {
            "lead": ("leads.lead", self.env._("Matching Leads")),
            "client": ("res.partner", self.env._("Matching Clients")),
        }
        if kind not in targets or not isinstance(ids, list | tuple):
            raise UserError(self.env._("These matches cannot be opened."))
        model, name = targets[kind]
        ids = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
        action = {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "target": "new",
            "context": {"create": False},
        }
        if len(ids) == 1:
            return action | {"res_id": ids[0], "views": [(False, "form")]}
        return action | {
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", ids)],
        }

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
