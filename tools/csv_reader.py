"""Reading a CSV file of leads: pure functions, no Odoo (tests/test_csv_reader.py).

Decoding and encoding detection, delimiter detection, header normalisation and the
scan of the whole file (:func:`read_csv`) that the import wizard and job run before
anything is written. Refusals are :class:`CsvReadError` with a code and the numbers
of the message, which the job words for the user.
"""

import codecs
import contextlib
import csv
import re
import unicodedata
from dataclasses import dataclass

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


_START, _FIELD, _QUOTED, _QUOTE = range(4)  # states of csv.reader


def open_quote_line(text, delimiter):
    """Line where a quoted cell that is never closed opens, or None.

    csv.reader (not strict) reads such a quote to the end of the file, into one
    cell. This follows its states over the characters that matter (quotes,
    delimiters, line breaks): a cell that opens with a quote ends at a quote
    that is not doubled.
    """
    tokens = re.compile('"|\r\n|\r|\n|' + re.escape(delimiter))
    state, line, opening, end = _START, 1, None, 0
    for match in tokens.finditer(text):
        token, start = match.group(), match.start()
        if start > end and state in (_START, _QUOTE):
            state = _FIELD  # ordinary characters first
        end = match.end()
        if state == _QUOTED:
            if token == '"':
                state = _QUOTE
            elif token != delimiter:
                line += 1
        elif token == '"':
            if state == _START:
                state, opening = _QUOTED, line
            elif state == _QUOTE:
                state = _QUOTED  # a doubled quote
        else:
            if token != delimiter:
                line += 1
            state = _START
    return opening if state == _QUOTED else None


def _line_count(text):
    """Physical lines of ``text`` (a last line without a line break counts)."""
    return len(_BREAK.findall(text)) + (not text.endswith(("\n", "\r")))


_BREAK = re.compile(r"\r\n|\r|\n")


def normalize_label(value):
    """Case-, accent- and punctuation-insensitive key of a header or a label."""
    value = unicodedata.normalize("NFKD", value or "")
    value = "".join(
        ch for ch in value if not unicodedata.combining(ch) and ch != "\ufeff"
    )
    value = value.casefold().strip()
    return re.sub(r"[\s_\-./]+", " ", value).strip()


MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    size: int = 20 * MIB  # bytes
    rows: int = 200_000
    columns: int = 200
    cell: int = 100_000  # characters


class CsvReadError(Exception):
    """The file is refused; ``code`` names the reason, ``params`` its numbers.

    Codes: ``no_file``, ``too_large`` (size, limit: MiB), ``decode`` (the
    :class:`CsvDecodeError` is the cause), ``nul_header`` (index, column),
    ``columns`` (count, limit), ``rows`` (limit), ``cell`` (row, length, limit),
    ``cells`` (row, count, limit), ``unreadable`` (line, error, limit),
    ``empty``, ``unterminated`` (line, last, count).
    """

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass
class CsvFile:
    """A file read and checked by :func:`read_csv`."""

    text: str
    encoding: str
    delimiter: str
    ambiguous: bool  # the delimiter was detected without certainty
    header: list
    rows: int  # data rows, blank ones included

    def reader(self):
        return csv.reader(iter_lines(self.text), delimiter=self.delimiter)


def read_csv(data, encoding=None, delimiter=None, limits=None):
    """Decode and scan the whole file: a :class:`CsvFile` or :class:`CsvReadError`.

    Without ``encoding`` or ``delimiter``, they are detected (:func:`decode_csv`,
    :func:`detect_delimiter`). Every row is read once to count them and check the
    limits (:class:`Limits` by default), and a quoted cell that is never closed
    is refused.
    """
    limits = limits or Limits()
    if not data:
        raise CsvReadError("no_file")
    if len(data) > limits.size:
        raise CsvReadError(
            "too_large",
            size=f"{len(data) / MIB:.1f}",
            limit=f"{limits.size / MIB:g}",
        )
    try:
        text, encoding = decode_csv(data, encoding or None)
    except CsvDecodeError as exc:
        raise CsvReadError("decode") from exc
    ambiguous = False
    if not delimiter:
        delimiter, ambiguous = detect_delimiter(text)
    reader = csv.reader(iter_lines(text), delimiter=delimiter)
    try:
        header, rows, last_record = _scan(reader, limits)
    except csv.Error as exc:
        # Raised for a cell longer than csv.field_size_limit() (128 KiB).
        _check_quotes(text, delimiter)
        raise CsvReadError(
            "unreadable", line=reader.line_num, error=str(exc), limit=limits.cell
        ) from exc
    except CsvReadError as exc:
        if exc.code == "cell":
            _check_quotes(text, delimiter)
        raise
    if header is None:
        raise CsvReadError("empty")
    if last_record[1] > last_record[0]:
        # The last record spans several lines: it may be an open quote's.
        _check_quotes(text, delimiter)
    return CsvFile(text, encoding, delimiter, ambiguous, header, rows)


def _check_quotes(text, delimiter):
    """Refuse a quoted cell that is never closed, which took the rest of the
    file (the lines from its opening to the end) into one row."""
    opening = open_quote_line(text, delimiter)
    if opening:
        last = _line_count(text)
        raise CsvReadError(
            "unterminated", line=opening, last=last, count=last - opening + 1
        )


def _scan(reader, limits):
    """``(header, data rows, (first line, last line) of the last record)``."""
    header = None
    rows = 0
    first_line = last_line = 0  # physical lines of the record read
    for cells in reader:
        first_line, last_line = last_line + 1, reader.line_num
        if header is not None:
            rows += 1
            _check_row(cells, rows, limits)
        elif any(cell.strip() for cell in cells):
            header = [header_cell(cell) for cell in cells]
            check_header(header, limits)
    return header, rows, (first_line, last_line)


def check_header(header, limits):
    for index, column in enumerate(header, start=1):
        # A header cell holding NUL cannot be a column name (nor be stored).
        if "\x00" in column:
            raise CsvReadError(
                "nul_header", index=index, column=column.replace("\x00", "\ufffd")[:80]
            )
    if len(header) > limits.columns:
        raise CsvReadError("columns", count=len(header), limit=limits.columns)


def _check_row(cells, rows, limits):
    if rows > limits.rows:
        raise CsvReadError("rows", limit=limits.rows)
    longest = max(map(len, cells), default=0)
    if longest > limits.cell:
        raise CsvReadError("cell", row=rows + 1, length=longest, limit=limits.cell)
    if len(cells) > limits.columns:
        raise CsvReadError(
            "cells", row=rows + 1, count=len(cells), limit=limits.columns
        )
