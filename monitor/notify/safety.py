"""Text safety: feed text is hostile, so every piece of it put in an alert goes through `inert`, which
removes control and bidi characters, defuses mass mentions and markup, and caps its length."""

from __future__ import annotations

import re

MAX_TITLE = 200
MAX_BODY = 4000  # chat services cut long messages; the start is what a phone shows
MAX_FIELD = 600
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MENTION = re.compile(r"@(?=(everyone|here|channel|all|room)\b|[\w<])", re.IGNORECASE)
_MARKUP = str.maketrans({"<": "‹", ">": "›", "[": "(", "]": ")", "`": "'", "*": "∗", "_": " ", "|": "¦"})


def inert(text: str | None, limit: int = MAX_FIELD) -> str:
    """Feed text made safe for any alert format: no controls, markup, links syntax or mentions."""
    if not text:
        return ""
    text = _CONTROL.sub("", text).translate(_MARKUP)
    text = _MENTION.sub("@\u2060", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
