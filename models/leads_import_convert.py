"""Column mapping and row conversion of the lead import (leads.import.job).

A row's cells become the values of a lead: the column mapping (labels, names
and aliases, case- and accent-insensitive), the lookups of stages, statuses and
channels by name, UTM records, custom fields by type, and the contact rules of
every lead (leads.contact.mixin). A row that cannot be imported raises RowError.
"""

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from ..tools.contact import email_key
from ..tools.csv_reader import normalize_label
from .leads_field import CustomValueError
from .leads_import_run import STANDARD_TARGETS, RowError
from .leads_text import text_to_html

# Extra header spellings recognised by the automatic mapping.
ALIASES = {
    "name": ["full name", "lead", "contact name", "customer", "client name"],
    "phone": ["phone number", "mobile", "telephone", "tel", "cell"],
    "email": ["e mail", "email address", "mail"],
    "stage_id": ["stage", "lifecycle", "lifecycle stage"],
    "action_status_id": ["status", "action status"],
    "channel_id": ["channel", "lead source channel"],
    "gclid": ["google click id"],
    "fbclid": ["facebook click id", "meta click id"],
    "msclkid": ["microsoft click id", "bing click id"],
    "description": ["notes", "note", "description", "comment", "comments"],
    "source_id": ["source", "utm source"],
    "medium_id": ["medium", "utm medium"],
    "campaign_id": ["campaign", "utm campaign"],
}
CUSTOM_TYPES = (
    "char",
    "text",
    "integer",
    "float",
    "boolean",
    "date",
    "datetime",
    "selection",
)


