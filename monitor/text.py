"""Words: how every stage cuts text into tokens and folds them, so that a name, a cue and a report meet.

Casefolded, possessive 's, diacritics and apostrophes dropped, Arabic letter variants unified.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_MARKS = "'’ʼ‘`´ʾʿ\u00ad"

_WORD = re.compile(
    rf"[^\W_](?:[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u0640]|[{_MARKS}](?=[^\W_]))*"
)

_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None, "ٱ": "ا", "ۀ": "ه", "ی": "ي", "ک": "ك"})

_POSSESSIVE = re.compile(r"['’ʼ]s$", re.IGNORECASE)

_APOSTROPHES = re.compile(f"[{_MARKS}]")

@lru_cache(maxsize=200_000)
def fold(token: str) -> str:
    """Normalise one token: casefold, strip possessive 's, diacritics, apostrophes; unify Arabic letters."""
    token = _APOSTROPHES.sub("", _POSSESSIVE.sub("", token))
    if token.isascii():
        return token.lower()
    decomposed = unicodedata.normalize("NFKD", token)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).casefold().translate(_ARABIC_FOLD)

def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded token) for every word of the text."""
    return [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
