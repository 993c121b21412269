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
    ("utf-8-replace", "UTF-8, invalid bytes replaced"),
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
    """The bytes cannot be decoded with the requested encoding.

    ``line`` and ``excerpt`` locate the first byte that is not valid UTF-8 when
    they are known; ``mixed`` says the rest of the file is UTF-8 (detection then
    refuses to guess an 8-bit encoding, which would garble every accent).
    """

    def __init__(self, encoding, line=None, excerpt=None, mixed=False):
        super().__init__(encoding)
        self.encoding = encoding
        self.line = line
        self.excerpt = excerpt
        self.mixed = mixed


# A byte that is not UTF-8, as decoded with "surrogateescape".
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
# A character that UTF-8 decoded from more than one byte.
_UTF8_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")
EXCERPT = 60


def utf8_error(data, position, mixed=False):
    """:class:`CsvDecodeError` for the invalid UTF-8 byte at ``position``."""
    newline = b"\n" if b"\n" in data else b"\r"
    start = data.rfind(newline, 0, position) + 1
    end = data.find(newline, position)
    end = len(data) if end < 0 else end
    start = max(start, position - EXCERPT // 2)
    excerpt = data[start : min(end, start + EXCERPT)].rstrip(b"\r")
    return CsvDecodeError(
        "utf-8",
        line=data.count(newline, 0, position) + 1,
        excerpt=excerpt.decode("utf-8", errors="replace"),
        mixed=mixed,
    )


def mostly_utf8(data):
    """Whether the file has at least as many UTF-8 accents as invalid bytes: a
    UTF-8 file with a stray byte, not an 8-bit file."""
    text = data.decode("utf-8", errors="surrogateescape")
    accents = len(_UTF8_MULTIBYTE.findall(text))
    return bool(accents) and accents >= len(_NOT_UTF8.findall(text))


def decode_csv(data, encoding=None):
    """Return ``(text, encoding)`` for the file's bytes.

    Without ``encoding``: a BOM decides (UTF-8, UTF-16 LE/BE, UTF-32), then strict
    UTF-8, then Windows-1252, then Latin-1 (which decodes any byte); a UTF-8 file
    with a few invalid bytes raises :class:`CsvDecodeError` naming the first one
    (``mixed``). With an ``encoding`` (chosen by the user), only that one is tried
    and a failure raises :class:`CsvDecodeError`; ``utf-8-replace`` is UTF-8 with
    the invalid bytes shown as U+FFFD. A leading BOM never reaches the first header.
    """
    if encoding:
        return _decode_as(data, encoding), encoding
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
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if mostly_utf8(data):
            raise utf8_error(data, exc.start, mixed=True) from exc
    try:
        return data.decode("windows-1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _decode_as(data, encoding):
    codec, errors = encoding, "strict"
    if not encoding.lower().startswith("utf"):
        # A UTF-8 or UTF-16 BOM is unambiguous: an 8-bit encoding forced on
        # such a file would turn it into "ï»¿" / "ÿþ" in the first header.
        for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            if data.startswith(bom):
                data = data[len(bom) :]
                break
    if encoding in ("utf-8", "utf8"):
        codec = "utf-8-sig"
    elif encoding == "utf-8-replace":
        codec, errors = "utf-8-sig", "replace"
    elif encoding in ("utf-16", "utf-32") and not any(
        data.startswith(bom) for bom, _codec, name in BOMS if name == encoding
    ):
        codec = encoding + _utf16_endianness(data)
    try:
        text = data.decode(codec, errors)
    except UnicodeDecodeError as exc:
        if codec == "utf-8-sig":
            raise utf8_error(data, exc.start) from exc
        raise CsvDecodeError(encoding) from exc
    except LookupError as exc:
        raise CsvDecodeError(encoding) from exc
    return text.lstrip("\ufeff")


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


def header_cell(cell):
    """A header cell as a column name: a BOM anywhere in it (after an empty
    first column, a second BOM, a BOM in quotes) is no part of the name."""
    return cell.replace("\ufeff", "").strip()


_BREAK = re.compile(r"\r\n|\r|\n")
_LAST_BREAK = re.compile(r"(?:\r\n|\r|\n)\Z")


def unterminated_quote(text, first_line, last_line, cells, delimiter):
    """Line where a quoted cell that is never closed opens, or None.

    ``cells`` is the file's last record, read from ``first_line`` to
    ``last_line``. csv.reader reads such a quote to the end of the file, into
    one cell: the last record is read again in strict mode, which refuses it.
    """
    if last_line <= first_line or not cells:
        return None
    lines = iter_lines(text)
    for _skip in range(first_line - 1):
        next(lines, None)
    try:
        for _row in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return None
    else:
        return None
    # The open cell is the last one: it holds every line after its opening.
    return last_line - len(_BREAK.findall(_LAST_BREAK.sub("", cells[-1])))


def normalize_label(value):
    """Case-, accent- and punctuation-insensitive key of a header or a label."""
    value = unicodedata.normalize("NFKD", value or "")
    value = "".join(
        ch for ch in value if not unicodedata.combining(ch) and ch != "\ufeff"
    )
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
