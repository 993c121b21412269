"""The offline-conversion files of Google Ads and Microsoft Advertising
(no database): one row per conversion, ready to upload.

Rows are ``Conversion`` tuples; the conversion time is an aware datetime,
written in the business's time zone (``tz``, a pytz/zoneinfo time zone).
"""

import csv
import io
from typing import NamedTuple

GOOGLE_HEADER = [
    "Google Click ID",
    "Conversion Name",
    "Conversion Time",
    "Conversion Value",
    "Conversion Currency",
]
MICROSOFT_HEADER = [
    "Microsoft Click Id",
    "Conversion Name",
    "Conversion Time",
    "Conversion Value",
    "Conversion Currency Code",
]
FORMULA_STARTS = ("=", "+", "-", "@")


class Conversion(NamedTuple):
    click_id: str
    name: str
    time: object  # aware datetime
    value: object  # float or None
    currency: str
    decimals: int = 2


def neutralize(value):
    """A cell a spreadsheet would run as a formula is written as text."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _value(conversion):
    if conversion.value is None:
        return ""
    return f"{conversion.value:.{conversion.decimals}f}"


def _write(header, rows, preamble=None):
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    if preamble:
        writer.writerow([preamble])
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def google_csv(conversions, tz):
    """Google Ads: the time zone once (``Parameters:TimeZone=``), then local
    times as ``yyyy-MM-dd HH:mm:ss``."""
    rows = [
        (
            c.click_id,
            c.name,
            c.time.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            _value(c),
            c.currency,
        )
        for c in conversions
    ]
    return _write(GOOGLE_HEADER, rows, preamble=f"Parameters:TimeZone={tz}")


def microsoft_csv(conversions, tz):
    """Microsoft Advertising: local times with their UTC offset
    (``yyyy-MM-ddTHH:mm:ss+hh:mm``)."""
    rows = [
        (
            c.click_id,
            c.name,
            c.time.astimezone(tz).isoformat(timespec="seconds"),
            _value(c),
            c.currency,
        )
        for c in conversions
    ]
    return _write(MICROSOFT_HEADER, rows)
