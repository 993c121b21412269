"""The import's bulk writer of new leads: PostgreSQL COPY instead of INSERT.

The rows hold what create() would insert (the same create funnel,
_leads_prepare_create, then the defaults and each value converted by its
field); the ORM then does what create() does after its INSERT.
"""

import io
import itertools
import json
import selectors

import psycopg2

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.mail.models.mail_thread import MailThread

from .leads_lead import LeadsLead

# Field types _leads_copy_create writes (their column values are text,
# numbers, flags, dates or json).
COPY_TYPES = {
    "boolean",
    "char",
    "date",
    "datetime",
    "float",
    "html",
    "integer",
    "many2one",
    "monetary",
    "selection",
    "text",
}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_DONE = object()


def _copy_cell(value):
    """A value in PostgreSQL COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if hasattr(value, "adapted"):  # psycopg2 Json: translated and json fields
        value = json.dumps(value.adapted)
    return str(value).translate(_COPY_ESCAPES)


class _CopyStream(io.TextIOBase):
    """The file COPY reads: rows are converted as PostgreSQL asks for them.

    Steps of ``meanwhile`` run while the connection cannot take more data
    (PostgreSQL is still storing what it received) and, once every row is
    sent, until it is exhausted: PostgreSQL stores the last rows in the
    meantime. Both cores work instead of one waiting for the other.
    """

    def __init__(self, lines, connection, meanwhile=None):
        super().__init__()
        self._lines = lines
        self._meanwhile = meanwhile
        # psycopg2 turns any error raised by read() into a failed COPY, a
        # database error that callers take for bad data: the real one is kept.
        self.error = None
        # A selector, not select(): a descriptor above 1023 is common in a
        # busy server.
        self._selector = selectors.DefaultSelector()
        self._selector.register(connection.fileno(), selectors.EVENT_WRITE)

    def readable(self):
        return True

    def close(self):
        self._selector.close()
        return super().close()

    def _busy(self):
        """Whether the connection cannot take more data right now."""
        return not self._selector.select(0)

    def _step(self):
        if self._meanwhile is not None and next(self._meanwhile, _DONE) is _DONE:
            self._meanwhile = None
        return self._meanwhile is not None

    def read(self, size=-1):  # pylint: disable=method-required-super  # file API, not ORM
        try:
            return self._read(size)
        except psycopg2.Error as exc:
            # A query while the connection copies: a bug, not bad data.
            self.error = RuntimeError("The database was queried during a COPY.")
            self.error.__cause__ = exc
            raise
        except Exception as exc:
            self.error = exc
            raise

    def _read(self, size):
        while self._busy() and self._step():
            pass
        chunk, length = [], 0
        for line in self._lines:
            chunk.append(line)
            length += len(line)
            if 0 <= size <= length:
                break
        if not chunk:
            while self._step():
                pass
        return "".join(chunk)


class LeadsLeadCopy(models.Model):
    _inherit = "leads.lead"

    @api.model
    def _leads_copy_supported(self):
        """Whether the create() chain of leads is the one _leads_copy_create
        reproduces: this module's, mail.thread's and the ORM's. A module that
        extends it must see every lead, so imports then go through create()."""
        known = {
            LeadsLead.create,
            MailThread.create,
            models.BaseModel.create,
            models.BaseModel._create,
            models.BaseModel._prepare_create_values,
        }
        return all(
            vars(cls)[name] in known
            for cls in type(self).__mro__
            for name in ("create", "_create", "_prepare_create_values")
            if name in vars(cls)
        )

    @api.model
    def _leads_copy_create(self, vals_list, escaped_html=(), meanwhile=None):
        """Create many leads with PostgreSQL COPY: create() for large imports.

        The rows hold what create() would insert: this module's rules
        (_leads_prepare_create), the defaults (computed once) and each value
        converted by its field. Then the ORM does what create() does after its
        INSERT: stored computed fields are marked to compute (the
        ``phone_sanitized`` and ``email_normalized`` given are kept, see
        _create_normalized), dependents are notified, constraints and business
        consistency are checked. The html fields named in ``escaped_html``
        hold plain text already in the sanitiser's normal form (text_to_html),
        which sanitising would not change; other html fields are sanitised.

        For the import only, which checked the user's rights: in sudo, with
        tracking disabled (no creation message, no follower). Falls back to
        create() otherwise: for a single row, when another module extends
        create(), when a value is not a plain column of a known type, or when
        a computed field other than the keys is given a value.

        ``meanwhile``: an iterator of steps of work that need no database (the
        connection is busy with the COPY), advanced while PostgreSQL stores
        the rows it was sent; what is left of it is the caller's.
        """
        if (
            len(vals_list) < 2
            or not (self.env.su and self.env.context.get("tracking_disable"))
            or not self._leads_copy_supported()
        ):
            return self._create_normalized(vals_list)
        # The create funnel: the model it gives (its context scrubbed) also
        # provides the defaults and the records.
        Lead, given = self._leads_prepare_create(vals_list)
        defaults = Lead._add_missing_default_values({})
        rows = [{**defaults, **vals} for vals in given]
        names = sorted(
            {name for row in rows for name in row}.difference(models.LOG_ACCESS_COLUMNS)
        )
        columns = [self._fields[name] for name in names]
        if not all(map(self._leads_copy_column_supported, columns)):
            return self._create_normalized(vals_list)
        ids = self._leads_copy_reserve_ids(len(rows))
        lines = self._leads_copy_lines(ids, rows, given, columns, escaped_html)
        self._leads_copy_run(names, lines, meanwhile)
        records = Lead.browse(ids)
        self._leads_copy_after_insert(records, rows, given, columns)
        return records

    @api.model
    def _leads_copy_column_supported(self, field):
        return bool(
            field.column_type
            and field.type in COPY_TYPES
            and field.name != "id"
            # create() decides per lead which given computed values it keeps;
            # only the keys (see _create_normalized) are kept here.
            and (
                not field.compute
                or field.name in ("phone_sanitized", "email_normalized")
            )
        )

    @api.model
    def _leads_copy_reserve_ids(self, count):
        self.env.cr.execute(
            SQL(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                "FROM generate_series(1, %s)",
                self._table,
                count,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _leads_copy_lines(self, ids, rows, given, columns, escaped_html):
        """The COPY lines of ``rows``, an iterator the stream pulls from: what
        needs the database is read here, before the COPY holds the connection."""
        now, uid = self.env.cr.now(), self.env.uid
        log_cells = "\t".join(map(_copy_cell, (uid, now, uid, now)))
        converters = [
            (field.name, self._leads_copy_converter(field, field.name in escaped_html))
            for field in columns
        ]
        return _copy_lines(zip(ids, rows, given, strict=True), log_cells, converters)

    @api.model
    def _leads_copy_run(self, names, lines, meanwhile):
        cr = self.env.cr
        copy = SQL(
            "COPY %s (%s) FROM STDIN",
            SQL.identifier(self._table),
            SQL(", ").join(
                SQL.identifier(name)
                for name in ("id", *models.LOG_ACCESS_COLUMNS, *names)
            ),
        )
        with _CopyStream(lines, cr.connection, meanwhile) as data:
            try:
                cr.copy_expert(copy.code, data)
            except psycopg2.Error as exc:
                if data.error is None:
                    raise
                raise data.error from exc

    @api.model
    def _leads_copy_after_insert(self, records, rows, given, columns):
        """What create() does after its INSERT."""
        names = [field.name for field in columns]
        self._leads_copy_cache(records, rows, names)
        # The keys kept as given, as _create_normalized keeps them.
        protected = [
            field
            for field in columns
            if field.compute and all(field.name in vals for vals in given)
        ]
        with self.env.protecting(protected, records):
            records.modified(self._fields, create=True)
        records._validate_fields(names)
        # The fields left out are empty, consistent with any business.
        if self._check_company_auto and (
            checked := [
                field.name
                for field in columns
                if getattr(field, "check_company", False)
            ]
        ):
            records._check_company(checked)
        records.check_access("create")

    @api.model
    def _leads_copy_converter(self, field, escaped):
        """``convert(value, row, given)``: the COPY cell of a value of ``field``,
        what convert_to_column_insert() and _copy_cell() make of it.

        Plain strings of plain text fields are only cut to the field's size
        (their conversion); ids and flags repeat from row to row (stage,
        channel, business, defaults) and are converted once each. With
        ``escaped``, the html values the caller gave are escaped text already
        (a default is sanitised as any other value).
        """

        def convert(value, row, given):
            return _copy_cell(field.convert_to_column_insert(value, self, row))

        if escaped:
            return _escaped_converter(field.name, convert)
        if (
            field.type in ("char", "text")
            and not field.translate
            and not field.company_dependent
        ):
            return _text_converter(field.size, convert)
        if field.type in ("many2one", "boolean", "integer", "selection"):
            return _repeated_converter(convert)
        return convert

    @api.model
    def _leads_copy_cache(self, records, rows, names):
        """Put the rows just copied in cache, as create() does after its
        INSERT: the constraints and the caller then read them without a query.
        Like create(), html values are left to be read (and sanitised) from
        the database and the columns left out are None."""
        written = set(names)
        for field in self._fields.values():
            if not field.store or not field.column_type or field.type == "html":
                continue
            if field.name in models.LOG_ACCESS_COLUMNS or field.name == "id":
                continue
            if field.name not in written:
                field._insert_cache(records, itertools.repeat(None))
                continue
            converted = {}

            def to_cache(value, field=field, converted=converted):
                # The same ids and flags repeat from row to row.
                if not isinstance(value, int | bool):
                    return field.convert_to_cache(value, records)
                key = (type(value), value)
                if key not in converted:
                    converted[key] = field.convert_to_cache(value, records)
                return converted[key]

            field._insert_cache(
                records, [to_cache(row.get(field.name)) for row in rows]
            )

    @api.model
    def _add_missing_default_values(self, values):
        defaults = self.env.context.get("leads_batch_defaults")
        if defaults is None:
            return super()._add_missing_default_values(values)
        # Leads have no _inherits parent nor properties field, whose defaults
        # would depend on the values.
        return {**defaults, **values}


def _escaped_converter(fname, convert):
    def convert_escaped(value, row, given):
        if fname in given:
            return _copy_cell(value or None)
        return convert(value, row, given)

    return convert_escaped


def _text_converter(size, convert):
    def convert_text(value, row, given):
        if type(value) is str:
            return value[:size].translate(_COPY_ESCAPES)
        return convert(value, row, given)

    return convert_text


def _repeated_converter(convert):
    converted = {}

    def convert_repeated(value, row, given):
        key = (type(value), value)
        if key not in converted:
            converted[key] = convert(value, row, given)
        return converted[key]

    return convert_repeated


def _copy_lines(rows, log_cells, converters):
    for id_, row, vals in rows:
        cells = [str(id_), log_cells]
        for name, convert in converters:
            if name in row:
                cells.append(convert(row[name], row, vals))
            else:
                cells.append("\\N")
        yield "\t".join(cells) + "\n"
