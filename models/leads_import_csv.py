"""CSV reading helpers of the lead import (no model here).

Decoding, delimiter detection, header normalisation and the error-file writer are
plain functions, so that the import job (models/leads_import_job.py) and the
wizard share them and the tests can call them directly.
"""

import codecs
import contextlib
import csv
import re
import unicodedata

from .leads_text import neutralize_cell

DELIMITERS = (",", ";", "\t", "|")

# (codec used to decode, value shown to the user)
ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("utf-16", "UTF-16"),
    ("windows-1252", "Windows-1252"),
    ("latin-1", "Latin-1 (ISO-8859-1)"),
]

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)

# Characters that make a spreadsheet evaluate a cell (CSV/formula injection).

SNIFF_SIZE = 64 * 1024

# One physical line with its end (CRLF, LF or CR), like a file opened with
# newline="": csv.reader joins the lines of a quoted multi-line cell itself.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class CsvDecodeError(Exception):
    """The bytes cannot be decoded with the requested encoding."""

    def __init__(self, encoding):
        super().__init__(encoding)
        self.encoding = encoding


def decode_csv(data, encoding=None):
    """Return ``(text, encoding)`` for the file's bytes.

    Without ``encoding``: a BOM decides (UTF-8, UTF-16 LE/BE, UTF-32), then strict
    UTF-8, then Windows-1252, then Latin-1 (which decodes any byte). With an
    ``encoding`` (forced by the user), only that one is tried and a failure
    raises :class:`CsvDecodeError`. A leading BOM never reaches the first header.
    """
    if encoding:
        codec = encoding
        if not encoding.lower().startswith("utf"):
            # A UTF-8 or UTF-16 BOM is unambiguous: an 8-bit encoding forced on
            # such a file would turn it into "ï»¿" / "ÿþ" in the first header.
            for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                if data.startswith(bom):
                    data = data[len(bom) :]
                    break
        if encoding in ("utf-8", "utf8"):
            codec = "utf-8-sig"
        elif encoding in ("utf-16", "utf-32") and not any(
            data.startswith(bom) for bom, _codec, name in BOMS if name == encoding
        ):
            codec = encoding + _utf16_endianness(data)
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError) as exc:
            raise CsvDecodeError(encoding) from exc
        return text.lstrip("\ufeff"), encoding
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).lstrip("\ufeff"), name
            except UnicodeDecodeError as exc:
                raise CsvDecodeError(name) from exc
    head = data[:4096]
    if head.count(0) > len(head) // 3:
        # Latin text in UTF-16 without a BOM: about every other byte is NUL (a
        # stray NUL in a UTF-8 file is a row error, not a reason to switch).
        codec = "utf-16" + _utf16_endianness(data)
        with contextlib.suppress(UnicodeDecodeError):  # not UTF-16 after all
            return data.decode(codec), "utf-16"
    for codec in ("utf-8", "windows-1252"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def iter_lines(text):
    """Lines of ``text`` for csv.reader, without copying the whole text.

    (``io.StringIO`` keeps a 4-byte-per-character copy: 400 MB for a 100 MB text.)
    """
    for match in _LINE.finditer(text):
        yield match.group()


def _utf16_endianness(data):
    """``-le`` or ``-be`` for UTF-16 without a BOM (where the NUL bytes are)."""
    head = data[:4096]
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    return "-be" if even > odd else "-le"


def _widths(sample, delimiter):
    reader = csv.reader(iter_lines(sample), delimiter=delimiter)
    widths = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                widths.append(len(row))
    except csv.Error:
        return []
    return widths


def detect_delimiter(text):
    """Return ``(delimiter, ambiguous)`` among ``,`` ``;`` TAB ``|``.

    ``csv.Sniffer`` restricted to those four proposes one; every candidate is then
    checked on the sample (share of rows with as many cells as the header, at
    least two). One fully consistent candidate wins; several consistent ones, or a
    best one that is weak (< 80%) or has a plausible rival, make the answer
    ambiguous (the user confirms it).
    """
    sample = text[:SNIFF_SIZE]
    if len(text) > SNIFF_SIZE and "\n" in sample:
        # Drop the last, probably cut, line (a quoted newline may still cut a
        # record, which only makes one candidate look less consistent).
        sample = sample[: sample.rindex("\n")]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS))
        sniffed = sniffed.delimiter
    except csv.Error:
        sniffed = None
    scores = {}
    for delimiter in DELIMITERS:
        widths = _widths(sample, delimiter)
        if not widths or widths[0] < 2:
            scores[delimiter] = 0.0
            continue
        scores[delimiter] = sum(1 for w in widths if w == widths[0]) / len(widths)
    consistent = [d for d in DELIMITERS if scores[d] == 1.0]
    if len(consistent) == 1:
        return consistent[0], False
    if consistent:
        return (sniffed if sniffed in consistent else consistent[0]), True
    best = max(DELIMITERS, key=lambda d: (scores[d], d == sniffed))
    if not scores[best]:
        # A single column: any delimiter reads it the same way.
        return ",", False
    # A few ragged rows do not make a clear delimiter doubtful; two plausible
    # candidates, or a weak best one, do.
    others = [d for d in DELIMITERS if d != best and scores[d] >= 0.5]
    return best, bool(others) or scores[best] < 0.8


def normalize_label(value):
    """Case-, accent- and punctuation-insensitive key of a header or a label."""
    value = unicodedata.normalize("NFKD", value or "")
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.casefold().strip()
    return re.sub(r"[\s_\-./]+", " ", value).strip()


# A cell a spreadsheet shows as text, never evaluates.
neutralize = neutralize_cell


def error_csv_header(header):
    return [neutralize(h) for h in ["Row", "Reason", *header]]


def error_csv_row(row_number, reason, cells):
    # NUL cannot be stored (PostgreSQL text): shown as U+FFFD in the report.
    cells = (cell.replace("\x00", "\ufffd") for cell in cells)
    return [str(row_number), neutralize(reason), *(neutralize(c) for c in cells)]
