import re
import unicodedata

import pytz
from lxml import etree
from lxml.builder import E

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import text_values

FIELD_TYPES = [
    ("char", "Text (single line)"),
    ("text", "Text (multi-line)"),
    ("integer", "Whole Number"),
    ("float", "Decimal Number"),
    ("boolean", "Checkbox"),
    ("date", "Date"),
    ("datetime", "Date and Time"),
    ("selection", "Selection"),
]

FIELD_NAME_RE = re.compile(r"^x_[a-z0-9_]+$")
# PostgreSQL identifiers are at most 63 bytes long.
FIELD_NAME_MAX_LENGTH = 63

# Type changes that keep the values already stored on leads (PostgreSQL casts
# them). Any other change is only allowed while no lead has a value.
SAFE_CONVERSIONS = {
    ("integer", "float"),
    ("integer", "char"),
    ("integer", "text"),
    ("float", "char"),
    ("float", "text"),
    ("char", "text"),
    ("text", "char"),
}


class CustomValueError(ValueError):
    """A value that is not of its custom field's type; ``expected`` names the
    type in the user's words ("whole number")."""

    def __init__(self, expected):
        super().__init__(expected)
        self.expected = expected


# The module-owned inherited views regenerated from the list of custom fields.
CUSTOM_VIEWS = {
    "form": (
        "leads_lead_view_form_custom_fields",
        "leads_management.leads_lead_view_form",
    ),
    "list": (
        "leads_lead_view_list_custom_fields",
        "leads_management.leads_lead_view_list",
    ),
    "search": (
        "leads_lead_view_search_custom_fields",
        "leads_management.leads_lead_view_search",
    ),
}


def _slugify(text):
    """ASCII snake case of ``text`` ("Pet's Name" -> "pet_s_name")."""
    text = unicodedata.normalize("NFKD", text or "")
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