class LeadsImportConvert(models.AbstractModel):
    _name = "leads.import.convert"
    _description = "Lead Import: Mapping and Row Conversion"

    @api.model
    def _import_custom_fields(self):
        """Manual ``x_`` fields of leads.lead with an importable type."""
        Lead = self.env["leads.lead"]
        fields_data = (
            self.env["ir.model.fields"]
            .sudo()
            .search_fetch(
                [
                    ("model", "=", "leads.lead"),
                    ("state", "=", "manual"),
                    ("name", "=like", "x\\_%"),
                    ("ttype", "in", CUSTOM_TYPES),
                ],
                ["name"],
                order="id",
            )
        )
        # Computed and related fields are never imported: their value is the
        # computation's.
        return [
            f.name
            for f in fields_data
            if f.name in Lead._fields
            and not (Lead._fields[f.name].compute or Lead._fields[f.name].related)
        ]

    @api.model
    def _import_target_fields(self):
        """``[(field name, label)]`` of every field a column can fill."""
        Lead = self.env["leads.lead"]
        names = [*STANDARD_TARGETS, *self._import_custom_fields()]
        return [(name, Lead._fields[name].string or name) for name in names]

    @api.model
    def _import_suggest_mapping(self, header):
        """Target field of each header (False: ignored), case/accent-insensitive.

        Labels, technical names and a few usual spellings match; ``id`` and
        relational columns such as ``user_id`` or ``company_id`` are never
        importable, so they stay ignored. A field is mapped once (first column).
        """
        keys = {}
        for name, label in self._import_target_fields():
            candidates = [name, label]
            if name.endswith("_id"):
                candidates.append(name[:-3])
            candidates += ALIASES.get(name, [])
            for candidate in candidates:
                keys.setdefault(normalize_label(candidate), name)
        mapping = []
        used = set()
        for column in header:
            target = keys.get(normalize_label(column))
            if target in used:
                target = False
            used.add(target)
            mapping.append(target or False)
        return mapping

    @api.model
    def _import_check_mapping(self, header, mapping):
        allowed = dict(self._import_target_fields())
        seen = {}
        for column, target in zip(header, mapping, strict=True):
            if not target:
                continue
            if target not in allowed:
                raise UserError(
                    self.env._(
                        "Column %(column)s cannot be imported into %(field)s.",
                        column=column,
                        field=target,
                    )
                )
            if target in seen:
                raise UserError(
                    self.env._(
                        "Columns %(first)s and %(second)s are both mapped to "
                        "%(field)s; ignore one of them.",
                        first=seen[target],
                        second=column,
                        field=allowed[target],
                    )
                )
            seen[target] = column
        if "phone" not in seen and "email" not in seen:
            raise UserError(
                self.env._(
                    "Map at least a Phone or an Email column: every lead needs one."
                )
            )

    def _import_convert_row(self, run, cells):
        """Return ``(vals, phone key, email key)`` for one row or raise RowError."""
        self._import_check_cells(run.header, cells)
        vals = self._import_cell_vals(run, cells)
        phone, email = self._import_contact_keys(run, vals)
        vals["phone_sanitized"] = phone
        vals["email_normalized"] = email
        vals.setdefault("channel_id", run.import_channel_id)
        vals.setdefault("stage_id", run.default_stage_id)
        vals["company_id"] = run.company_id
        return vals, phone, email

    def _import_check_cells(self, header, cells):
        if len(cells) < len(header) or any(
            cell.strip() for cell in cells[len(header) :]
        ):
            raise RowError(
                self.env._(
                    "The row has %(count)s cells but the header has %(expected)s "
                    "columns.",
                    count=len(cells),
                    expected=len(header),
                )
            )
        if any("\x00" in cell for cell in cells):
            raise RowError(self.env._("The row contains a NUL character."))

    def _import_cell_vals(self, run, cells):
        """The values of the row's mapped, non-empty cells."""
        header = run.header
        vals = {}
        for index, fname, field in run.columns:
            raw = cells[index].strip()
            if not raw:
                continue
            limit = STANDARD_TARGETS.get(fname) or self._import_custom_limit(field)
            if len(raw) > limit:
                raise RowError(
                    self.env._(
                        "%(column)s is too long (%(length)s characters, at most "
                        "%(limit)s).",
                        column=header[index],
                        length=len(raw),
                        limit=limit,
                    )
                )
            vals[fname] = self._import_convert_value(
                run, fname, field, raw, header[index]
            )
        return vals

    def _import_contact_keys(self, run, vals):
        """``(phone key, email key)`` of the row, by the contact rules of every
        lead (leads.contact.mixin), which also normalise ``vals``."""
        try:
            cells_phone = vals.get("phone")
            self.env["leads.lead"]._leads_normalize_contact_vals(vals)
        except ValidationError as exc:
            raise RowError(exc.args[0]) from exc
        phone = email = False
        if vals.get("phone"):
            # Prefetched keys are those of the cells (see
            # _import_phone_prefetch): the same number once normalised.
            phone = None
            if vals["phone"] == cells_phone:
                phone = run.phone_keys.pop(cells_phone, None)
            if phone is None:
                phone = run.phone_key(vals["phone"])
            if not phone:
                raise RowError(
                    self.env._(
                        "%(value)s is not a valid phone number: it has no "
                        "international (E.164) form.",
                        value=vals["phone"],
                    )
                )
        if vals.get("email"):
            email = email_key(vals["email"])
        if not phone and not email:
            raise RowError(
                self.env._("A lead needs a phone number or an email address.")
            )
        return phone, email

    def _import_custom_limit(self, field):
        if field.type == "char":
            return field.size or 256
        if field.type == "text":
            return 65_535
        return 256

    def _import_convert_value(self, run, fname, field, raw, column):
        if fname == "stage_id":
            stage = self._import_lookup(
                run.stages, raw, column, lambda: self.env._("lifecycle stage")
            )
            if stage.is_converted:
                raise RowError(
                    self.env._(
                        "Imported leads cannot start in the converted stage %(stage)s.",
                        stage=stage.name,
                    )
                )
            return stage.id
        if fname == "action_status_id":
            return self._import_lookup(
                run.statuses, raw, column, lambda: self.env._("action status")
            ).id
        if fname == "channel_id":
            return self._import_lookup(
                run.channels, raw, column, lambda: self.env._("channel")
            ).id
        if fname in ("source_id", "medium_id", "campaign_id"):
            return self._import_utm(run, field.comodel_name, raw)
        if fname == "description":
            return text_to_html(raw)
        if fname in STANDARD_TARGETS:
            return raw
        return self._import_convert_custom(run, field, raw, column)

    def _import_lookup(self, records, raw, column, kind):
        """The record named ``raw`` (see ImportRun.stages), or RowError;
        ``kind()`` names what was looked for."""
        record = records.get(normalize_label(raw))
        if not record:
            raise RowError(
                self.env._(
                    "Unknown %(kind)s %(value)s in column %(column)s.",
                    kind=kind(),
                    value=raw,
                    column=column,
                )
            )
        return record

    def _import_utm(self, run, model, name):
        key = (model, name.casefold())
        if key not in run.utm:
            Model = self.env[model].sudo().with_context(active_test=False)
            record = Model.search([("name", "=ilike", name)], limit=1)
            if not record and not run.dry_run:
                record = Model.create({"name": name})
            run.utm[key] = record.id or False
        return run.utm[key]

    def _import_convert_custom(self, run, field, raw, column):
        """Convert a custom field's cell to its type or raise RowError."""
        try:
            return self.env["leads.field"]._leads_field_value(field.name, raw, run.tz)
        except CustomValueError as exc:
            raise RowError(
                self.env._(
                    "%(value)s is not a valid %(expected)s in column %(column)s.",
                    value=raw,
                    expected=exc.expected,
                    column=column,
                )
            ) from None
