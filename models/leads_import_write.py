"""Duplicates and writing of the lead import (leads.import.job).

A batch of converted rows is matched against the open leads of the business and
the earlier rows of the file (on the E.164 phone and the normalised email), then
skipped, merged into an update, or created through COPY in a savepoint, row by
row if the batch fails.
"""

import logging

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .leads_import_run import STANDARD_TARGETS, RowError

_logger = logging.getLogger(__name__)


class LeadsImportWrite(models.AbstractModel):
    _name = "leads.import.write"
    _description = "Lead Import: Duplicates and Writing"

    def _import_rows(self, run, batch, upcoming=()):
        """Convert, deduplicate and write one batch; ``upcoming``: the rows of
        the next one, whose phones are formatted meanwhile."""
        if not run.dry_run:
            # Earlier batches are in the database, where the lookup below finds
            # them: only this batch's keys are kept, so memory stays flat. A dry
            # run creates nothing, so it remembers every key of the file.
            run.seen_phone.clear()
            run.seen_email.clear()
        parsed = self._import_parse_batch(run, batch)
        # Prefetched keys left unused (the phone of a row with another error).
        run.phone_keys.clear()
        if not parsed:
            return
        to_create, to_update = self._import_sort_rows(run, parsed)
        self._import_create(
            run, to_create, meanwhile=self._import_phone_prefetch(run, upcoming)
        )
        self._import_update(run, to_update)

    def _import_sort_rows(self, run, parsed):
        """``(to_create, to_update)`` of the parsed rows, by duplicate policy:
        ``[[row number, cells, vals, phone, email]]`` and ``{lead id: [vals,
        [(row number, cells)]]}``; skipped rows go to ``run.skipped``."""
        policy = self.duplicate_policy
        to_create, to_update = [], {}
        if policy == "create":
            to_create = [list(row) for row in parsed]
            return to_create, to_update
        existing = self._import_find_existing(
            {p[3] for p in parsed if p[3] and p[3] not in run.seen_phone},
            {p[4] for p in parsed if p[4] and p[4] not in run.seen_email},
        )
        for row in parsed:
            row_number, cells, vals, phone, email = row
            match, kind = run.match(existing, phone, email)
            if match is None:
                to_create.append(list(row))
                pending = ("new", len(to_create) - 1)
                if phone:
                    run.seen_phone.setdefault(phone, pending)
                if email:
                    run.seen_email.setdefault(email, pending)
            elif policy == "skip":
                run.skipped.append(
                    (row_number, self._import_skip_reason(match, kind, to_create))
                )
            elif isinstance(match, tuple):
                # Second occurrence of a row of this batch: merge into it.
                self._import_merge(run, to_create[match[1]][2], vals, phone, email)
            else:
                entry = to_update.setdefault(match, [{}, []])
                entry[0].update(self._import_update_vals(run, vals))
                entry[1].append((row_number, cells))
        return to_create, to_update

    def _import_merge(self, run, pending_vals, vals, phone, email):
        pending_vals.update(self._import_update_vals(run, vals))
        if phone:
            pending_vals["phone_sanitized"] = phone
        if email:
            pending_vals["email_normalized"] = email
        run.updated += 1

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
                run.errors.append((row_number, str(exc), cells))
                continue
            parsed.append((row_number, cells, vals, phone, email))
        return parsed

    def _import_update_vals(self, run, vals):
        """Values of an update: the file's non-empty cells only (no defaults, no
        computed keys); an update never moves a lead's channel (its origin)."""
        return {k: v for k, v in vals.items() if k in run.mapped and k != "channel_id"}

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
        if analysed < 2 or run.unanalysed > counted:
            self.env.cr.execute(
                SQL(
                    "ANALYZE %s (phone_sanitized, email_normalized)",
                    SQL.identifier(table),
                )
            )
            run.unanalysed = 0

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
        if run.dry_run:
            for entry in to_create:
                # A dry run's lead id is minus its row number.
                run.register(entry, -entry[0])
            run.created += len(to_create)
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
                run.register(entry, lead.id)
            run.created += len(to_create)
            return
        for entry in to_create:
            try:
                with self.env.cr.savepoint():
                    lead = self._import_create_batch(Lead, [entry[2]])
            except (UserError, ValidationError, ValueError, psycopg2.Error) as exc:
                run.errors.append((entry[0], self._import_error_text(exc), entry[1]))
                run.unregister(entry)
                continue
            run.register(entry, lead.id)
            run.created += 1

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
        ``run.phone_keys``, one number per step.

        Formatting a number is the costliest step of a row, and it needs no
        database: the COPY of the current batch runs these steps while
        PostgreSQL stores the rows it was sent, so that both cores work.
        """
        helper = run.phone_helper
        if helper and helper.working:
            return
        keys = run.phone_keys
        for raw in self._import_batch_phones(run, rows):
            if raw not in keys:
                keys[raw] = run.phone_key(raw)
                yield

    @api.model
    def _import_batch_phones(self, run, rows):
        """The phone numbers of ``rows`` that the row check will format."""
        index = run.phone_index
        if index is None:
            return
        limit = STANDARD_TARGETS["phone"]
        for _row_number, cells in rows:
            raw = cells[index].strip() if index < len(cells) else ""
            if raw and len(raw) <= limit:
                yield raw

    def _import_update(self, run, to_update):
        if not to_update:
            return
        if run.dry_run:
            run.updated += sum(len(rows) for _vals, rows in to_update.values())
            return
        Lead = self._import_lead_model()
        for lead_id, (vals, rows) in to_update.items():
            try:
                with self.env.cr.savepoint():
                    Lead.browse(lead_id).write(vals)
            except (UserError, ValidationError, ValueError, psycopg2.Error) as exc:
                reason = self._import_error_text(exc)
                run.errors.extend((row, reason, cells) for row, cells in rows)
                continue
            run.updated += len(rows)

    def _import_error_text(self, exc):
        if isinstance(exc, psycopg2.Error):
            return self.env._(
                "The database refused the row (%(error)s).", error=exc.pgcode
            )
        return str(exc.args[0] if exc.args else exc)
