"""Who a message notifies, as Discord decides it: the mentions written in its content, filtered by
the ``allowed_mentions`` the bot sent with it (absent, everything written is allowed).

The result fills the message's ``mention_everyone``, ``mentions`` and ``mention_roles``, so a
test asserts on who would have been pinged, not only on what the bot asked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tests.fakes.discord.payloads import Json

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(?:everyone|here)\b")
EVERYTHING = {"everyone", "users", "roles"}


@dataclass(frozen=True)
class Pings:
    everyone: bool
    user_ids: list[str]
    role_ids: list[str]


def pings(content: str, allowed: Json | None) -> Pings:
    """Who `content` notifies under `allowed` (a message's ``allowed_mentions`` or None)."""
    parse = set(allowed.get("parse") or ()) if allowed is not None else EVERYTHING
    listed_users = _ids(allowed, "users")
    listed_roles = _ids(allowed, "roles")
    users = [u for u in USER_MENTION.findall(content) if "users" in parse or u in listed_users]
    roles = [r for r in ROLE_MENTION.findall(content) if "roles" in parse or r in listed_roles]
    everyone = "everyone" in parse and EVERYONE_MENTION.search(content) is not None
    return Pings(everyone, list(dict.fromkeys(users)), list(dict.fromkeys(roles)))


def apply_pings(message: Json, allowed: Json | None, users: Mapping[str, Json]) -> None:
    """Set the message's mention fields for its current content (users Discord knows only)."""
    found = pings(str(message.get("content") or ""), allowed)
    message["mention_everyone"] = found.everyone
    message["mentions"] = [users[u] for u in found.user_ids if u in users]
    message["mention_roles"] = found.role_ids


def _ids(allowed: Json | None, key: str) -> set[str]:
    if allowed is None:
        return set()
    return {str(value) for value in allowed.get(key) or ()}
