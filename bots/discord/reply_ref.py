"""Where a Discord answer goes: the interaction's webhook while its token lives (15 minutes),
then the channel, with the bot's own token, or the requester's DMs where the bot is not a member
of the channel. Carried through the core as an opaque string."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

TOKEN_LIFETIME_S = 15 * 60
SAFETY_S = 30  # stop using a token this long before Discord does


@dataclass(frozen=True)
class ReplyRef:
    application_id: str
    token: str
    channel_id: str
    expires_at: float
    ephemeral_problems: bool = True
    # False where only the interaction token reaches the channel (a user-installed app in a
    # server or group DM the bot is not in): late answers go to the requester's DMs.
    bot_can_post: bool = True

    @classmethod
    def new(
        cls,
        application_id: int,
        token: str,
        channel_id: str,
        created_at: float,
        *,
        bot_can_post: bool = True,
    ) -> ReplyRef:
        expires_at = created_at + TOKEN_LIFETIME_S
        return cls(str(application_id), token, channel_id, expires_at, bot_can_post=bot_can_post)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> ReplyRef:
        return cls(**json.loads(raw))

    def token_alive(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) < self.expires_at - SAFETY_S
