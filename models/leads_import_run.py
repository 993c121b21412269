"""One run of a lead import job: what its rows need and what they gave (no model).

The job (models/leads_import_job.py) builds an :class:`ImportRun` once per run;
the row conversion (models/leads_import_convert.py) and the writer
(models/leads_import_write.py) read its lookups and fill its counts, which the
job adds to its own after every batch.
"""

from dataclasses import dataclass, field

from ..tools.phone_key import leads_phone_key

# Fields a CSV column can fill, with their length limit (characters).
STANDARD_TARGETS = {
    "name": 256,
    "phone": 64,
    "email": 254,
    "stage_id": 256,
    "action_status_id": 256,
    "channel_id": 256,
    "gclid": 256,
    "gbraid": 256,
    "wbraid": 256,
    "fbclid": 256,
    "msclkid": 256,
    "description": 65_535,
    "source_id": 256,
    "medium_id": 256,
    "campaign_id": 256,
}


class RowError(Exception):
    """A row that cannot be imported; the message is the reason shown."""


@dataclass(slots=True)
class ImportRun:
    """The lookups of a run, read once, and the counts of the current batch.

    ``seen_phone`` and ``seen_email`` map a key to the lead that has it: a lead
    id (minus the row number in a dry run, which creates nothing), or
    ``("new", index)`` for a row of the batch not created yet.
    """

    dry_run: bool
    header: list
    columns: list  # [(column index, field name, field)] of the mapped columns
    stages: dict  # normalised name: record
    statuses: dict
    channels: dict
    # Read once, as res.company._leads_phone_key reads it per number: phones
    # are formatted during a COPY, which allows no query.
    phone_region: tuple
    # Ids, not records: read for every row.
    company_id: int
    import_channel_id: int
    default_stage_id: int
    tz: object
    mapped: set = field(init=False)
    phone_index: int | None = field(init=False)
    phone_keys: dict = field(default_factory=dict)  # raw number: E.164 key or False
    phone_helper: object = None  # see leads.import.job._import_phone_helper
    unanalysed: int = 0  # leads created since the keys were last analysed
    utm: dict = field(default_factory=dict)  # (model, name): id
    seen_phone: dict = field(default_factory=dict)
    seen_email: dict = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    skipped: list = field(default_factory=list)  # [(row number, reason)]
    errors: list = field(default_factory=list)  # [(row number, reason, cells)]

    def __post_init__(self):
        self.mapped = {target for _index, target, _field in self.columns}
        self.phone_index = next(
            (index for index, target, _field in self.columns if target == "phone"),
            None,
        )

    def phone_key(self, number):
        """The E.164 key of ``number`` in the business's country, or False."""
        return leads_phone_key(number, *self.phone_region)

    def reset_counts(self):
        """After a batch: its counts are the job's now."""
        self.created = self.updated = 0
        self.skipped = []
        self.errors = []

    def match(self, existing, phone, email):
        """``(lead, "phone" or "email")`` of a row's keys, or ``(None, None)``:
        an earlier row of the file first, then ``existing`` (the open leads
        found, ``(by phone, by email)``)."""
        for kind, key, seen, found in (
            ("phone", phone, self.seen_phone, existing[0]),
            ("email", email, self.seen_email, existing[1]),
        ):
            match = seen.get(key) or found.get(key)
            if match:
                return match, kind
        return None, None

    def register(self, entry, lead_id):
        """The row ``entry`` (to create) got ``lead_id``."""
        for key, seen in ((entry[3], self.seen_phone), (entry[4], self.seen_email)):
            if key and isinstance(seen.get(key), tuple):
                seen[key] = lead_id

    def unregister(self, entry):
        """The row ``entry`` failed: later rows are no duplicates of it."""
        for key, seen in ((entry[3], self.seen_phone), (entry[4], self.seen_email)):
            if key and isinstance(seen.get(key), tuple):
                del seen[key]
