"""Secrets of notification URLs: which parts must never be shown, and masking them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote, urlsplit

MASK = "****"
LONG_PART = 16  # path segments and query values longer than this are treated as tokens


def url_secrets(url: str) -> list[str]:
    """The parts of a notification URL that must never be shown: what Apprise marks private (passwords,
    bot tokens, keys), the userinfo password, and any path segment or query value long enough to be a token.
    Each is given raw and percent-encoded, longest first, so masking never leaves a piece behind."""
    # Imported here, not at the top: only a configured target or a URL check needs Apprise (see targets.py).
    import apprise

    found: set[str] = set()
    plugin = apprise.Apprise.instantiate(url)
    if plugin is not None:
        for name, spec in {**plugin.template_tokens, **plugin.template_args}.items():
            if isinstance(spec, dict) and spec.get("private"):
                value = getattr(plugin, spec.get("map_to") or name, None)
                values = value if isinstance(value, list | tuple | set) else [value]
                found.update(str(v) for v in values if isinstance(v, str | int) and len(str(v)) >= 4)
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not parseable as a URL: mask what looks like a token anywhere in it
        parts, password = None, None
    if password:
        found.add(password)
    if parts is not None:
        found.update(p for p in parts.path.split("/") if len(p) > LONG_PART)
        found.update(v for _, v in parse_qsl(parts.query, keep_blank_values=True) if len(v) > LONG_PART)
    else:
        found.update(re.findall(rf"[^/?&=:@\s]{{{LONG_PART + 1},}}", url))
    return sorted(found | {quote(f, safe="") for f in found}, key=len, reverse=True)


def mask(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret replaced by a mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def describe_url(url: str) -> str:
    """A notification URL as it may be shown: every secret masked."""
    return mask(url, url_secrets(url))
