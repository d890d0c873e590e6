"""Logging: one place sets it up, and no secret leaves through it.

Secrets reach log lines by routes no one controls: a library's DEBUG line with the URL it posts to, an
exception that quotes a URL. So besides never logging a secret ourselves, every handler of the root logger
gets a filter that masks the configured secrets (notification tokens and passwords, feed and database
credentials) in each record's message, arguments and traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

MASK = "****"
NOISY = ("aiohttp.client", "aiohttp.internal", "apscheduler.executors.default", "apscheduler.scheduler")


class SecretFilter(logging.Filter):
    """Masks known secrets in a record before any handler formats it."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__("secrets")
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True)

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        record.msg, record.args = self._mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        record.exc_info = None if record.exc_text else record.exc_info
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (`log_format: json`), for a log collector: time (UTC), level, logger, message,
    and the traceback when there is one. Secrets are masked before this runs (SecretFilter)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "monitor"


def setup(level: str, secrets: Iterable[str] = (), fmt: str = "text") -> None:
    """Log to standard error at `level`, as text or JSON lines (`fmt`), with secrets masked by every handler."""
    # No `force`: when a host (a test runner, a service wrapper) already set up logging, keep its handlers
    # and their format; only the handler made here is named, so a second call can change its format.
    root = logging.getLogger()
    if not root.handlers:
        ours = logging.StreamHandler(sys.stderr)
        ours.set_name(HANDLER_NAME)
        root.addHandler(ours)
    for handler in root.handlers:
        if handler.get_name() == HANDLER_NAME:
            handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.setLevel(getattr(logging, level))
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    guard = SecretFilter(secrets)
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, SecretFilter)]:
            handler.removeFilter(old)
        handler.addFilter(guard)
