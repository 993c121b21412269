"""The Leads groups beyond what ACLs and record rules express: who may list,
search, read the contact, post, follow, import and export leads."""

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.orm.domains import DomainAnd, DomainCondition

from .leads_text import neutralize_cell

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
    _inherit = "leads.lead"

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
