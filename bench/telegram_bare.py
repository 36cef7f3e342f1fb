"""The floor under bench.telegram: the same calls as the Telegram ingress, with no product code.

    python -m bench.telegram_bare <Bot API base URL with the bot's path> <redis url> [<after>]

Long-polls getUpdates with aiohttp (the ingress's HTTP client) and, for every update, makes the
round trips the ingress makes: one to Redis before the acknowledgement (the delivery's mark),
the acknowledgement itself (sendMessage), then `after` to Redis (4 by default: what recording a
photo takes; 0: the path to the acknowledgement alone). Prints ``ready`` once it polls. What
this process's CPU costs per update is what the libraries and this machine cost, whatever the
product does.
"""

from __future__ import annotations

import asyncio
import sys

import aiohttp
from redis.asyncio import Redis

RECORDING_ROUND_TRIPS = 4


async def main() -> None:
    base, redis_url = sys.argv[1], sys.argv[2]
    after = int(sys.argv[3]) if len(sys.argv) > 3 else RECORDING_ROUND_TRIPS
    offset: int | None = None
    async with Redis.from_url(redis_url) as redis, aiohttp.ClientSession() as http:
        print("ready", flush=True)
        while True:
            params: dict[str, object] = {"timeout": 30}
            if offset is not None:
                params["offset"] = offset
            async with http.post(f"{base}/getUpdates", json=params) as answer:
                updates = (await answer.json())["result"]
            for update in updates:
                offset = update["update_id"] + 1
                chat = update["message"]["chat"]["id"]
                key = f"bench-bare:{update['update_id']}"
                await redis.set(key, 1, nx=True, ex=60)
                ack = {"chat_id": chat, "text": "⏳ Got it"}
                async with http.post(f"{base}/sendMessage", json=ack) as answer:
                    ack_id = (await answer.json())["result"]["message_id"]  # what the product reads
                assert isinstance(ack_id, int)
                for _ in range(after):
                    await redis.get(key)


if __name__ == "__main__":
    asyncio.run(main())
