"""A fake Discord: REST, the gateway websocket, interactions and webhooks, one world of guilds,
channels and users. `FakeDiscord` and `pointed_at` are its face; the modules are its parts."""

from __future__ import annotations

from tests.fakes.discord.api import FakeDiscord, pointed_at

__all__ = ["FakeDiscord", "pointed_at"]
