"""No secret reaches a log line, whichever shape it has and wherever the record carries it:
the logging set-up `clipbridge` runs (`bots.logs.configure`), read back as JSON lines."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import pytest

from tests.fixtures.program_logs import program_logs

REDACTED = "[redacted]"


def discord_bot_token(user_id: str) -> str:
    """Discord's shape: the bot's id in base64, a timestamp, an HMAC."""
    head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    return f"{head}.GYx2Qw.{'Hq7vZ0c_Kd-3mPn8sWb1tYx4eRf6uIo9aLj2'}"


TELEGRAM_TOKEN = "7312345678:AAGx9vQ2mZk4Rt7LpWn3Hc8JdYs5Fb1Ue6o"
# An interaction or webhook token as it sits in a REST path: no fixed shape of its own.
PATH_TOKEN = "Zq3uR8vYx1Lk5Wm9Pn2Tb7Hc4Jd6Fs0Ge3Ai8Ko5Uw1Qy7Rz"
INTERACTION_TOKEN = (
    base64.urlsafe_b64encode(b"interaction:1234567890123456789:q9Zx").decode().rstrip("=")
)
DISCORD_API = "https://discord.com/api/v10"

# (what appears in the log, the secret inside it)
SHAPES: dict[str, tuple[str, str]] = {
    "telegram bot token": (TELEGRAM_TOKEN, TELEGRAM_TOKEN),
    "telegram file url": (
        f"https://api.telegram.org/file/bot{TELEGRAM_TOKEN}/photos/file_7.jpg",
        TELEGRAM_TOKEN,
    ),
    # Bot ids start with 1-3, 4-7 or 8-9: their base64 starts with M, N or O.
    "discord bot token (M)": (discord_bot_token("123456789012345678"),) * 2,
    "discord bot token (N)": (discord_bot_token("512345678901234567"),) * 2,
    "discord bot token (O)": (discord_bot_token("987654321098765432"),) * 2,
    "discord bot token (20-digit id)": (discord_bot_token("11234567890123456789"),) * 2,
    "discord interaction token": (INTERACTION_TOKEN, INTERACTION_TOKEN),
    "discord follow-up url": (
        f"{DISCORD_API}/webhooks/1098765432109876543/{PATH_TOKEN}/messages/@original",
        PATH_TOKEN,
    ),
    "discord callback url": (
        f"{DISCORD_API}/interactions/1234567890123456789/{PATH_TOKEN}/callback?with_response=1",
        PATH_TOKEN,
    ),
    "discord gateway event": (
        str({"t": "INTERACTION_CREATE", "d": {"id": "1234567890123456789", "token": PATH_TOKEN}}),
        PATH_TOKEN,
    ),
    "nemo token": ("nmv_usr_4fJ8kQ2xW9mZ", "nmv_usr_4fJ8kQ2xW9mZ"),
    "bearer header": ("Authorization: Bearer s3cr3t-v4lue.xyz", "s3cr3t-v4lue.xyz"),
}

Emit = Callable[[logging.Logger, str], None]


def in_message(log: logging.Logger, text: str) -> None:
    log.debug(f"probe {text}")  # already in the message, not passed as an argument


def in_args(log: logging.Logger, text: str) -> None:
    # discord.http's own line: '%s %s with %s has returned %s'
    log.debug("probe %s %s with %s has returned %s", "POST", text, None, 204)


def in_extra(log: logging.Logger, text: str) -> None:
    log.debug("probe", extra={"detail": text})


def in_nested_extra(log: logging.Logger, text: str) -> None:
    log.debug("probe", extra={"request": {"urls": [text], "attempt": 1}})


def in_an_exception(log: logging.Logger, text: str) -> None:
    try:
        raise RuntimeError(f"could not fetch {text}")
    except RuntimeError:
        log.debug("probe", exc_info=True)


WAYS: dict[str, Emit] = {
    "message": in_message,
    "args": in_args,
    "extra": in_extra,
    "nested extra": in_nested_extra,
    "exception": in_an_exception,
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("shape", SHAPES)
def test_a_secret_of_each_shape_is_redacted_wherever_the_record_carries_it(
    shape: str, way: str
) -> None:
    text, secret = SHAPES[shape]
    with program_logs("DEBUG") as logs:
        WAYS[way](logging.getLogger("discord.http"), text)

    (entry,) = [e for e in logs.of("discord.http") if e["message"].startswith("probe")]
    assert REDACTED in logs.text
    assert secret not in logs.text, entry


def test_the_configured_secrets_are_redacted_even_without_a_known_shape() -> None:
    webhook_secret = "plain-words-nobody-would-guess"
    with program_logs("INFO", secrets=[webhook_secret]) as logs:
        logging.getLogger("bots").warning(
            "webhook refused %s", webhook_secret, extra={"header": webhook_secret}
        )
    (entry,) = logs.of("bots")
    assert entry["message"] == f"webhook refused {REDACTED}"
    assert entry["header"] == REDACTED


def test_extra_fields_keep_their_values_and_types_when_there_is_nothing_to_hide() -> None:
    with program_logs("INFO") as logs:
        logging.getLogger("bots").info("ready", extra={"ingress": ["telegram"], "workers": True})
    (entry,) = logs.of("bots")
    assert (entry["ingress"], entry["workers"]) == (["telegram"], True)
