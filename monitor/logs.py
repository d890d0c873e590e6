"""Logging: one place sets it up, and no secret leaves through it.

Secrets reach log lines by routes no one controls: a library's DEBUG line with the URL it posts to, an
exception that quotes a URL. So besides never logging a secret ourselves, every handler of the root logger
gets a filter that masks the configured secrets (notification tokens and passwords, feed and database
credentials) in each record's message, arguments and traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

MASK = "****"
NOISY = ("httpx", "httpcore", "apscheduler.executors.default", "apscheduler.scheduler")


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


def setup(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to standard error at `level`, with secrets masked by every handler."""
    # No `force`: when a host (a test runner, a service wrapper) already set up logging, keep its handlers.
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    root = logging.getLogger()
    root.setLevel(getattr(logging, level))
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    guard = SecretFilter(secrets)
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, SecretFilter)]:
            handler.removeFilter(old)
        handler.addFilter(guard)
