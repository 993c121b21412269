"""A channel's technical code, derived from its name.

Integrations name a channel by its code, so it must be stable and plain:
lower case ASCII letters, digits and underscores, starting with a letter.
Staff only think of the name; the code is derived from it when they give none.
"""

import re
import unicodedata

MAX_CODE = 64
CHANNEL_CODE = re.compile(rf"^[a-z][a-z0-9_]{{0,{MAX_CODE - 1}}}$")
_NOT_CODE = re.compile(r"[^a-z0-9]+")
# The code of a name with no Latin letter or digit (an emoji, Japanese).
FALLBACK = "channel"


def code_from_name(name):
    """``Instagram DM`` -> ``instagram_dm``, ``Café-Bar`` -> ``cafe_bar``."""
    ascii_name = (
        unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    )
    code = _NOT_CODE.sub("_", ascii_name.lower()).strip("_")
    if not code:
        return FALLBACK
    if not code[0].isalpha():
        code = f"{FALLBACK}_{code}"
    return code[:MAX_CODE].rstrip("_")


def unique_code(code, taken):
    """``code``, or ``code_2``, ``code_3``... the first not in ``taken``."""
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        suffix = f"_{n}"
        candidate = code[: MAX_CODE - len(suffix)] + suffix
    return candidate
