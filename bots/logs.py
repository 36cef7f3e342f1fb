"""Logging: JSON lines when not on a terminal, and no secret in any line, ever.

Every record passes a redaction filter that replaces the configured secrets and anything shaped
like a bot token, a bearer token, a Nemo token or a Telegram file URL.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable

SECRET_SHAPES = re.compile(
    r"(?:bot)?\d{6,12}:[A-Za-z0-9_-]{30,}"  # Telegram bot token (also inside file URLs)
    r"|nmv_[A-Za-z0-9_]{8,}"  # Nemo tokens
    r"|Bearer\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|[MN][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"  # Discord bot token
)
REDACTED = "[redacted]"


class Redactor(logging.Filter):
    """Scrubs secrets from the message, its arguments and any exception text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        return SECRET_SHAPES.sub(REDACTED, value)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class _QuietStop(logging.Filter):
    """saq warns at every stop that its idle upkeep loops outlived the grace period: noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "shutdown grace period" not in record.getMessage()


def configure(level: str, fmt: str, secrets: Iterable[str] = ()) -> Redactor:
    """Install one handler on the root logger; returns the redactor (tests reuse it)."""
    handler = logging.StreamHandler(sys.stderr)
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    redactor = Redactor(secrets)
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "saq", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    logging.getLogger("saq").addFilter(_QuietStop())
    return redactor
