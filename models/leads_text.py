"""Text rules shared by every way text enters or leaves leads (no model here).

Lead names and notes come from anonymous webhooks and files, and end up in
spreadsheets through exports.
"""

import html
import re

from markupsafe import Markup

from odoo.tools import html_sanitize

from ..tools.text import FORMULA_PREFIXES


def neutralize_cell(value):
    """A cell to export: any text starting like a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# Dropped by the html parser of the sanitiser.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_SIGNATURE = re.compile(r"--(?:\s|&nbsp;)?<br>")
_PARAGRAPH_BREAKS = re.compile(r"(?:<br>\s*){2,}")


def text_to_html(text):
    """Plain text (a CSV cell) as html already in the sanitiser's normal form.

    As Odoo's ``plaintext2html`` (escaped text, a line break per line, a
    paragraph per blank line) without turning URLs into links, and written
    the way ``html_sanitize`` writes it (``<br>``, quotes left as they are),
    so that sanitising it changes nothing.
    """
    text = html.escape(_CONTROL_CHARS.sub("", text), quote=False)
    text = _LINE_BREAKS.sub("<br>", text).replace("\xa0", "&nbsp;")
    paragraphs = _PARAGRAPH_BREAKS.split(text)
    result = Markup("".join(f"<p>{paragraph}</p>" for paragraph in paragraphs))
    if any(_SIGNATURE.match(paragraph) for paragraph in paragraphs):
        # The sanitiser tags a "--" line as an email signature (quote): the
        # few notes with one are sanitised (with the options of an html
        # field), so that they are stored alike.
        return Markup(html_sanitize(result, sanitize_attributes=True))
    return result
