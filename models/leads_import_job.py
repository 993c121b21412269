import base64
import csv
import io
import logging
import os
from datetime import datetime

import psycopg2
import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools.contact import email_key
from ..tools.csv_reader import (
    MIB,
    CsvReadError,
    Limits,
    normalize_label,
    read_csv,
)
from ..tools.phone_key import leads_phone_key
from ..tools.phone_key_helper import PhoneKeyHelper
from .leads_text import neutralize_cell, text_to_html

_logger = logging.getLogger(__name__)

DUPLICATE_POLICIES = [
    ("skip", "Skip the row"),
    ("update", "Update the existing lead"),
    ("create", "Create a new lead anyway"),
]

MAX_FILE_SIZE = 20 * MIB
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL = 100_000
BACKGROUND_THRESHOLD = 5000
BATCH_SIZE = 2000
# Rows from which a background import formats phone numbers in a helper
# process (tools/phone_key_helper.py): it takes about a second to start.
PHONE_HELPER_THRESHOLD = 20_000

# Fields a CSV column can fill, with their length limit (characters).
STANDARD_TARGETS = {
    "name": 256,
    "phone": 64,
    "email": 254,
    "stage_id": 256,
    "action_status_id": 256,
    "channel_id": 256,
    "gclid": 256,
    "description": 65_535,
    "source_id": 256,
    "medium_id": 256,
    "campaign_id": 256,
}
# Extra header spellings recognised by the automatic mapping.
ALIASES = {
    "name": ["full name", "lead", "contact name", "customer", "client name"],
    "phone": ["phone number", "mobile", "telephone", "tel", "cell"],
    "email": ["e mail", "email address", "mail"],
    "stage_id": ["stage", "lifecycle", "lifecycle stage"],
    "action_status_id": ["status", "action status"],
    "channel_id": ["channel", "lead source channel"],
    "gclid": ["google click id"],
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
TRUE_VALUES = {"1", "true", "yes", "y", "x", "on", "vrai", "oui", "ja", "si"}
FALSE_VALUES = {"0", "false", "no", "n", "off", "faux", "non", "nein"}
INT_LIMIT = 2**31


def _error_csv_row(row_number, reason, cells):
    # NUL cannot be stored (PostgreSQL text): shown as U+FFFD in the report.
    cells = (cell.replace("\x00", "\ufffd") for cell in cells)
    return [str(row_number), neutralize_cell(reason), *map(neutralize_cell, cells)]


class RowError(Exception):
    """A row that cannot be imported; the message is the reason shown."""


class LeadsImportJob(models.Model):
    _name = "leads.import.job"
    _description = "Lead Import"
    _order = "id desc"

    name = fields.Char(string="File Name", required=True)
    user_id = fields.Many2one(
        "res.users",
        string="Imported By",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one(
        "res.company", string="Business", required=True, readonly=True
    )
    file = fields.Binary(attachment=True, readonly=True)
    encoding = fields.Char(readonly=True)
    delimiter = fields.Char(readonly=True)
    mapping = fields.Json(
        readonly=True, help="Target field of each column (False: ignored)."
    )
    duplicate_policy = fields.Selection(
        DUPLICATE_POLICIES, required=True, default="skip", readonly=True
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    total_rows = fields.Integer(readonly=True)
    next_row = fields.Integer(
        readonly=True,
        help="Number of data rows already processed: a resumed job starts there.",
    )
    progress = fields.Float(compute="_compute_progress")
    created_count = fields.Integer(readonly=True)
    updated_count = fields.Integer(readonly=True)
    skipped_count = fields.Integer(readonly=True)
    failed_count = fields.Integer(readonly=True)
    skipped_rows = fields.Text(
        readonly=True, help="Each row skipped as a duplicate, with the reason."
    )
    error_lines = fields.Text(readonly=True, groups="base.group_system")
    error_file = fields.Binary(attachment=True, readonly=True)
    error_filename = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    date_done = fields.Datetime(readonly=True)

    @api.depends("total_rows", "next_row")
    def _compute_progress(self):
        for job in self:
            job.progress = (
                100.0 * job.next_row / job.total_rows if job.total_rows else 0.0
            )

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    @api.model
    def _check_import_access(self, company, policy="skip"):
        """Server-side gate of every import entry point (wizard, RPC, job)."""
        user = self.env.user
        if self.env.su and self.env.uid == 1:
            return
        if not user.has_group("leads_management.group_lead_import") or not (
            user.has_group("leads_management.group_lead_view_working")
        ):
            raise AccessError(
                self.env._(
                    "Importing leads needs the Import Leads permission and View "
                    "leads at working businesses or at all businesses."
                )
            )
        if company not in user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot import leads into %(company)s: it is not one of your "
                    "businesses.",
                    company=company.name,
                )
            )
        if policy == "update" and not user.has_group(
            "leads_management.group_lead_edit_info"
        ):
            raise AccessError(
                self.env._(
                    "Updating existing leads from a file needs the Edit lead "
                    "information permission; choose Skip or Create instead."
                )
            )
        self.env["leads.lead"].with_user(user).sudo(False)._check_leads_enabled(
            [{"company_id": company.id}]
        )

    # ------------------------------------------------------------------
    # Reading the file
    # ------------------------------------------------------------------

    @api.model
    def _import_read(self, data, encoding=None, delimiter=None):
        """Decode and scan the whole file before anything is written: a
        :class:`~..tools.csv_reader.CsvFile`. Limits (size, rows, columns, cell
        length) and unreadable files raise UserError."""
        limits = Limits(MAX_FILE_SIZE, MAX_ROWS, MAX_COLUMNS, MAX_CELL)
        try:
            return read_csv(data, encoding, delimiter, limits)
        except CsvReadError as exc:
            raise UserError(self._import_read_error(exc)) from exc

    @api.model
    def _import_read_error(self, exc):
        """The user's words for a :class:`CsvReadError`."""
        if exc.code == "decode":
            return self._import_decode_error(exc.__cause__)
        _ = self.env._
        messages = {
            "no_file": lambda: _("Choose a CSV file to import."),
            "too_large": lambda: _(
                "The file is %(size)s MiB; the limit is %(limit)s MiB. Split it "
                "into smaller files.",
                **exc.params,
            ),
            "nul_header": lambda: _(
                "Column %(index)s of the header line (%(column)s) contains a NUL "
                "character: the file is damaged or is not a text CSV file (check "
                "the encoding).",
                **exc.params,
            ),
            "columns": lambda: _(
                "The file has %(count)s columns; the limit is %(limit)s.", **exc.params
            ),
            "rows": lambda: _(
                "The file has more than %(limit)s rows. Split it into smaller files.",
                **exc.params,
            ),
            "cell": lambda: _(
                "Row %(row)s has a cell of %(length)s characters; the limit is "
                "%(limit)s.",
                **exc.params,
            ),
            "cells": lambda: _(
                "Row %(row)s has %(count)s cells; the limit is %(limit)s columns.",
                **exc.params,
            ),
            "unreadable": lambda: _(
                "The file cannot be read near line %(line)s (%(error)s): a cell may "
                "be too long (at most %(limit)s characters).",
                **exc.params,
            ),
            "empty": lambda: _("The file is empty."),
            "unterminated": lambda: _(
                "Line %(line)s opens a quoted cell that is never closed: it takes "
                "lines %(line)s to %(last)s (%(count)s lines) as one row. Close the "
                'quote (") or remove it and import the file again; nothing was '
                "imported.",
                **exc.params,
            ),
        }
        return messages[exc.code]()

    @api.model
    def _import_decode_error(self, exc):
        """The message of a :class:`CsvDecodeError`: the line, and the choice."""
        if exc.mixed:
            return self.env._(
                "Line %(line)s of the file is not valid UTF-8 (%(excerpt)s), though "
                "the rest of the file is. Correct that line, or choose its Encoding: "
                "UTF-8, invalid bytes replaced keeps the accents of the other lines; "
                "Windows-1252 or Latin-1 read every accent of the file as two "
                "characters.",
                line=exc.line,
                excerpt=exc.excerpt,
            )
        if exc.line:
            return self.env._(
                "The file cannot be decoded as %(encoding)s: line %(line)s is not "
                "valid (%(excerpt)s). Choose another Encoding (for example "
                "Windows-1252).",
                encoding=exc.encoding,
                line=exc.line,
                excerpt=exc.excerpt,
            )
        return self.env._(
            "The file cannot be decoded as %(encoding)s. Choose another encoding "
            "(for example UTF-8 or Windows-1252).",
            encoding=exc.encoding,
        )

    # ------------------------------------------------------------------
    # Mapping
    # ------------------------------------------------------------------

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

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------

    def _import_run(self, dry_run=False, commit=False, read=None):
        """Import (or, with ``dry_run``, only check) the rows not processed yet.

        Rows are validated, then deduplicated on the E.164 phone and normalised
        email (against open leads of the business and earlier rows of the file),
        then created in batches, each in a savepoint; a failing batch is retried
        row by row so that only the culprit fails. With ``commit`` (background
        job), every batch is committed with the resume point ``next_row``.
        ``read``: the file as the caller has just read it (the wizard), so that
        one request decodes it once.
        """
        self.ensure_one()
        if read is None:
            read = self._import_read_file()

        run = self._import_context(read.header, dry_run)
        if not dry_run:
            self.write({"state": "running", "total_rows": read.rows})
        else:
            self.total_rows = read.rows
        # One batch is read ahead: its phone numbers are formatted while the
        # current one is stored, by a helper process for a large background
        # import, else during the COPY (see _import_phone_prefetch).
        batches = self._import_batches(read.reader(), self._import_batch_size())
        helper = run["phone_helper"] = self._import_phone_helper(
            run, read.rows - self.next_row, commit
        )
        try:
            current, token = next(batches, None), None
            while current:
                upcoming, upcoming_token = next(batches, None), None
                if helper and upcoming:
                    upcoming_token = helper.submit(
                        self._import_batch_phones(run, upcoming[1])
                    )
                if token:
                    run["phone_keys"].update(helper.take(token))
                done, batch = current
                if not self._import_batch(run, batch, done, commit, upcoming):
                    return False
                current, token = upcoming, upcoming_token
        finally:
            if helper:
                helper.close()
        self._import_finish(run)
        return True

    def _import_read_file(self):
        if not self.file:
            # Its attachment deleted since the job was queued (a cleanup).
            raise UserError(
                self.env._(
                    "The file of import %(job)s is no longer stored: import it "
                    "again from Leads > Import.",
                    job=self.display_name,
                )
            )
        data = base64.b64decode(self.file)
        # The text is all the rows need: the file leaves the cache (up to
        # 27 MiB of base64), then its bytes, before the batches start.
        self.invalidate_recordset(["file"])
        return self._import_read(data, self.encoding, self.delimiter)

    def _import_phone_helper(self, run, rows, commit):
        """The helper process formatting the phones of a large background
        import (tools/phone_key_helper.py), or None."""
        if not commit or run["dry_run"] or run["phone_index"] is None:
            return None
        # The helper competes with the import on a single core.
        if len(os.sched_getaffinity(0)) < 2:
            return None
        threshold = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(
                "leads_management.import_phone_helper_threshold",
                PHONE_HELPER_THRESHOLD,
            )
        )
        if threshold <= 0 or rows < threshold:
            return None
        try:
            return PhoneKeyHelper(*run["phone_region"])
        except OSError:
            _logger.warning(
                "Lead import: no phone key helper; the import formats the "
                "numbers itself.",
                exc_info=True,
            )
            return None

    def _import_batches(self, reader, batch_size):
        """``(rows consumed, [(row number, cells)])`` for the rows after
        ``next_row``, by batches of ``batch_size``; the header is skipped."""
        done = 0  # data rows consumed, blank ones included
        header_seen = False
        batch = []
        for cells in reader:
            if not header_seen:
                header_seen = any(cell.strip() for cell in cells)
                continue
            done += 1
            if done <= self.next_row:
                continue
            batch.append((done + 1, cells))
            if len(batch) >= batch_size:
                yield done, batch
                batch = []
        if batch:
            yield done, batch

    def _import_batch(self, run, batch, done, commit, upcoming=None):
        """Process one batch; returns False when the cron must stop for now.
        ``upcoming`` is the next ``(done, batch)``, if any."""
        if not run["dry_run"]:
            self._import_lock_company()
            # Checked again for every batch: a background job must stop when the
            # business turns Leads Management off meanwhile.
            self.env["leads.lead"].with_user(self.user_id)._check_leads_enabled(
                [{"company_id": self.company_id.id}]
            )
        self._import_rows(run, batch, upcoming[1] if upcoming else ())
        if commit and run["created"]:
            run["unanalysed"] += run["created"]
            self._import_key_statistics(run)
        vals = {
            "next_row": done,
            "created_count": self.created_count + run["created"],
            "updated_count": self.updated_count + run["updated"],
            "skipped_count": self.skipped_count + len(run["skipped"]),
            "failed_count": self.failed_count + len(run["errors"]),
        }
        if run["skipped"]:
            vals["skipped_rows"] = "\n".join(
                filter(
                    None,
                    [
                        self.skipped_rows,
                        *(
                            self.env._("Row %(row)s: %(reason)s", row=row, reason=why)
                            for row, why in run["skipped"]
                        ),
                    ],
                )
            )
        if run["errors"]:
            vals["error_lines"] = (self.sudo().error_lines or "") + "".join(
                self._import_error_line(*error) for error in run["errors"]
            )
        run.update(created=0, updated=0, skipped=[], errors=[])
        if run["dry_run"]:
            for fname, value in vals.items():
                self.sudo()[fname] = value
            return True
        self.sudo().write(vals)
        self.env.flush_all()
        if commit:
            remaining_time = self._import_commit(len(batch))
            # Keep memory flat: nothing of the batch stays in the cache.
            self.env.invalidate_all()
            if remaining_time <= 0 and done < self.total_rows:
                self.env.ref("leads_management.ir_cron_leads_import")._trigger()
                return False
        return True

    def _import_commit(self, processed):
        """Commit a background batch (a method of its own so tests can stub it)."""
        return self.env["ir.cron"]._commit_progress(
            processed, remaining=max(self.total_rows - self.next_row, 0)
        )

    def _import_lock_company(self):
        """Serialise the imports into one business.

        Under REPEATABLE READ, a concurrent import of the same rows that committed
        meanwhile turns this update into a serialization failure, which Odoo
        retries with a fresh snapshot: the retry sees the new leads and dedupes.
        """
        self.env.cr.execute(
            SQL(
                "UPDATE res_company SET leads_management_enabled = "
                "leads_management_enabled WHERE id = %s",
                self.company_id.id,
            )
        )

    @api.model
    def _import_batch_size(self):
        param = self.env["ir.config_parameter"].sudo().get_param
        return max(int(param("leads_management.import_batch_size", BATCH_SIZE)), 1)

    @api.model
    def _import_background_threshold(self):
        param = self.env["ir.config_parameter"].sudo().get_param
        return int(
            param("leads_management.import_background_threshold", BACKGROUND_THRESHOLD)
        )

    def _import_error_line(self, row_number, reason, cells):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(
            _error_csv_row(row_number, reason, cells)
        )
        return buffer.getvalue()

    def _import_finish(self, run):
        vals = {"state": "done", "date_done": fields.Datetime.now()}
        error_lines = self.sudo().error_lines
        if error_lines:
            head = io.StringIO()
            csv.writer(head, lineterminator="\r\n").writerow(
                [neutralize_cell(h) for h in ["Row", "Reason", *run["header"]]]
            )
            data = (head.getvalue() + error_lines).encode("utf-8-sig")
            vals["error_file"] = base64.b64encode(data)
            vals["error_filename"] = (
                f"{(self.name or 'leads').rsplit('.', 1)[0]}-errors.csv"
            )
        if run["dry_run"]:
            for fname, value in vals.items():
                self.sudo()[fname] = value
            return
        self.sudo().write(vals)

    # ------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------

    def _import_context(self, header, dry_run):
        """Everything the rows need, looked up once per run."""
        mapping = self.mapping or self._import_suggest_mapping(header)
        if len(mapping) != len(header):
            raise UserError(
                self.env._("The column mapping does not match the file's header.")
            )
        self._import_check_mapping(header, mapping)
        Lead = self.env["leads.lead"]
        columns = [
            (index, target, Lead._fields[target])
            for index, target in enumerate(mapping)
            if target
        ]

        def by_name(model, extra=()):
            records = self.env[model].sudo().search_fetch([], ["name", *extra])
            names = {}
            for record in records:
                for key in (record.name, *(record[f] for f in extra)):
                    names.setdefault(normalize_label(key), record)
            return names

        return {
            "dry_run": dry_run,
            "header": header,
            "columns": columns,
            "mapped": {target for _index, target, _field in columns},
            "stages": by_name("leads.lifecycle.stage"),
            "statuses": by_name("leads.action.status"),
            "channels": by_name("leads.channel", ("code",)),
            # Read once, as res.company._leads_phone_key reads it per number:
            # phones are formatted during a COPY, which allows no query.
            "phone_region": self.company_id._leads_phone_region()[1:],
            "phone_index": next(
                (index for index, target, _field in columns if target == "phone"),
                None,
            ),
            "phone_keys": {},  # raw number: E.164 key or False, see prefetch
            "phone_helper": None,  # see _import_phone_helper
            "unanalysed": 0,  # leads created since the keys were last analysed
            # Ids, not records: read for every row.
            "company_id": self.company_id.id,
            "import_channel_id": self.env["leads.channel"]
            .sudo()
            ._get_by_code("import")
            .id,
            "default_stage_id": self.env["leads.lifecycle.stage"]
            ._get_default_stage()
            .id,
            "utm": {},
            "tz": pytz.timezone(self.user_id.tz or "UTC"),
            "seen_phone": {},
            "seen_email": {},
            "created": 0,
            "updated": 0,
            "skipped": [],  # [(row number, reason)]
            "errors": [],
        }

    def _import_rows(self, run, batch, upcoming=()):
        policy = self.duplicate_policy
        if not run["dry_run"]:
            # Earlier batches are in the database, where the lookup below finds
            # them: only this batch's keys are kept, so memory stays flat. A dry
            # run creates nothing, so it remembers every key of the file.
            run["seen_phone"].clear()
            run["seen_email"].clear()
        parsed = self._import_parse_batch(run, batch)
        # Prefetched keys left unused (the phone of a row with another error).
        run["phone_keys"].clear()
        if not parsed:
            return
        existing_phone, existing_email = {}, {}
        if policy != "create":
            existing_phone, existing_email = self._import_find_existing(
                {p[3] for p in parsed if p[3] and p[3] not in run["seen_phone"]},
                {p[4] for p in parsed if p[4] and p[4] not in run["seen_email"]},
            )
        to_create = []  # [row_number, cells, vals, phone, email]
        to_update = {}  # lead id: [vals, [(row_number, cells)]]
        for row_number, cells, vals, phone, email in parsed:
            match = kind = None
            if policy != "create":
                match, kind = self._import_match(
                    run, (existing_phone, existing_email), phone, email
                )
            if match is None:
                to_create.append([row_number, cells, vals, phone, email])
                if policy == "create":
                    continue
                pending = ("new", len(to_create) - 1)
                if phone:
                    run["seen_phone"].setdefault(phone, pending)
                if email:
                    run["seen_email"].setdefault(email, pending)
            elif policy == "skip":
                run["skipped"].append(
                    (row_number, self._import_skip_reason(match, kind, to_create))
                )
            elif isinstance(match, tuple):
                # Second occurrence of a row of this batch: merge into it.
                pending_vals = to_create[match[1]][2]
                pending_vals.update(self._import_update_vals(run, vals))
                if phone:
                    pending_vals["phone_sanitized"] = phone
                if email:
                    pending_vals["email_normalized"] = email
                run["updated"] += 1
            else:
                entry = to_update.setdefault(match, [{}, []])
                entry[0].update(self._import_update_vals(run, vals))
                entry[1].append((row_number, cells))
        self._import_create(
            run, to_create, meanwhile=self._import_phone_prefetch(run, upcoming)
        )
        self._import_update(run, to_update)

    def _import_match(self, run, existing, phone, email):
        """``(match, "phone" or "email")`` of a row's keys, or ``(None, None)``:
        a lead id (negative in a dry run, see _import_create), or
        ``("new", index)`` for a row of this batch still to create."""
        for kind, key, seen, found in (
            ("phone", phone, run["seen_phone"], existing[0]),
            ("email", email, run["seen_email"], existing[1]),
        ):
            match = seen.get(key) or found.get(key)
            if match:
                return match, kind
        return None, None

    def _import_skip_reason(self, match, kind, to_create):
        if isinstance(match, tuple):
            row = to_create[match[1]][0]
        else:
            row = -match if match < 0 else None
        if row and kind == "phone":
            return self.env._(
                "Skipped: row %(row)s of the file has the same phone number.", row=row
            )
        if row:
            return self.env._(
                "Skipped: row %(row)s of the file has the same email.", row=row
            )
        if kind == "phone":
            return self.env._("Skipped: an open lead has the same phone number.")
        return self.env._("Skipped: an open lead has the same email.")

    def _import_parse_batch(self, run, batch):
        """``[(row number, cells, vals, phone key, email key)]`` of the valid rows;
        the others go to the errors. Blank rows are ignored."""
        parsed = []
        for row_number, cells in batch:
            if not any(cell.strip() for cell in cells):
                continue
            try:
                vals, phone, email = self._import_convert_row(run, cells)
            except RowError as exc:
                run["errors"].append((row_number, str(exc), cells))
                continue
            parsed.append((row_number, cells, vals, phone, email))
        return parsed

    def _import_update_vals(self, run, vals):
        """Values of an update: the file's non-empty cells only (no defaults, no
        computed keys); an update never moves a lead's channel (its origin)."""
        return {
            k: v for k, v in vals.items() if k in run["mapped"] and k != "channel_id"
        }

    def _import_find_existing(self, phones, emails):
        """Open leads of the business with these keys (archived ones left out,
        as the webhooks' lookup leaves them out).

        Each query names one key of a few values (leads.contact.mixin's
        _leads_find_keys), so that it is served by that key's index (unless
        statistics are missing or describe a smaller table, see
        _import_key_statistics); the business and the open state are checked
        here, on the few leads found.
        """
        # The batch lookup of leads.contact.mixin, in SQL with no rule: a lead
        # of the business the user cannot see is still a duplicate.
        self.env.flush_all()
        Lead = self.env["leads.lead"]
        found = Lead._leads_find_keys(Lead._table, {"phone": phones, "email": emails})
        by_phone, by_email = {}, {}
        for kind, keys in (("phone", by_phone), ("email", by_email)):
            for key, rows in found[kind].items():
                for lead_id, company_id, converted_date, active in rows:
                    if (
                        active
                        and company_id == self.company_id.id
                        and not converted_date
                    ):
                        keys.setdefault(key, lead_id)
                        break
        return by_phone, by_email

    def _import_key_statistics(self, run):
        """Keep PostgreSQL's statistics on the duplicate keys in step with a
        large import that fills the table (background runs).

        Without statistics on the keys (a new database), or with statistics
        of a table much smaller than it has become, PostgreSQL estimates that
        a lookup of 1,000 keys matches much of the table and scans it, batch
        after batch: on 50,000 leads 12 ms per lookup instead of 1.7 ms, and
        more as the table grows. Autovacuum analyses committed changes only,
        a minute later at best. The keys are analysed when they have no
        statistics, or when the run has added more leads than the statistics
        count: at most log2(rows) times, each one sampling at most 30,000
        rows. Background runs only: ANALYZE keeps a lock until the end of the
        transaction, and a background batch commits at once.
        """
        table = self.env["leads.lead"]._table
        self.env.flush_all()
        counted, analysed = self.env.execute_query(
            SQL(
                "SELECT c.reltuples, (SELECT count(*) FROM pg_stats s "
                "WHERE s.schemaname = current_schema() AND s.tablename = c.relname "
                "AND s.attname IN %s) FROM pg_class c WHERE c.oid = %s::regclass",
                ("phone_sanitized", "email_normalized"),
                table,
            )
        )[0]
        if analysed < 2 or run["unanalysed"] > counted:
            self.env.cr.execute(
                SQL(
                    "ANALYZE %s (phone_sanitized, email_normalized)",
                    SQL.identifier(table),
                )
            )
            run["unanalysed"] = 0

    def _import_lead_model(self):
        # sudo keeps the importing user as author (create_uid); the import
        # permission, the business and the enabled rule were checked before.
        return (
            self.env["leads.lead"]
            .with_user(self.user_id)
            .with_company(self.company_id)
            .sudo()
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
            )
        )

    def _import_create(self, run, to_create, meanwhile=None):
        if not to_create:
            return
        if run["dry_run"]:
            for entry in to_create:
                # A dry run's lead id is minus its row number.
                self._import_register(run, entry, -entry[0])
            run["created"] += len(to_create)
            return
        Lead = self._import_lead_model()
        try:
            with self.env.cr.savepoint():
                leads = self._import_create_batch(
                    Lead, [e[2] for e in to_create], meanwhile=meanwhile
                )
        except (UserError, ValidationError, ValueError, psycopg2.Error) as exc:
            _logger.info("Lead import batch failed, retrying row by row: %s", exc)
            leads = None
        if leads is not None:
            for entry, lead in zip(to_create, leads, strict=True):
                self._import_register(run, entry, lead.id)
            run["created"] += len(to_create)
            return
        for entry in to_create:
            try:
                with self.env.cr.savepoint():
                    lead = self._import_create_batch(Lead, [entry[2]])
            except (UserError, ValidationError, ValueError, psycopg2.Error) as exc:
                run["errors"].append((entry[0], self._import_error_text(exc), entry[1]))
                self._import_unregister(run, entry)
                continue
            self._import_register(run, entry, lead.id)
            run["created"] += 1

    def _import_create_batch(self, Lead, vals_list, meanwhile=None):
        """Create leads whose ``phone_sanitized`` and ``email_normalized`` are given.

        The row check already formatted the phone (E.164, the business's country,
        as the compute does) and normalised the email; the notes are escaped
        text in the sanitiser's normal form (text_to_html). A batch goes
        through COPY, a single row (the retry of a failed batch) through
        create(). ``meanwhile``: see leads.lead._leads_copy_create.
        """
        return Lead._leads_copy_create(
            vals_list, escaped_html=("description",), meanwhile=meanwhile
        )

    def _import_phone_prefetch(self, run, rows):
        """Format the phone numbers of ``rows`` (the next batch) into
        ``run["phone_keys"]``, one number per step.

        Formatting a number is the costliest step of a row, and it needs no
        database: the COPY of the current batch runs these steps while
        PostgreSQL stores the rows it was sent, so that both cores work.
        """
        helper = run["phone_helper"]
        if helper and helper.working:
            return
        keys = run["phone_keys"]
        for raw in self._import_batch_phones(run, rows):
            if raw not in keys:
                keys[raw] = leads_phone_key(raw, *run["phone_region"])
                yield

    @api.model
    def _import_batch_phones(self, run, rows):
        """The phone numbers of ``rows`` that the row check will format."""
        index = run["phone_index"]
        if index is None:
            return
        limit = STANDARD_TARGETS["phone"]
        for _row_number, cells in rows:
            raw = cells[index].strip() if index < len(cells) else ""
            if raw and len(raw) <= limit:
                yield raw

    def _import_register(self, run, entry, lead_id):
        for key, seen in ((entry[3], run["seen_phone"]), (entry[4], run["seen_email"])):
            if key and isinstance(seen.get(key), tuple):
                seen[key] = lead_id

    def _import_unregister(self, run, entry):
        for key, seen in ((entry[3], run["seen_phone"]), (entry[4], run["seen_email"])):
            if key and isinstance(seen.get(key), tuple):
                del seen[key]

    def _import_update(self, run, to_update):
        if not to_update:
            return
        if run["dry_run"]:
            run["updated"] += sum(len(rows) for _vals, rows in to_update.values())
            return
        Lead = self._import_lead_model()
        for lead_id, (vals, rows) in to_update.items():
            try:
                with self.env.cr.savepoint():
                    Lead.browse(lead_id).write(vals)
            except (UserError, ValidationError, ValueError, psycopg2.Error) as exc:
                reason = self._import_error_text(exc)
                run["errors"].extend((row, reason, cells) for row, cells in rows)
                continue
            run["updated"] += len(rows)

    def _import_error_text(self, exc):
        if isinstance(exc, psycopg2.Error):
            return self.env._(
                "The database refused the row (%(error)s).", error=exc.pgcode
            )
        return str(exc.args[0] if exc.args else exc)

    def _import_convert_row(self, run, cells):
        """Return ``(vals, phone key, email key)`` for one row or raise RowError."""
        header = run["header"]
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
        vals = {}
        for index, fname, field in run["columns"]:
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
        phone = email = False
        Lead = self.env["leads.lead"]
        try:
            # The contact rules of every lead (leads.contact.mixin).
            cells_phone = vals.get("phone")
            Lead._leads_normalize_contact_vals(vals)
        except ValidationError as exc:
            raise RowError(exc.args[0]) from exc
        if vals.get("phone"):
            # Prefetched keys are those of the cells (see
            # _import_phone_prefetch): the same number once normalised.
            phone = None
            if vals["phone"] == cells_phone:
                phone = run["phone_keys"].pop(cells_phone, None)
            if phone is None:
                phone = leads_phone_key(vals["phone"], *run["phone_region"])
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
        vals["phone_sanitized"] = phone
        vals["email_normalized"] = email
        vals.setdefault("channel_id", run["import_channel_id"])
        vals.setdefault("stage_id", run["default_stage_id"])
        vals["company_id"] = run["company_id"]
        return vals, phone, email

    def _import_custom_limit(self, field):
        if field.type == "char":
            return field.size or 256
        if field.type == "text":
            return 65_535
        return 256

    def _import_convert_value(self, run, fname, field, raw, column):
        def unknown(kind):
            return RowError(
                self.env._(
                    "Unknown %(kind)s %(value)s in column %(column)s.",
                    kind=kind,
                    value=raw,
                    column=column,
                )
            )

        if fname == "stage_id":
            stage = run["stages"].get(normalize_label(raw))
            if not stage:
                raise unknown(self.env._("lifecycle stage"))
            if stage.is_converted:
                raise RowError(
                    self.env._(
                        "Imported leads cannot start in the converted stage %(stage)s.",
                        stage=stage.name,
                    )
                )
            return stage.id
        if fname == "action_status_id":
            status = run["statuses"].get(normalize_label(raw))
            if not status:
                raise unknown(self.env._("action status"))
            return status.id
        if fname == "channel_id":
            channel = run["channels"].get(normalize_label(raw))
            if not channel:
                raise unknown(self.env._("channel"))
            return channel.id
        if fname in ("source_id", "medium_id", "campaign_id"):
            return self._import_utm(run, field.comodel_name, raw)
        if fname == "description":
            return text_to_html(raw)
        if fname in STANDARD_TARGETS:
            return raw
        return self._import_convert_custom(run, field, raw, column)

    def _import_utm(self, run, model, name):
        key = (model, name.casefold())
        if key not in run["utm"]:
            Model = self.env[model].sudo().with_context(active_test=False)
            record = Model.search([("name", "=ilike", name)], limit=1)
            if not record and not run["dry_run"]:
                record = Model.create({"name": name})
            run["utm"][key] = record.id or False
        return run["utm"][key]

    def _import_convert_custom(self, run, field, raw, column):
        """Convert a custom field's cell to its type or raise RowError."""
        parsers = {
            "char": (lambda: raw, ""),
            "text": (lambda: raw, ""),
            "integer": (lambda: self._import_parse_integer(raw), "whole number"),
            "float": (lambda: self._import_parse_float(raw), "number"),
            "boolean": (lambda: self._import_parse_boolean(raw), "yes/no value"),
            "date": (lambda: self._import_parse_date(raw), "date (YYYY-MM-DD)"),
            "datetime": (
                lambda: self._import_parse_datetime(raw, run["tz"]),
                "date and time (YYYY-MM-DD HH:MM:SS)",
            ),
            "selection": (
                lambda: self._import_parse_selection(field, raw),
                "option of the list",
            ),
        }
        parser, expected = parsers[field.type]
        try:
            return parser()
        except (ValueError, OverflowError):
            # OverflowError: a date and time at the edge of the calendar that
            # leaves it once converted to UTC (9999-12-31 23:00 in New York).
            raise RowError(
                self.env._(
                    "%(value)s is not a valid %(expected)s in column %(column)s.",
                    value=raw,
                    expected=expected,
                    column=column,
                )
            ) from None

    def _import_parse_integer(self, raw):
        value = int(raw.replace(" ", ""))
        if not -INT_LIMIT <= value < INT_LIMIT:
            raise ValueError(raw)
        return value

    def _import_parse_float(self, raw):
        text = raw.replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(raw)
        return value

    def _import_parse_boolean(self, raw):
        key = normalize_label(raw)
        if key in TRUE_VALUES:
            return True
        if key in FALSE_VALUES:
            return False
        raise ValueError(raw)

    def _import_parse_date(self, raw):
        for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
            try:
                return datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
        raise ValueError(raw)

    def _import_parse_datetime(self, raw, tz):
        """ISO date and time, in the importing user's time zone unless ``Z``."""
        text = raw.replace("T", " ").removesuffix("Z")
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                value = datetime.strptime(text, fmt)
            except ValueError:
                continue
            if raw.endswith("Z"):
                return value
            return tz.localize(value).astimezone(pytz.UTC).replace(tzinfo=None)
        raise ValueError(raw)

    def _import_parse_selection(self, field, raw):
        key = normalize_label(raw)
        for value, label in field._description_selection(self.env):
            if key in (normalize_label(value), normalize_label(label)):
                return value
        raise ValueError(raw)

    # ------------------------------------------------------------------
    # Background
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_import_jobs(self):
        """Process queued and interrupted imports, committing every batch."""
        jobs = self.search([("state", "in", ("queued", "running"))], order="id")
        for job in jobs:
            job = job.with_user(job.user_id).with_company(job.company_id).sudo()
            try:
                # The owner may have lost the permission, or the business turned
                # Leads Management off, since the file was queued.
                job.sudo(False)._check_import_access(
                    job.company_id, job.duplicate_policy
                )
                finished = job._import_run(commit=True)
            except UserError as exc:
                self._import_rollback()
                job._import_fail(str(exc.args[0]))
                continue
            except Exception as exc:  # noqa: BLE001 - one job never blocks the others
                # A bug or a database error: the job must not stay "running"
                # (retried and crashing on every run, the user never told).
                _logger.exception("Lead import job %s failed.", job.id)
                self._import_rollback()
                job._import_fail(
                    self.env._(
                        "An unexpected error stopped the import (%(error)s). The "
                        "rows processed before it are saved; resume the import to "
                        "continue, or contact your administrator.",
                        error=f"{type(exc).__name__}: {exc}"[:300],
                    )
                )
                continue
            if not finished:
                return
            job._import_notify()
            self._import_commit_final()

    def _import_fail(self, reason):
        """Mark the job failed, tell its owner, commit (after a rollback)."""
        self.ensure_one()
        self.write({"state": "failed", "error_message": reason})
        self._import_notify()
        self._import_commit_final()

    @api.model
    def _import_rollback(self):
        self.env.cr.rollback()

    @api.model
    def _import_commit_final(self):
        self.env["ir.cron"]._commit_progress(0)

    def _import_notify(self):
        """Tell the user the import is over (a sticky notification); Import
        History keeps the result for a user who was not online."""
        self.ensure_one()
        if self.state == "done":
            message = self.env._(
                "Import of %(file)s finished: %(created)s created, %(updated)s "
                "updated, %(skipped)s skipped, %(failed)s failed.",
                file=self.name,
                created=self.created_count,
                updated=self.updated_count,
                skipped=self.skipped_count,
                failed=self.failed_count,
            )
        else:
            message = self.env._(
                "Import of %(file)s failed: %(error)s",
                file=self.name,
                error=self.error_message,
            )
        partner = self.user_id.partner_id
        partner._bus_send(
            "simple_notification",
            {
                "type": "success" if self.state == "done" else "danger",
                "title": self.env._("Lead import"),
                "message": message,
                "sticky": True,
            },
        )
        wizards = (
            self.env["leads.import.wizard"].sudo().search([("job_id", "=", self.id)])
        )
        wizards._import_fill_results()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_resume(self):
        for job in self:
            job._check_import_access(job.company_id, job.duplicate_policy)
        self.filtered(lambda j: j.state == "failed").sudo().write(
            {"state": "queued", "error_message": False}
        )
        self.env.ref("leads_management.ir_cron_leads_import").sudo()._trigger()
        return True
