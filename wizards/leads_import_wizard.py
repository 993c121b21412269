import base64
import csv
import io
from itertools import islice

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.leads_import_job import DUPLICATE_POLICIES
from ..tools.csv_reader import ENCODINGS, iter_lines

# Rows listed in the wizard's result (the error file and the job list them all).
SHOWN_ROWS = 20
RESULT_FIELDS = (
    "created_count",
    "updated_count",
    "skipped_count",
    "failed_count",
    "skipped_rows",
    "preview_errors",
    "error_file",
    "error_filename",
)

STEPS = [
    ("upload", "Upload"),
    ("map", "Map Columns"),
    ("background", "Importing"),
    ("done", "Done"),
]

DELIMITER_SELECTION = [
    (",", "Comma (,)"),
    (";", "Semicolon (;)"),
    ("\t", "Tab"),
    ("|", "Pipe (|)"),
]


class LeadsImportWizard(models.TransientModel):
    _name = "leads.import.wizard"
    _description = "Import Leads"

    file = fields.Binary(string="CSV File", required=True)
    filename = fields.Char()
    company_id = fields.Many2one(
        "res.company",
        string="Business",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    duplicate_policy = fields.Selection(
        DUPLICATE_POLICIES,
        string="When a Lead Already Exists",
        required=True,
        default="skip",
        help="A row is a duplicate when its phone number (E.164) or its email matches "
        "an open lead of the business or an earlier row of the file.",
    )
    encoding = fields.Selection(
        ENCODINGS, help="Leave empty to detect it (UTF-8, UTF-16, Windows-1252)."
    )
    delimiter = fields.Selection(
        DELIMITER_SELECTION, help="Leave empty to detect it from the file."
    )
    delimiter_ambiguous = fields.Boolean(readonly=True)
    step = fields.Selection(STEPS, default="upload", required=True)
    # The step, and "done" once a background job has finished.
    state = fields.Selection(STEPS, compute="_compute_state")
    line_ids = fields.One2many(
        "leads.import.wizard.line", "wizard_id", string="Columns"
    )
    total_rows = fields.Integer(string="Rows", readonly=True)
    is_preview = fields.Boolean(readonly=True)
    # A test run's result: its job is never stored.
    preview_result = fields.Json(readonly=True)
    preview_error_file = fields.Binary(readonly=True)
    job_id = fields.Many2one("leads.import.job", readonly=True)
    job_state = fields.Selection(related="job_id.state", string="Import Status")
    job_progress = fields.Float(related="job_id.progress", string="Progress")
    # The result, read from the job (or from the test run).
    created_count = fields.Integer(compute="_compute_result")
    updated_count = fields.Integer(compute="_compute_result")
    skipped_count = fields.Integer(compute="_compute_result")
    failed_count = fields.Integer(compute="_compute_result")
    skipped_rows = fields.Text(string="Skipped Rows", compute="_compute_result")
    preview_errors = fields.Text(string="First Errors", compute="_compute_result")
    error_file = fields.Binary(string="Error Report", compute="_compute_result")
    error_filename = fields.Char(compute="_compute_result")

    @api.depends("step", "job_id.state")
    def _compute_state(self):
        for wizard in self:
            finished = wizard.job_id.state in ("done", "failed")
            wizard.state = (
                "done" if wizard.step == "background" and finished else wizard.step
            )

    @api.depends(
        "is_preview",
        "preview_result",
        "preview_error_file",
        "job_id.created_count",
        "job_id.updated_count",
        "job_id.skipped_count",
        "job_id.failed_count",
        "job_id.skipped_rows",
        "job_id.error_file",
    )
    def _compute_result(self):
        for wizard in self:
            if wizard.is_preview or not wizard.job_id:
                result = dict(wizard.preview_result or {})
                result["error_file"] = wizard.preview_error_file
            else:
                result = wizard._result_vals(wizard.job_id.sudo())
            for fname in RESULT_FIELDS:
                wizard[fname] = result.get(fname, False)

    @api.onchange("file")
    def _onchange_file(self):
        self.line_ids = [fields.Command.clear()]
        self.step = "upload"
        self.delimiter_ambiguous = False

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def _check_import_rights(self):
        self.ensure_one()
        self.env["leads.import.job"]._check_import_access(
            self.company_id, self.duplicate_policy
        )

    def _read_file(self):
        return self.env["leads.import.job"]._import_read(
            base64.b64decode(self.file or b""), self.encoding, self.delimiter
        )

    def action_load(self):
        """Read the file and propose a target field for each column."""
        self._check_import_rights()
        read = self._read_file()
        Job = self.env["leads.import.job"]
        suggested = Job._import_suggest_mapping(read.header)
        samples = self._samples(read)
        self.write(
            {
                "encoding": read.encoding
                if read.encoding in dict(ENCODINGS)
                else self.encoding,
                "delimiter": read.delimiter,
                "delimiter_ambiguous": read.ambiguous,
                "total_rows": read.rows,
                "step": "map",
                "line_ids": [fields.Command.clear()]
                + [
                    fields.Command.create(
                        {
                            "sequence": index,
                            "column_name": column,
                            "sample": samples[index],
                            "field_name": target,
                        }
                    )
                    for index, (column, target) in enumerate(
                        zip(read.header, suggested, strict=True)
                    )
                ],
            }
        )
        return self._reopen()

    def _samples(self, read):
        """First non-empty value of each column (shown next to the mapping)."""
        samples = [""] * len(read.header)
        reader = csv.reader(iter_lines(read.text[:65536]), delimiter=read.delimiter)
        next(reader, None)
        for count, row in enumerate(reader):
            for index, cell in enumerate(row[: len(samples)]):
                # NUL cannot be stored (the row itself fails at import).
                cell = cell.replace("\x00", "").strip()
                if not samples[index] and cell:
                    samples[index] = cell[:80]
            if count > 20 or all(samples):
                break
        return samples

    def _mapping(self, read):
        if not self.line_ids:
            return self.env["leads.import.job"]._import_suggest_mapping(read.header)
        lines = self.line_ids.sorted("sequence")
        if [line.column_name for line in lines] != read.header:
            raise UserError(
                self.env._("The columns changed since the file was read: click Reload.")
            )
        return [line.field_name or False for line in lines]

    def _job_vals(self, read):
        if read.ambiguous and not self.delimiter:
            raise UserError(
                self.env._(
                    "The delimiter of this file is ambiguous (it could be %(guess)r "
                    "or another one). Choose the Delimiter and try again.",
                    guess=read.delimiter,
                )
            )
        return {
            "name": self.filename or "leads.csv",
            "user_id": self.env.uid,
            "company_id": self.company_id.id,
            "file": self.file,
            "encoding": read.encoding,
            "delimiter": read.delimiter,
            "mapping": self._mapping(read),
            "duplicate_policy": self.duplicate_policy,
        }

    def action_preview(self):
        """Dry run: count what would be created, updated, skipped or fail."""
        self._check_import_rights()
        read = self._read_file()
        job = self.env["leads.import.job"].sudo().new(self._job_vals(read))
        job._import_run(dry_run=True, read=read)
        result = self._result_vals(job)
        self.write(
            {
                "is_preview": True,
                "total_rows": read.rows,
                "step": "map" if self.line_ids else self.step,
                "preview_error_file": result.pop("error_file"),
                "preview_result": result,
            }
        )
        return self._reopen()

    def action_import(self):
        """Import the file: now, or in the background above the threshold."""
        self._check_import_rights()
        read = self._read_file()
        Job = self.env["leads.import.job"]
        job = Job.sudo().create(dict(self._job_vals(read), total_rows=read.rows))
        self.write(
            {
                "job_id": job.id,
                "is_preview": False,
                "preview_result": False,
                "preview_error_file": False,
                "total_rows": read.rows,
                "step": "background",
            }
        )
        if read.rows > Job._import_background_threshold():
            self.env.ref("leads_management.ir_cron_leads_import").sudo()._trigger()
        else:
            job._import_run(read=read)
        return self._reopen()

    def action_refresh(self):
        return self._reopen()

    def action_back(self):
        self.step = "map" if self.line_ids else "upload"
        return self._reopen()

    def _result_vals(self, job):
        """The result fields of the wizard, from ``job`` (stored or a test run)."""
        vals = {
            "created_count": job.created_count,
            "updated_count": job.updated_count,
            "skipped_count": job.skipped_count,
            "failed_count": job.failed_count,
            "error_file": job.error_file,
            "error_filename": job.error_filename,
            "skipped_rows": self._first_skipped(job) or False,
            "preview_errors": False,
        }
        if job.error_lines:
            reader = csv.reader(io.StringIO(job.error_lines, newline=""))
            vals["preview_errors"] = "\n".join(
                self.env._("Row %(row)s: %(reason)s", row=row[0], reason=row[1])
                for row in islice(reader, SHOWN_ROWS)
            )
        return vals

    def _first_skipped(self, job):
        skipped = (job.skipped_rows or "").split("\n", SHOWN_ROWS)
        if len(skipped) > SHOWN_ROWS:
            skipped[SHOWN_ROWS] = self.env._(
                "... and %(count)s more: Import History lists them all.",
                count=job.skipped_count - SHOWN_ROWS,
            )
        return "\n".join(skipped)

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Import Leads"),
        }
