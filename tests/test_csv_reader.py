"""The CSV reader of the import (tools/csv_reader.py), without a database."""

import codecs
import unittest

from odoo.addons.leads_management.tools.csv_reader import (
    CsvFile,
    CsvReadError,
    Limits,
    decode_csv,
    detect_delimiter,
    header_cell,
    normalize_label,
    open_quote_line,
    read_csv,
)

TEXT = "Name,Phone\nZoë,+1 415 555 0101\nFrançois,+1 415 555 0102\n"


class TestDecode(unittest.TestCase):
    def test_boms_and_utf16_without_bom(self):
        cases = {
            "utf-8": (codecs.BOM_UTF8 + TEXT.encode(), "utf-8"),
            "utf-16 le": (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
            "utf-16 be": (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
            "utf-16 le, no bom": (TEXT.encode("utf-16-le"), "utf-16"),
            "utf-16 be, no bom": (TEXT.encode("utf-16-be"), "utf-16"),
        }
        for label, (data, encoding) in cases.items():
            with self.subTest(label):
                self.assertEqual(decode_csv(data), (TEXT, encoding))

    def test_utf8_then_windows_1252(self):
        self.assertEqual(decode_csv(TEXT.encode()), (TEXT, "utf-8"))
        self.assertEqual(decode_csv(TEXT.encode("cp1252")), (TEXT, "windows-1252"))

    def test_stray_byte_in_a_utf8_file_names_its_line(self):
        data = TEXT.encode() + b"Ren\xe9,+1 415 555 0103\n"
        with self.assertRaises(CsvReadError) as caught:
            read_csv(data)
        error = caught.exception.__cause__
        self.assertEqual(caught.exception.code, "decode")
        self.assertEqual(
            (error.mixed, error.line, error.excerpt),
            (True, 4, "Ren\ufffd,+1 415 555 0103"),
        )

    def test_utf8_with_invalid_bytes_replaced(self):
        data = TEXT.encode() + b"Ren\xe9,+1 415 555 0103\n"
        text, encoding = decode_csv(data, "utf-8-replace")
        self.assertEqual(text, TEXT + "Ren\ufffd,+1 415 555 0103\n")

    def test_forced_utf8_names_the_line_that_is_not(self):
        with self.assertRaises(CsvReadError) as caught:
            read_csv(TEXT.encode("cp1252"), "utf-8")
        error = caught.exception.__cause__
        self.assertEqual((error.mixed, error.line), (False, 2))

    def test_forced_8_bit_encoding_drops_a_utf8_bom(self):
        text, _encoding = decode_csv(codecs.BOM_UTF8 + b"Name\n", "windows-1252")
        self.assertEqual(text, "Name\n")


class TestDelimiter(unittest.TestCase):
    def test_each_delimiter_detected(self):
        for delimiter in (",", ";", "\t", "|"):
            with self.subTest(delimiter=delimiter):
                text = f"Name{delimiter}Phone\nZoe{delimiter}+1 415 555 0101\n"
                self.assertEqual(detect_delimiter(text), (delimiter, False))

    def test_two_consistent_candidates_are_ambiguous(self):
        text = "Name,Phone;Email\nZoe,+1 415 555 0101;zoe@example.com\n"
        self.assertTrue(detect_delimiter(text)[1])

    def test_one_column(self):
        self.assertEqual(detect_delimiter("Email\na@example.com\n"), (",", False))


class TestHeader(unittest.TestCase):
    def test_bom_in_a_header_cell_is_no_part_of_the_name(self):
        self.assertEqual(header_cell(" \ufeffName\ufeff "), "Name")
        self.assertEqual(normalize_label("\ufeffTéléphone"), "telephone")

    def test_header_of_a_file(self):
        read = read_csv(",\ufeffName,Phone\n,Zoe,+1\n".encode("utf-8-sig"))
        self.assertEqual(read.header, ["", "Name", "Phone"])

    def test_labels_ignore_case_accents_and_punctuation(self):
        self.assertEqual(normalize_label("  E-Mail_Address "), "e mail address")


class TestReadCsv(unittest.TestCase):
    def refusal(self, data, **kwargs):
        with self.assertRaises(CsvReadError) as caught:
            read_csv(data, **kwargs)
        return caught.exception.code, caught.exception.params

    def test_a_file_read(self):
        read = read_csv(b"Name;Phone\r\nZoe;+1\r\n\r\nAl;+2\r\n")
        self.assertIsInstance(read, CsvFile)
        self.assertEqual(
            (read.encoding, read.delimiter, read.ambiguous, read.header, read.rows),
            ("utf-8", ";", False, ["Name", "Phone"], 3),
        )
        self.assertEqual(list(read.reader())[1], ["Zoe", "+1"])

    def test_unterminated_quote_names_its_line_and_the_lines_it_takes(self):
        data = b'Name,Phone\nZoe,+1\nAl,"+2\nBob,+3\nEve,+4\n'
        self.assertEqual(
            self.refusal(data, delimiter=","),
            ("unterminated", {"line": 3, "last": 5, "count": 3}),
        )

    def test_unterminated_quote_without_a_final_line_break(self):
        data = b'Name,Phone\r\nAl,"+2\r\nBob,+3'
        self.assertEqual(
            self.refusal(data, delimiter=","),
            ("unterminated", {"line": 2, "last": 3, "count": 2}),
        )

    def test_unterminated_quote_named_before_the_cell_limits(self):
        # The open cell is longer than the cell limit (16,000 lines) and than
        # csv's own field limit (30,000 lines): the quote is what is wrong.
        for lines in (16_000, 30_000):
            with self.subTest(lines=lines):
                data = b'Name,Phone\nZoe,+1\nAl,"+2\n' + b"Bob,+3\n" * lines
                self.assertEqual(
                    self.refusal(data, delimiter=","),
                    (
                        "unterminated",
                        {"line": 3, "last": lines + 3, "count": lines + 1},
                    ),
                )

    def test_open_quote_follows_the_csv_reader(self):
        cases = {
            'a,b\n"x""y",2\n': None,  # a doubled quote
            'a,b\n"x""y\n2\n': 2,
            'a,b\nab"c,2\n': None,  # a quote inside an unquoted cell
            'a,b\n"abc"def,2\n"open\n': 3,
            'a;b\n"x;y";"z\n': 2,
            'a,b\n""\n': None,
            'a,b\n"""\n': 2,
        }
        for text, line in cases.items():
            with self.subTest(text=text):
                delimiter = ";" if ";" in text else ","
                self.assertEqual(open_quote_line(text, delimiter), line)

    def test_quoted_cell_closed_on_the_last_lines_is_read(self):
        read = read_csv(b'Name,Notes\nZoe,"one\ntwo"\n', delimiter=",")
        self.assertEqual(list(read.reader())[1], ["Zoe", "one\ntwo"])

    def test_limits(self):
        limits = Limits(size=2 * 1024 * 1024, rows=1, columns=2, cell=5)
        cases = [
            (b"", ("no_file", {})),
            (b"x" * (3 * 1024 * 1024), ("too_large", {"size": "3.0", "limit": "2"})),
            (b"a,b,c\n", ("columns", {"count": 3, "limit": 2})),
            (b"a,b\n1,2\n3,4\n", ("rows", {"limit": 1})),
            (b"a,b\n123456,2\n", ("cell", {"row": 2, "length": 6, "limit": 5})),
            (b"a,b\n1,2,3\n", ("cells", {"row": 2, "count": 3, "limit": 2})),
            (b"\n \n", ("empty", {})),
            (b"a,\x00b\n", ("nul_header", {"index": 2, "column": "\ufffdb"})),
        ]
        for data, expected in cases:
            with self.subTest(expected[0]):
                self.assertEqual(
                    self.refusal(data, delimiter=",", limits=limits), expected
                )
