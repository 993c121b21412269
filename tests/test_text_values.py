"""The one conversion of a custom field's value (tools/text_values.py), for
the import, the webhooks and the ads forms alike, without a database."""

import datetime
import unittest

import pytz

from odoo.addons.leads_management.tools.text_values import convert

NEW_YORK = pytz.timezone("America/New_York")
SPECIES = [("dog", "Chien"), ("cat", "Chat")]


class TestConvert(unittest.TestCase):
    def assertConverts(self, ftype, cases, **kwargs):
        for value, expected in cases:
            with self.subTest(ftype=ftype, value=value):
                self.assertEqual(convert(ftype, value, **kwargs), expected)

    def assertRefuses(self, ftype, values, **kwargs):
        for value in values:
            with (
                self.subTest(ftype=ftype, value=value),
                self.assertRaises((ValueError, OverflowError)),
            ):
                convert(ftype, value, **kwargs)

    def test_none_is_empty_for_every_type(self):
        for ftype in ("char", "integer", "float", "boolean", "date", "selection"):
            with self.subTest(ftype):
                self.assertIs(convert(ftype, None, options=SPECIES), False)

    def test_text_stays_as_given_and_must_be_text(self):
        self.assertConverts("char", [(" Rex ", " Rex "), ("=1+1", "=1+1")])
        self.assertRefuses("text", [3, True, ["a"]])

    def test_integer_from_json_or_text_in_32_bits(self):
        self.assertConverts("integer", [(3, 3), ("3", 3), (" 1 000 ", 1000)])
        self.assertConverts("integer", [(2**31 - 1, 2**31 - 1), (-(2**31), -(2**31))])
        self.assertRefuses("integer", [2**31, "2147483648", 2.5, "2.5", True, "x"])

    def test_float_from_json_or_text_finite_and_bounded(self):
        self.assertConverts("float", [(2, 2.0), (2.5, 2.5), ("2,5", 2.5), ("1e3", 1e3)])
        self.assertRefuses("float", [1e16, "1e16", "nan", "inf", True, "two"])

    def test_boolean_from_json_or_words(self):
        self.assertConverts(
            "boolean", [(True, True), (False, False), ("Yes", True), ("non", False)]
        )
        self.assertRefuses("boolean", ["maybe", 1, 0])

    def test_date_from_iso_or_slashes(self):
        day = datetime.date(2026, 12, 10)
        self.assertConverts(
            "date",
            [("2026-12-10", day), ("2026/12/10", day), ("2026-12-10T09:30:00Z", day)],
        )
        self.assertRefuses("date", ["10/12/2026", "20261210", "2026", "2026-13-01", 3])

    def test_datetime_in_the_given_zone_unless_it_names_its_own(self):
        utc = datetime.datetime(2026, 12, 10, 14, 30)
        cases = [
            ("2026-12-10 09:30", utc),
            ("2026-12-10T09:30:00", utc),
            ("2026-12-10T14:30:00Z", utc),
            ("2026-12-10T15:30:00+01:00", utc),
            ("2026-12-10", datetime.datetime(2026, 12, 10, 5, 0)),
        ]
        self.assertConverts("datetime", cases, tz=NEW_YORK)
        self.assertConverts("datetime", [("2026-12-10 14:30", utc)])
        self.assertRefuses("datetime", ["9999-12-31 23:00"], tz=NEW_YORK)
        self.assertRefuses("datetime", ["12/10/2026 09:30", "today", 1765376000])

    def test_selection_by_key_or_label(self):
        self.assertConverts(
            "selection",
            [("dog", "dog"), ("Chien", "dog"), ("chat", "cat")],
            options=SPECIES,
        )
        self.assertRefuses("selection", ["horse", 1], options=SPECIES)

    def test_a_type_no_custom_field_has_is_refused(self):
        self.assertRefuses("many2one", ["1"])
