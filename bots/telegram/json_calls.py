"""Bot API calls whose answers stay the JSON they arrive as.

The ingress reads one field of an answer here and there (an update's text, the id of the "Got
it" it sent); building python-telegram-bot's objects for the whole answer (a Message is
hundreds of attribute writes) cost more of its CPU than the call itself. These calls go
through the bot's request object and its rate limiter, as the bot's own methods do, so
Telegram's refusals are the same errors and the flood limit holds.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from telegram import Bot
from telegram.ext import ExtBot


async def call(
    bot: Bot,
    method: str,
    params: dict[str, Any],
    read_timeout: float | None = None,
    *,
    limited: bool = True,
) -> Any:
    """Call `method` with `params` (lists and objects as JSON); its result, as JSON. Under the
    bot's rate limiter, if it has one, unless not `limited` (getUpdates sends nothing)."""
    query = urlencode(
        {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in params.items()}
    )
    url = f"{bot.base_url}/{method}?{query}"

    async def post() -> Any:
        if read_timeout is None:
            return await bot.request.post(url)
        return await bot.request.post(url, read_timeout=read_timeout)

    limiter = bot.rate_limiter if limited and isinstance(bot, ExtBot) else None
    if limiter is None:
        return await post()
    return await limiter.process_request(
        callback=post, args=(), kwargs={}, endpoint=method, data=params, rate_limit_args=None
    )
