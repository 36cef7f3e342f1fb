"""Logging: JSON lines when not on a terminal, and no secret in any line, ever.

Every record passes a redaction filter that replaces the configured secrets and anything shaped
like a bot token, a bearer token, a Nemo token, a Telegram file URL or a Discord interaction or
webhook token, wherever the record carries it: message, arguments, `extra=` fields, exception
and stack text. uvicorn's loggers are routed to the same handler, so its access and error lines
are JSON and redacted too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Mapping

SECRET_SHAPES = re.compile(
    r"(?:bot)?\d{6,12}:[A-Za-z0-9_-]{30,}"  # Telegram bot token (also inside file URLs)
    r"|nmv_[A-Za-z0-9_]{8,}"  # Nemo tokens
    r"|Bearer\s+[A-Za-z0-9._~+/=-]{8,}"
    # Discord bot token: the bot's id in base64 (an id starts with a digit 1-9, which encodes
    # as M, N or O), a timestamp, an HMAC.
    r"|[MNO][A-Za-z0-9_-]{22,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"
    r"|aW50ZXJhY3Rpb246[A-Za-z0-9_.-]+"  # Discord interaction token ("interaction:" in base64)
)
# Token slots whose value has no fixed shape: discord.py's DEBUG lines show interaction and
# webhook tokens in REST paths (/webhooks/<app id>/<token>/..., /interactions/<id>/<token>/
# callback), and gateway events as dicts with a "token" key. The prefix is kept.
TOKEN_SLOTS = re.compile(
    r"(/(?:webhooks|interactions)/\d+/)[^/?#\s'\"]+"
    r"|([\"'](?:\w+_)?token[\"']\s*:\s*[\"'])[^\"']+"
)
REDACTED = "[redacted]"

# Attributes every record has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# uvicorn repeats its message with terminal colours in `extra=`: not for a JSON line.
_NOT_OUTPUT = {"color_message"}
# uvicorn's loggers: start-up lines, protocol warnings and app tracebacks ("uvicorn.error"),
# and one line per request with its path ("uvicorn.access").
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


class Redactor(logging.Filter):
    """Scrubs secrets from everything a record carries into a log line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def scrub(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, REDACTED)
        value = SECRET_SHAPES.sub(REDACTED, value)
        return TOKEN_SLOTS.sub(_keep_prefix, value)

    def scrub_value(self, value: object) -> object:
        """A value of `extra=`, scrubbed down to the strings inside it; what the JSON formatter
        would print with `str()` is scrubbed as that string."""
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, Mapping):
            return {self.scrub(str(k)): self.scrub_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.scrub_value(item) for item in value]
        return self.scrub(str(value))

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.scrub(record.getMessage())
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, self.scrub_value(value))
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def _keep_prefix(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)) + REDACTED


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            {k: v for k, v in vars(record).items() if k not in _STANDARD and k not in _NOT_OUTPUT}
        )
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
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
    for noisy in ("httpx", "httpcore", "saq", "discord.client"):  # discord.client: "logging in"
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    logging.getLogger("saq").addFilter(_QuietStop())
    adopt_uvicorn_loggers()
    return redactor


def adopt_uvicorn_loggers() -> None:
    """Hand uvicorn's records to the root logger's handler, and so to the redactor.

    A uvicorn server built with uvicorn's default logging config (the local engine's) gives
    these loggers handlers of their own that bypass ours: each of our servers calls this again
    when it starts. Their lines show at DEBUG; above it, only warnings and errors.
    """
    root_level = logging.getLogger().level
    level = logging.DEBUG if root_level <= logging.DEBUG else max(logging.WARNING, root_level)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(level)
