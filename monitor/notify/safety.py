"""Text safety: feed text is hostile, so every piece of it put in an alert goes through `inert`, which
removes control and bidi characters, defuses mass mentions and markup, and caps its length."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

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


MAX_LINK = 500  # a longer link is left out rather than cut: a cut URL leads nowhere, or somewhere else
# Kept as they are: what RFC 3986 allows in a URL, less `@` (a chat service may read "@everyone" in a path
# as a mention) and `'` (it ends an HTML attribute in a careless template). Everything else is percent-encoded.
_URL_SAFE = "-._~:/?#&=+;,$!*()%"
_HOST = re.compile(r"^([a-z0-9-]+(\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])(:\d{1,5})?$")  # name or [IPv6], port


def safe_link(url: object) -> str | None:
    """A feed's link made fit for an alert, or None: http(s) only, a host and no user part (which hides
    the real host: `https://trusted@evil`), no control or bidi characters, no spaces, no markup; `@` and
    anything a URL may not hold percent-encoded, so no link can mention, break out or point elsewhere."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return None
    try:
        parts = urlsplit(url)
        host = parts.netloc.encode("idna").decode("ascii").lower()  # a look-alike Unicode host shows as xn--
    except (ValueError, UnicodeError):  # a bracketed host that is no IP address, a label too long for IDNA
        return None
    if not _HOST.match(host):
        return None
    rest = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    link = f"{parts.scheme.lower()}://{host}{quote(rest, safe=_URL_SAFE)}"
    return link if len(link) <= MAX_LINK else None
