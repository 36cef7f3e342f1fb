"""How updates reach the bot: getUpdates long polling, or a webhook the fake POSTs to.

getUpdates behaves like the official server: it confirms updates below `offset`, waits up to
`timeout` seconds and answers as soon as one arrives, remembers `allowed_updates`, refuses
with 409 while a webhook is set, and ends an older poll with 409 when a newer one starts
(two bots polling one token).
"""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp

from tests.fakes.telegram.objects import JSON
from tests.fakes.telegram.params import ApiRequest, Handler, MethodGroup
from tests.fakes.telegram.state import Webhook
from tests.fakes.telegram.wire import ApiError, bad_request

WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


async def post_update(webhook: Webhook, update: JSON, secret: str | None) -> int:
    """POST one update to the webhook as Telegram does; the HTTP status it answered."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        session.post(webhook.url, json=update, headers=headers) as response,
    ):
        await response.read()
        return response.status


class PollingMethods(MethodGroup):
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

    def handlers(self) -> dict[str, Handler]:
        return {
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
        }

    async def get_updates(self, request: ApiRequest) -> list[JSON]:
        state = self.state
        if state.webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        state.poll_generation += 1
        mine = state.poll_generation
        state.notify()  # an older poll still waiting ends with 409
        offset = request.optional_int("offset")
        if offset is not None:
            state.confirm(offset)
        limit = min(max(request.integer("limit", 100), 1), 100)
        try:
            timeout = max(float(request.params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError) as exc:
            raise bad_request("invalid timeout specified") from exc
        allowed = request.json_list("allowed_updates")
        if allowed is not None:
            state.allowed_updates = [str(kind) for kind in allowed]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = state.changed()
            if state.poll_generation != mine:
                raise ApiError(409, OTHER_POLL)
            if state.webhook is not None:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            batch = state.deliverable(limit)
            remaining = deadline - loop.time()
            if batch or state.closing or remaining <= 0:
                now = time.monotonic()
                for update in batch:
                    state.delivered_at.setdefault(update["update_id"], now)
                    state.deliveries[update["update_id"]] = (
                        state.deliveries.get(update["update_id"], 0) + 1
                    )
                return batch
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass  # the loop answers with an empty list

    async def set_webhook(self, request: ApiRequest) -> bool:
        url = request.text("url") or ""
        if not url:
            return await self.delete_webhook(request)
        # Telegram insists on HTTPS; the fake accepts HTTP so it can reach a loopback server.
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: Wrong HTTP URL specified")
        secret = request.text("secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = request.json_list("allowed_updates")
        if allowed is not None:
            self.state.allowed_updates = [str(kind) for kind in allowed]
        if request.flag("drop_pending_updates"):
            self.state.updates.clear()
        connections = request.integer("max_connections", 40)
        self.state.webhook = Webhook(url, secret, allowed, connections)
        self.state.notify()
        return True

    async def delete_webhook(self, request: ApiRequest) -> bool:
        if request.flag("drop_pending_updates"):
            self.state.updates.clear()
        self.state.webhook = None
        self.state.notify()
        return True

    async def get_webhook_info(self, request: ApiRequest) -> JSON:
        webhook = self.state.webhook
        info: JSON = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if webhook is not None:
            info.update({"max_connections": webhook.max_connections, "ip_address": "127.0.0.1"})
            if webhook.allowed_updates is not None:
                info["allowed_updates"] = webhook.allowed_updates
        return info