class LeadsField(models.Model):
    _name = "leads.field"
    _description = "Custom Lead Field"
    _order = "sequence, id"

    name = fields.Char(
        string="Label",
        required=True,
        translate=True,
        help="The label shown on the lead form, in filters and in exports.",
    )
    field_name = fields.Char(
        string="Technical Name",
        compute="_compute_field_name",
        store=True,
        readonly=False,
        required=True,
        copy=False,
        help="Name of the field in the database, used by imports, exports and the "
        "webhooks ('fields' values). It starts with x_ followed by lower-case "
        "letters, digits and underscores, and cannot change once the field exists.",
    )
    field_type = fields.Selection(
        FIELD_TYPES,
        string="Type",
        required=True,
        default="char",
        help="Once leads have values, the type can only change without loss: whole "
        "number to decimal number, number to text, single-line to multi-line text "
        "and back. Other changes need the values to be cleared first.",
    )
    selection_options = fields.Text(
        string="Options",
        help="One option per line, in the order they are offered.",
    )
    sequence = fields.Integer(default=10)
    help = fields.Text(
        string="Tooltip", translate=True, help="Help shown next to the field."
    )
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Technical Field",
        ondelete="cascade",
        readonly=True,
        copy=False,
        index=True,
    )

    lead_value_count = fields.Integer(
        string="Leads with a Value",
        compute="_compute_lead_value_count",
        help="Leads of every business holding a value in this field: deleting the "
        "field erases these values.",
    )

    _field_name_unique = models.Constraint(
        "UNIQUE(field_name)",
        "A custom lead field with this technical name exists already.",
    )

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("name")
    def _compute_field_name(self):
        for record in self:
            if record.field_id or not record.name:
                continue
            record.field_name = record._suggest_field_name(record.name)

    def _compute_lead_value_count(self):
        # sudo: the values of every business are lost, seen or not.
        Lead = self.env["leads.lead"].sudo().with_context(active_test=False)
        for record in self:
            record.lead_value_count = (
                Lead.search_count([(record.field_name, "!=", False)])
                if record.field_id and record.field_name in Lead._fields
                else 0
            )

    def _suggest_field_name(self, label, taken=()):
        """x_ + the label in snake case, made unique among the lead fields."""
        base = ("x_" + (_slugify(label) or "field"))[:FIELD_NAME_MAX_LENGTH]
        others = self.sudo().search([("id", "not in", self._origin.ids)])
        taken = set(taken) | set(self.env["leads.lead"]._fields)
        taken |= set(others.mapped("field_name"))
        candidate, counter = base, 1
        while candidate in taken:
            counter += 1
            suffix = f"_{counter}"
            candidate = base[: FIELD_NAME_MAX_LENGTH - len(suffix)] + suffix
        return candidate

    @api.constrains("field_name")
    def _check_field_name(self):
        for record in self:
            record._validate_field_name(record.field_name)

    def _validate_field_name(self, name):
        name = name or ""
        if not name.isascii():
            raise ValidationError(
                self.env._(
                    "The technical name %(name)s may only use ASCII letters, digits "
                    "and underscores.",
                    name=name,
                )
            )
        if not FIELD_NAME_RE.match(name):
            raise ValidationError(
                self.env._(
                    "The technical name %(name)s is not valid: it must start with x_ "
                    "followed by lower-case letters, digits or underscores "
                    "(e.g. x_pet_name).",
                    name=name,
                )
            )
        if len(name) > FIELD_NAME_MAX_LENGTH:
            raise ValidationError(
                self.env._(
                    "The technical name %(name)s is too long: use at most "
                    "%(max)s characters.",
                    name=name,
                    max=FIELD_NAME_MAX_LENGTH,
                )
            )
        others = self.sudo().search(
            [("field_name", "=", name), ("id", "not in", self.ids)]
        )
        existing = self.env["leads.lead"]._fields.get(name)
        if others or (existing and existing.name != self.sudo().field_id.name):
            self._raise_name_taken(name)

    def _raise_name_taken(self, name):
        raise ValidationError(
            self.env._(
                "Leads already have a field named %(name)s: choose another "
                "technical name.",
                name=name,
            )
        )

    @api.constrains("name")
    def _check_label(self):
        for record in self:
            label = (record.name or "").strip()
            if not label:
                raise ValidationError(self.env._("A custom lead field needs a label."))
            own = record.sudo().field_id.name
            for fname, field in self.env["leads.lead"]._fields.items():
                if fname != own and (field.string or "").lower() == label.lower():
                    raise ValidationError(
                        self.env._(
                            "Leads already have a field labelled %(label)s: choose "
                            "another label.",
                            label=label,
                        )
                    )

    @api.constrains("field_type", "selection_options")
    def _check_selection_options(self):
        for record in self:
            if record.field_type != "selection":
                continue
            options = record._get_option_labels()
            if not options:
                raise ValidationError(
                    self.env._(
                        "The selection field %(label)s needs at least one option: "
                        "write one option per line.",
                        label=record.name,
                    )
                )
            seen = set()
            for option in options:
                if option.lower() in seen:
                    raise ValidationError(
                        self.env._(
                            "The option %(option)s is listed twice.", option=option
                        )
                    )
                seen.add(option.lower())

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # The ACL on leads.field is the gate; the technical records that follow
        # are written as superuser.
        self.check_access("create")
        taken = set()
        for vals in vals_list:
            if vals.get("field_id") and not self.env.su:
                raise UserError(self.env._("The technical field is created for you."))
            if not vals.get("field_name") and vals.get("name"):
                vals["field_name"] = self._suggest_field_name(vals["name"], taken)
            if vals.get("field_name") in taken:
                self._raise_name_taken(vals["field_name"])
            # Clear errors before the database's unique constraint kicks in.
            self._validate_field_name(vals.get("field_name"))
            taken.add(vals.get("field_name"))
        records = super().create(vals_list)
        for record in records:
            record._create_technical_field()
        self._regenerate_views()
        return records

    def write(self, vals):
        self.check_access("write")
        # Refuse before anything is written, so that a refusal changes nothing.
        self._check_write(vals)
        old_types = {record.id: record.field_type for record in self}
        res = super().write(vals)
        self._apply_write(vals, old_types)
        return res

    def _check_write(self, vals):
        if "field_id" in vals and not self.env.su:
            raise UserError(
                self.env._("The technical field of a custom field cannot change.")
            )
        for record in self.filtered("field_id"):
            if "field_name" in vals and vals["field_name"] != record.field_name:
                raise UserError(
                    self.env._(
                        "The technical name of %(label)s cannot change once the "
                        "field exists. Create a new field instead.",
                        label=record.name,
                    )
                )
            if "field_type" in vals and vals["field_type"] != record.field_type:
                record._check_type_change(vals["field_type"])
            if "selection_options" in vals and record.field_type == "selection":
                record._check_removed_options(vals["selection_options"])

    def _apply_write(self, vals, old_types):
        """Carry a written change over to the technical field and the views."""
        with_field = self.filtered("field_id")
        if "field_type" in vals:
            for record in with_field:
                if old_types[record.id] != record.field_type:
                    record._change_type()
        if "selection_options" in vals or "field_type" in vals:
            for record in self.filtered(lambda r: r.field_type == "selection"):
                record._sync_selection_options()
        if "name" in vals or "help" in vals:
            for record in with_field:
                record.field_id.sudo().write(
                    {"field_description": record.name, "help": record.help or False}
                )
        if {"name", "sequence", "field_type", "selection_options"} & set(vals):
            self._regenerate_views()

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%s (copy)", record.name))
            if "name" not in (default or {})
            else vals
            for record, vals in zip(self, vals_list, strict=True)
        ]

    def unlink(self):
        self.check_access("unlink")
        # Only the module's own manual fields on leads are ever dropped here.
        technical_fields = self.sudo().field_id.filtered(
            lambda f: f.model == "leads.lead"
            and f.state == "manual"
            and f.name.startswith("x_")
        )
        names = self.mapped("field_name")
        res = super().unlink()
        # Views first: no view may mention a field that is about to disappear.
        self._regenerate_views()
        self._cleanup_references(names)
        technical_fields.unlink()
        return res

    @api.model
    def _leads_answer_specs(self):
        """``{label casefolded: (field name, type, selection)}`` of the lead's
        custom fields, for the senders that name a field by its label (Google
        Ads lead forms)."""
        types = dict(FIELD_TYPES)
        return {
            field.string.casefold(): (
                name,
                field.type,
                field._description_selection(self.env)
                if field.type == "selection"
                else [],
            )
            for name, field in self.env["leads.lead"]._fields.items()
            if name.startswith("x_") and field.manual and field.type in types
        }

    @api.model
    def _leads_field_value(self, fname, value, tz=pytz.UTC):
        """What the custom lead field ``fname`` stores for ``value``: text, or a
        JSON number or true/false of its type (tools/text_values.py). The one
        conversion of imports, webhooks and ads forms; a date and time without
        its own time zone is read in ``tz``. Raises CustomValueError."""
        field = self.env["leads.lead"]._fields[fname]
        options = (
            field._description_selection(self.env) if field.type == "selection" else ()
        )
        try:
            return text_values.convert(field.type, value, options=options, tz=tz)
        except (ValueError, OverflowError):
            # OverflowError: a date and time at the edge of the calendar that
            # leaves it once converted to UTC (9999-12-31 23:00 in New York).
            raise CustomValueError(self._leads_expected_value(field.type)) from None

    @api.model
    def _leads_expected_value(self, ftype):
        _ = self.env._
        expected = {
            "char": _("text"),
            "text": _("text"),
            "integer": _("whole number"),
            "float": _("number"),
            "boolean": _("yes/no value"),
            "date": _("date (YYYY-MM-DD)"),
            "datetime": _("date and time (YYYY-MM-DD HH:MM:SS)"),
            "selection": _("option of the list"),
        }
        return expected.get(ftype, ftype)

    def action_delete_field(self):
        """The form's Delete, whose confirmation says what is lost."""
        self.unlink()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "leads_management.leads_field_action"
        )

    # ------------------------------------------------------------------
    # The technical field on leads.lead
    # ------------------------------------------------------------------

    def _get_option_labels(self, text=None):
        self.ensure_one()
        if text is None:
            text = self.selection_options
        lines = (text or "").splitlines()
        return [line.strip() for line in lines if line.strip()]

    def _check_removed_options(self, text):
        """Refuse to remove an option that leads still use."""
        self.ensure_one()
        labels = self._get_option_labels(text)
        for selection in self.sudo().field_id.selection_ids:
            if selection.name in labels:
                continue
            count = self._count_values(value=selection.value)
            if count:
                raise UserError(
                    self.env._(
                        "The option %(option)s of %(label)s is used by %(count)s "
                        "lead(s): change their value before removing it.",
                        option=selection.name,
                        label=self.name,
                        count=count,
                    )
                )

    def _create_technical_field(self):
        self.ensure_one()
        self._validate_field_name(self.field_name)
        field = (
            self.env["ir.model.fields"]
            .sudo()
            .create(
                {
                    "model_id": self.env["ir.model"]._get_id("leads.lead"),
                    "name": self.field_name,
                    "state": "manual",
                    "ttype": self.field_type,
                    "field_description": self.name,
                    "help": self.help or False,
                    "copied": True,
                }
            )
        )
        self.sudo().field_id = field
        if self.field_type == "selection":
            self._sync_selection_options()

    def _sync_selection_options(self):
        """Make the field's selection values match the options, keeping the key
        of every option whose label is unchanged."""
        self.ensure_one()
        field = self.field_id.sudo()
        if not field or field.ttype != "selection":
            return
        current = {sel.name: sel for sel in field.selection_ids}
        labels = self._get_option_labels()
        removed = field.selection_ids.filtered(lambda s: s.name not in labels)
        self._check_removed_options(self.selection_options)
        removed.unlink()
        used_keys = set(field.selection_ids.exists().mapped("value"))
        new_options = []
        for sequence, label in enumerate(labels):
            if label in current and current[label].exists():
                if current[label].sequence != sequence:
                    current[label].sequence = sequence
                continue
            key = base = _slugify(label) or f"option_{sequence + 1}"
            counter = 1
            while key in used_keys:
                counter += 1
                key = f"{base}_{counter}"
            used_keys.add(key)
            new_options.append(
                {
                    "field_id": field.id,
                    "value": key,
                    "name": label,
                    "sequence": sequence,
                }
            )
        if new_options:
            self.env["ir.model.fields.selection"].sudo().create(new_options)

    def _count_values(self, value=None):
        """Number of leads (archived included) with a value for this field."""
        self.ensure_one()
        column = SQL.identifier(self.field_name)
        if value is not None:
            condition = SQL("%s = %s", column, value)
        elif self.sudo().field_id.ttype == "boolean":
            condition = SQL("%s IS TRUE", column)
        else:
            condition = SQL("%s IS NOT NULL", column)
        self.env["leads.lead"].flush_model([self.field_name])
        [[count]] = self.env.execute_query(
            SQL("SELECT COUNT(*) FROM leads_lead WHERE %s", condition)
        )
        return count

    def _check_type_change(self, new_type):
        """Refuse a type change that would lose the values of some leads."""
        self.ensure_one()
        old_type = self.sudo().field_id.ttype
        count = self._count_values()
        if count and (old_type, new_type) not in SAFE_CONVERSIONS:
            types = dict(self._fields["field_type"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "%(label)s cannot become %(new)s: %(count)s lead(s) have a "
                    "%(old)s value that cannot be converted. Clear these values "
                    "first, or create a new field.",
                    label=self.name,
                    new=types[new_type],
                    old=types[old_type],
                    count=count,
                )
            )

    def _change_type(self):
        """Recreate the technical field with the new type, keeping the values
        (converted by PostgreSQL) when _check_type_change allowed it."""
        self.ensure_one()
        self._check_type_change(self.field_type)
        keep_values = bool(self._count_values())
        name = self.field_name
        old_field = self.sudo().field_id
        backup = f"{name[:50]}__old_value"
        # Take the field out of the views before dropping it, and out of the
        # saved filters and export templates unless its values convert (same
        # name, comparable values: staff keep their favourites).
        self._regenerate_views(exclude=self)
        if (old_field.ttype, self.field_type) not in SAFE_CONVERSIONS:
            self._cleanup_references([name])
        if keep_values:
            self.env["leads.lead"].flush_model()
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE leads_lead RENAME COLUMN %s TO %s",
                    SQL.identifier(name),
                    SQL.identifier(backup),
                )
            )
        # Detach first: field_id cascades, the custom field record must survive.
        self.sudo().field_id = False
        old_field.unlink()
        self._create_technical_field()
        if keep_values:
            column_type = self.env["leads.lead"]._fields[name].column_type[1]
            self.env.cr.execute(
                SQL(
                    "UPDATE leads_lead SET %s = %s::%s; "
                    "ALTER TABLE leads_lead DROP COLUMN %s",
                    SQL.identifier(name),
                    SQL.identifier(backup),
                    SQL(column_type),
                    SQL.identifier(backup),
                )
            )
        self.env["leads.lead"].invalidate_model([name])

    @api.model
    def _cleanup_references(self, names):
        """Remove saved filters/favourites and export templates that mention
        fields that are about to disappear (base leaves them behind broken)."""
        if not names:
            return
        alternatives = "|".join(re.escape(name) for name in names)
        pattern = re.compile(rf"\b({alternatives})\b")
        filters = (
            self.env["ir.filters"]
            .sudo()
            .with_context(active_test=False)
            .search([("model_id", "=", "leads.lead")])
        )
        filters.filtered(
            lambda f: pattern.search(f"{f.domain} {f.context} {f.sort}")
        ).unlink()
        self.env["ir.exports.line"].sudo().search(
            [
                ("export_id.resource", "=", "leads.lead"),
                ("name", "in", list(names)),
            ]
        ).unlink()

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------

    @api.model
    def _regenerate_views(self, exclude=None):
        """Rewrite the module-owned inherited views of the lead form, list and
        search views from the list of custom fields, in sequence order."""
        domain = [("id", "not in", exclude.ids)] if exclude else []
        records = self.sudo().search(domain)  # pylint: disable=no-search-all
        records = records.filtered(
            lambda r: r.field_id and r.field_name in self.env["leads.lead"]._fields
        )
        View = self.env["ir.ui.view"].sudo()
        for view_type, (xmlid, parent_xmlid) in CUSTOM_VIEWS.items():
            arch = getattr(records, f"_build_{view_type}_arch")()
            arch = etree.tostring(arch, pretty_print=True, encoding="unicode")
            view = View.env.ref(f"leads_management.{xmlid}", raise_if_not_found=False)
            if view:
                if view.arch_db != arch:
                    view.write({"arch": arch, "active": True})
                continue
            parent = View.env.ref(parent_xmlid)
            view = View.create(
                {
                    "name": f"leads.lead.view.{view_type}.custom_fields",
                    "model": "leads.lead",
                    "inherit_id": parent.id,
                    "mode": "extension",
                    "priority": 99,
                    "arch": arch,
                }
            )
            self.env["ir.model.data"].sudo().create(
                {
                    "module": "leads_management",
                    "name": xmlid,
                    "model": "ir.ui.view",
                    "res_id": view.id,
                    "noupdate": True,
                }
            )

    def _build_form_arch(self):
        group = E.group(name="lead_custom_fields", string="More Details")
        for record in self:
            group.append(E.field(name=record.field_name))
        xpath = E.xpath(expr="//group[@name='lead_details_group']", position="inside")
        if self:
            xpath.append(group)
        return E.data(xpath)

    def _build_list_arch(self):
        xpath = E.xpath(expr="//list", position="inside")
        for record in self:
            xpath.append(E.field(name=record.field_name, optional="hide"))
        return E.data(xpath)

    def _build_search_arch(self):
        xpath = E.xpath(expr="//search", position="inside")
        filters = []
        groupbys = []
        for record in self:
            fname, ftype = record.field_name, record.field_type
            if ftype in ("char", "text", "selection", "integer", "float"):
                xpath.append(E.field(name=fname))
            if ftype == "boolean":
                filters.append(
                    E.filter(
                        name=f"filter_{fname}",
                        string=record.name,
                        domain=repr([(fname, "=", True)]),
                    )
                )
            elif ftype in ("date", "datetime"):
                filters.append(
                    E.filter(name=f"filter_{fname}", string=record.name, date=fname)
                )
            else:
                # "Pet Name is set": the leads where the field was filled in.
                filters.append(
                    E.filter(
                        name=f"filter_{fname}",
                        string=self.env._("%(field)s is set", field=record.name),
                        domain=repr([(fname, "!=", False)]),
                    )
                )
            if ftype in ("selection", "char", "integer", "boolean", "date", "datetime"):
                groupbys.append(
                    E.filter(
                        name=f"groupby_{fname}",
                        string=record.name,
                        context=repr({"group_by": fname}),
                    )
                )
        if filters:
            xpath.append(E.separator())
            xpath.extend(filters)
        if groupbys:
            xpath.append(E.group(*groupbys))
        return E.data(xpath)
