"""A fake Telegram Bot API server for one bot: methods, long polling, webhooks, files and
uploads, with test controls. `FakeTelegram` is its face; the modules are its parts."""

from __future__ import annotations

from tests.fakes.telegram.api import FakeTelegram

__all__ = ["FakeTelegram"]
