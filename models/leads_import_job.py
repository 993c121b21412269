import base64
import csv
import io
import logging
import os

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.csv_reader import (
    MIB,
    CsvReadError,
    Limits,
    normalize_label,
    read_csv,
)
from ..tools.phone_key_helper import PhoneKeyHelper
from .leads_import_run import ImportRun
from .leads_text import neutralize_cell

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


def _error_csv_row(row_number, reason, cells):
    # NUL cannot be stored (PostgreSQL text): shown as U+FFFD in the report.
    cells = (cell.replace("\x00", "\ufffd") for cell in cells)
    return [str(row_number), neutralize_cell(reason), *map(neutralize_cell, cells)]


class LeadsImportJob(models.Model):
    _name = "leads.import.job"
    _inherit = ["leads.import.convert", "leads.import.write"]
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
        ``CsvFile`` (tools/csv_reader.py). Limits (size, rows, columns, cell
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
        messages = {
            "no_file": lambda: self.env._("Choose a CSV file to import."),
            "too_large": lambda: self.env._(
                "The file is %(size)s MiB; the limit is %(limit)s MiB. Split it "
                "into smaller files.",
                **exc.params,
            ),
            "nul_header": lambda: self.env._(
                "Column %(index)s of the header line (%(column)s) contains a NUL "
                "character: the file is damaged or is not a text CSV file (check "
                "the encoding).",
                **exc.params,
            ),
            "columns": lambda: self.env._(
                "The file has %(count)s columns; the limit is %(limit)s.", **exc.params
            ),
            "rows": lambda: self.env._(
                "The file has more than %(limit)s rows. Split it into smaller files.",
                **exc.params,
            ),
            "cell": lambda: self.env._(
                "Row %(row)s has a cell of %(length)s characters; the limit is "
                "%(limit)s.",
                **exc.params,
            ),
            "cells": lambda: self.env._(
                "Row %(row)s has %(count)s cells; the limit is %(limit)s columns.",
                **exc.params,
            ),
            "unreadable": lambda: self.env._(
                "The file cannot be read near line %(line)s (%(error)s): a cell may "
                "be too long (at most %(limit)s characters).",
                **exc.params,
            ),
            "empty": lambda: self.env._("The file is empty."),
            "unterminated": lambda: self.env._(
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
        helper = run.phone_helper = self._import_phone_helper(
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
                    run.phone_keys.update(helper.take(token))
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
        if not commit or run.dry_run or run.phone_index is None:
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
            return PhoneKeyHelper(*run.phone_region)
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
        if not run.dry_run:
            self._import_lock_company()
            # Checked again for every batch: a background job must stop when the
            # business turns Leads Management off meanwhile.
            self.env["leads.lead"].with_user(self.user_id)._check_leads_enabled(
                [{"company_id": self.company_id.id}]
            )
        self._import_rows(run, batch, upcoming[1] if upcoming else ())
        if commit and run.created:
            run.unanalysed += run.created
            self._import_key_statistics(run)
        vals = self._import_batch_counts(run, done)
        run.reset_counts()
        if run.dry_run:
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

    def _import_batch_counts(self, run, done):
        """The job's counts and lists once the batch is done (its resume point)."""
        vals = {
            "next_row": done,
            "created_count": self.created_count + run.created,
            "updated_count": self.updated_count + run.updated,
            "skipped_count": self.skipped_count + len(run.skipped),
            "failed_count": self.failed_count + len(run.errors),
        }
        if run.skipped:
            skipped = [
                self.env._("Row %(row)s: %(reason)s", row=row, reason=reason)
                for row, reason in run.skipped
            ]
            vals["skipped_rows"] = "\n".join(
                filter(None, [self.skipped_rows, *skipped])
            )
        if run.errors:
            vals["error_lines"] = (self.sudo().error_lines or "") + "".join(
                self._import_error_line(*error) for error in run.errors
            )
        return vals

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
                [neutralize_cell(h) for h in ["Row", "Reason", *run.header]]
            )
            data = (head.getvalue() + error_lines).encode("utf-8-sig")
            vals["error_file"] = base64.b64encode(data)
            vals["error_filename"] = (
                f"{(self.name or 'leads').rsplit('.', 1)[0]}-errors.csv"
            )
        if run.dry_run:
            for fname, value in vals.items():
                self.sudo()[fname] = value
            return
        self.sudo().write(vals)

    # ------------------------------------------------------------------
    # The run
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

        return ImportRun(
            dry_run=dry_run,
            header=header,
            columns=columns,
            stages=by_name("leads.lifecycle.stage"),
            statuses=by_name("leads.action.status"),
            channels=by_name("leads.channel", ("code",)),
            phone_region=self.company_id._leads_phone_region()[1:],
            company_id=self.company_id.id,
            import_channel_id=self.env["leads.channel"]
            .sudo()
            ._get_by_code("import")
            .id,
            default_stage_id=self.env["leads.lifecycle.stage"]._get_default_stage().id,
            tz=pytz.timezone(self.user_id.tz or "UTC"),
        )

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
        History keeps the result for a user who was not online, and an open
        wizard shows it (it reads the job)."""
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
