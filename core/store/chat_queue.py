"""Per-chat order: an inbox list per chat, drained by one turn at a time under a lease.

redis-py's Lock is not used for the lease because its release cannot be made conditional on
the inbox being empty: a turn that released the lock and then found a message pushed a moment
earlier would leave it stranded (a lost wake-up). Here three Lua scripts keep push, "take the
next or release" and extend atomic, so either the pusher claims the lease and starts a turn, or
the running turn sees the message. The lease's value is the owning turn's token; a turn whose
worker died is resumed by whoever presents the token again or finds the lease expired.

The janitor finds chats through one set of the chats with work. On one server (plain, TLS or
behind Sentinel) the scripts keep it themselves: a chat joins it as a message is queued and
leaves it as it goes idle, atomically, in the same round trip. On a cluster the set lives in
another slot than the chat's keys, which one script cannot touch together: a push adds the chat
in the same pipeline, before its script, and a chat found idle is removed by a second command.
There, a message pushed between a chat going idle and its removal is missing from the set:
were the turn that takes it lost as well, the janitor would not find it before the chat's next
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError

from core.store.chat_settings import user_language_field
from core.store.connection import Batch, as_str, one_server
from core.store.keys import CANCEL_TTL_S, INBOX_TTL_S, MESSAGE_TTL_S, RENDER_TTL_S, SEEN_TTL_S, Keys

_PUSH = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return {-1, ''} end
local waiting = redis.call('LLEN', KEYS[3]) + redis.call('LLEN', KEYS[4])
if tonumber(ARGV[7]) > 0 and waiting >= tonumber(ARGV[7]) then return {-2, waiting} end
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
if KEYS[7] then redis.call('SADD', KEYS[7], ARGV[9]) end  -- the chats with work (one server)
redis.call('RPUSH', KEYS[3], ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[2])
local ahead = redis.call('LLEN', KEYS[3]) - 1 + redis.call('LLEN', KEYS[4])
-- The sender's own language here (ARGV[8] names its field), else the chat's.
local chosen = redis.call('HMGET', KEYS[6], ARGV[8], 'language')
local language = chosen[1] or chosen[2] or ''
local claimed = ''
if redis.call('SET', KEYS[5], ARGV[5], 'NX', 'PX', ARGV[6]) then claimed = ARGV[5] end
return {ahead, claimed, language}
"""

_NEXT = """
-- ARGV[1] is the turn's token; an export handing the chat back names the key of the turn
-- that adopted it (ARGV[7]), whose token, if set, is the one to use.
if ARGV[7] ~= '' then ARGV[1] = redis.call('GET', ARGV[7]) or ARGV[1] end
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return {'lost', '', '', '', '', '', 0, ARGV[1]} end
if ARGV[3] ~= '' then
  redis.call('LREM', KEYS[3], 0, ARGV[3])
  redis.call('LREM', KEYS[2], 0, ARGV[3])  -- one answered where it was pushed (`Turns.answer_now`)
  redis.call('HDEL', KEYS[5], ARGV[3])
end
local kind = 'resume'
local mid = redis.call('LINDEX', KEYS[3], 0)
if not mid then
  kind = 'next'
  mid = redis.call('LMOVE', KEYS[2], KEYS[3], 'LEFT', 'RIGHT')
end
if not mid then
  if owner then redis.call('DEL', KEYS[1]) end
  if KEYS[6] then redis.call('SREM', KEYS[6], ARGV[9]) end  -- the chats with work (one server)
  return {'idle', '', '', '', '', '', 0, ARGV[1]}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
-- The message's keys share the chat's hash tag, so they live in this slot too.
local work = redis.call('GET', ARGV[4] .. mid) or ''
local ref = redis.call('GET', ARGV[5] .. mid) or ''
-- The sender's own language here (ARGV[8] and the sender's id in the message's record name its
-- field), else the chat's; and the chat's aspect.
local field = 'language'
local decoded, record = pcall(cjson.decode, work)
if decoded and type(record) == 'table' and type(record.inbound) == 'table'
    and type(record.inbound.sender) == 'table' and record.inbound.sender.id then
  field = ARGV[8] .. tostring(record.inbound.sender.id)
end
local chosen = redis.call('HMGET', KEYS[4], field, 'language', 'aspect')
local language = chosen[1] or chosen[2] or ''
local aspect = chosen[3] or ''
-- Counted as it is taken: a message that keeps killing its worker is skipped in the end.
local attempts = redis.call('HINCRBY', KEYS[5], mid, 1)
redis.call('EXPIRE', KEYS[5], ARGV[6])
return {kind, mid, work, ref, language, aspect, attempts, ARGV[1]}
"""

_EXTEND = """
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

_EXPORT_STEP = """
local work = redis.call('GET', KEYS[1]) or ''
local owner = redis.call('GET', KEYS[2]) or ARGV[1]
local holder = redis.call('GET', KEYS[3])
if not holder or holder == owner then redis.call('SET', KEYS[3], owner, 'PX', ARGV[2]) end
local cancelled = 0
if redis.call('GET', KEYS[4]) == ARGV[3] then cancelled = 1 end
return {work, owner, cancelled}
"""

_SET_IF_LEASED = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1
"""

_CLAIM_IDLE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3]) == 0 then
  if KEYS[4] then redis.call('SREM', KEYS[4], ARGV[3]) end  -- the chats with work (one server)
  return -1
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

_CANCEL = """
local current = redis.call('LINDEX', KEYS[1], 0)
if not current or (ARGV[2] ~= '' and current ~= ARGV[2]) then return false end
redis.call('SET', KEYS[2], current, 'EX', ARGV[1])
return current
"""


@dataclass(frozen=True)
class Pushed:
    duplicate: bool
    ahead: int = 0
    turn_token: str | None = None  # set when this push claimed the lease: start a turn
    full: bool = False  # refused: `ahead` messages already wait in the chat
    language: str = ""  # the reply language chosen here by the sender, else for the chat


@dataclass(frozen=True)
class ExportStep:
    """What an export step starts from, read in one round trip."""

    work_json: str | None  # None when the record expired
    owner: str  # the turn the chat goes back to
    cancelled: bool  # the user cancelled the message


@dataclass(frozen=True)
class Next:
    kind: Literal["lost", "resume", "next", "idle"]
    message_id: str = ""
    work_json: str = ""  # empty when the record expired
    progress_ref: str = ""  # a queued notice posted at ingress, to be edited in place
    language: str = ""  # the reply language chosen here by the sender, else for the chat
    aspect: str = ""  # the chat's default aspect ratio, if any
    attempts: int = 0  # how many times the message was taken to run, this time included
    token: str = ""  # the turn that holds the chat now (the adopter's, for a hand-back)


class ChatQueue:
    """The inbox, the lease and the work records of every chat."""

    def __init__(self, redis: Redis, keys: Keys, lease_s: int) -> None:
        self._redis = redis
        self._keys = keys
        self._lease_ms = lease_s * 1000
        self._one_server = one_server(redis)
        self._push = redis.register_script(_PUSH)
        self._next = redis.register_script(_NEXT)
        self._extend = redis.register_script(_EXTEND)
        self._claim_idle = redis.register_script(_CLAIM_IDLE)
        self._set_if_leased = redis.register_script(_SET_IF_LEASED)
        self._export_step = redis.register_script(_EXPORT_STEP)
        self._cancel = redis.register_script(_CANCEL)

    def _chat_keys(self, chat_key: str) -> tuple[str, str, str]:
        k = self._keys
        return k.lease(chat_key), k.inbox(chat_key), k.doing(chat_key)

    def _active_set(self, chat_key: str) -> tuple[list[str], list[str]]:
        """On one server, the chats-with-work set and the chat's name in it, as a script's last
        key and last argument; nothing on a cluster (see the module's docstring)."""
        if self._one_server:
            return [self._keys.active_chats()], [chat_key]
        return [], []

    async def push(
        self,
        chat_key: str,
        message_id: str,
        work_json: str,
        token: str,
        max_waiting: int = 0,
        sender_id: str = "",
    ) -> Pushed:
        """Record a message once, queue it (unless `max_waiting` are waiting already), and
        claim the lease if the chat was idle."""
        lease, inbox, doing = self._chat_keys(chat_key)
        keys = [self._keys.seen(chat_key, message_id), self._keys.message(chat_key, message_id)]
        keys = [*keys, inbox, doing, lease, self._keys.chat_settings(chat_key)]
        active, member = self._active_set(chat_key)
        args: list[str | int] = [
            SEEN_TTL_S,
            max(MESSAGE_TTL_S, INBOX_TTL_S),
            work_json,
            message_id,
            token,
            self._lease_ms,
            max_waiting,
            user_language_field(sender_id),
        ]
        if self._one_server:
            pushed = await self._push(keys=[*keys, *active], args=[*args, *member])
            return self._pushed(pushed)
        # A cluster: known to the janitor first. Were this process to die before the push, the
        # janitor finds nothing waiting and forgets the chat; the other order could strand a
        # message. The two may run on different nodes in either order, and one may fail: the
        # caller then fails too and the platform delivers the message again, whose push adds
        # the chat all the same.
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.sadd(self._keys.active_chats(), chat_key)
                # By its hash: a script given to a pipeline costs a SCRIPT EXISTS on every run.
                pipe.evalsha(self._push.sha, len(keys), *keys, *args)
                # Errors raised, not returned: a cluster client retries a pipeline that raised
                # (a master gone, its slots moved), as it retries a single command.
                _, pushed = await pipe.execute()
        except NoScriptError:  # a new or restarted server: load the script and run it
            pushed = await self._push(keys=keys, args=args)
        return self._pushed(pushed)

    @staticmethod
    def _pushed(pushed: list[Any]) -> Pushed:
        ahead, claimed, *rest = pushed
        if int(ahead) == -2:
            return Pushed(duplicate=False, ahead=int(claimed), full=True)
        if int(ahead) < 0:
            return Pushed(duplicate=True)
        language = as_str(rest[0]) if rest else ""
        claim = as_str(claimed) or None
        return Pushed(duplicate=False, ahead=int(ahead), turn_token=claim, language=language)

    async def next(
        self, chat_key: str, token: str, finished: str | None = None, *, export_id: str = ""
    ) -> Next:
        """Finish `finished`, then resume the current message, take the next, or go idle.
        `export_id`: an export hands the chat back, to the turn that adopted it if one did,
        else to `token`."""
        keys, args = self._next_call(chat_key, token, finished, export_id)
        taken = self.taken(await self._next(keys=keys, args=args))
        if taken.kind == "idle" and not self._one_server:
            await self._redis.srem(self._keys.active_chats(), chat_key)
        return taken

    def next_in(
        self,
        batch: Batch,
        chat_key: str,
        token: str,
        finished: str | None = None,
        *,
        export_id: str = "",
    ) -> None:
        """`next`, as one more command of the caller's batch; `taken` reads its reply. On one
        server only: on a cluster, a chat going idle takes a command of its own."""
        if not self._one_server:
            raise ValueError("next_in needs one server")
        keys, args = self._next_call(chat_key, token, finished, export_id)
        batch.script(self._next, keys, args)

    def _next_call(
        self, chat_key: str, token: str, finished: str | None, export_id: str
    ) -> tuple[list[str], list[str | int | float]]:
        prefixes = [self._keys.message(chat_key, ""), self._keys.progress_ref(chat_key, "")]
        keys = self._keys
        active, member = self._active_set(chat_key)
        return (
            [
                *self._chat_keys(chat_key),
                keys.chat_settings(chat_key),
                keys.attempts(chat_key),
                *active,
            ],
            [
                token,
                self._lease_ms,
                finished or "",
                *prefixes,
                MESSAGE_TTL_S,
                keys.render_owner(chat_key, export_id) if export_id else "",
                user_language_field(""),
                *member,
            ],
        )

    @staticmethod
    def taken(result: Any) -> Next:
        """What `next`'s script answered."""
        *texts, attempts, holder = result
        kind, message_id, work_json, ref, language, aspect = (as_str(item) for item in texts)
        return Next(
            kind,  # type: ignore[arg-type]
            message_id,
            work_json,
            ref,
            language,
            aspect,
            int(attempts),
            as_str(holder),
        )

    async def give_back_attempt(self, chat_key: str, message_id: str) -> None:
        """The message was taken but not run (its turn handed over first): uncount it."""
        await self._redis.hincrby(self._keys.attempts(chat_key), message_id, -1)

    def forget_attempts_to(self, pipe: Pipeline, chat_key: str, message_id: str) -> None:
        """As one more command of the caller's pipeline: the message's attempts start afresh."""
        pipe.hdel(self._keys.attempts(chat_key), message_id)

    async def remember_progress_ref(self, chat_key: str, message_id: str, ref: str) -> None:
        """Keep the ref of a notice posted at ingress, for the worker to edit later."""
        await self._redis.set(self._keys.progress_ref(chat_key, message_id), ref, ex=MESSAGE_TTL_S)

    async def extend(self, chat_key: str, token: str) -> bool:
        """Keep the lease; False when another turn owns the chat now."""
        owned = await self._extend(keys=[self._keys.lease(chat_key)], args=[token, self._lease_ms])
        return bool(owned)

    async def adopt_export(self, chat_key: str, export_id: str, token: str) -> bool:
        """Make the turn `token` the one the export hands the chat back to, only while that turn
        holds the chat's lease: a late write from a turn that lost the chat changes nothing."""
        owner = self._keys.render_owner(chat_key, export_id)
        done = await self._set_if_leased(
            keys=[self._keys.lease(chat_key), owner], args=[token, RENDER_TTL_S]
        )
        return bool(done)

    async def export_step(
        self, chat_key: str, message_id: str, export_id: str, token: str
    ) -> ExportStep:
        """For an export step: its message's record, the turn it hands the chat back to (the
        one that adopted it, else `token`), the chat's lease renewed for that turn (unless
        another holds it), and whether the message was cancelled."""
        keys = self._keys
        work, owner, cancelled = await self._export_step(
            keys=[
                keys.message(chat_key, message_id),
                keys.render_owner(chat_key, export_id),
                keys.lease(chat_key),
                keys.cancel(chat_key),
            ],
            args=[token, self._lease_ms, message_id],
        )
        return ExportStep(as_str(work) or None, as_str(owner), bool(int(cancelled)))

    async def export_owner(self, chat_key: str, export_id: str) -> str | None:
        """The turn that adopted the export, if one did."""
        return as_str(await self._redis.get(self._keys.render_owner(chat_key, export_id))) or None

    async def claim_if_stranded(self, chat_key: str, token: str) -> bool | None:
        """For the janitor: claim a chat with messages but no lease (None: nothing left)."""
        active, member = self._active_set(chat_key)
        result = await self._claim_idle(
            keys=[*self._chat_keys(chat_key), *active], args=[token, self._lease_ms, *member]
        )
        if int(result) < 0:
            if not self._one_server:
                await self._redis.srem(self._keys.active_chats(), chat_key)
            return None
        return bool(int(result))

    async def active_chats(self, limit: int = 1000) -> list[str]:
        members = await self._redis.srandmember(self._keys.active_chats(), limit)
        return [as_str(m) for m in members or []]

    async def current(self, chat_key: str) -> str | None:
        """The id of the message the chat's turn is on (or its export), if any."""
        return as_str(await self._redis.lindex(self._keys.doing(chat_key), 0)) or None

    async def request_cancel(self, chat_key: str, only: str = "") -> str | None:
        """Mark the chat's current message cancelled (when `only` is given: if it is still that
        one); its id, or None when nothing runs."""
        current = await self._cancel(
            keys=[self._keys.doing(chat_key), self._keys.cancel(chat_key)],
            args=[CANCEL_TTL_S, only],
        )
        return as_str(current) or None

    async def is_cancelled(self, chat_key: str, message_id: str) -> bool:
        return as_str(await self._redis.get(self._keys.cancel(chat_key))) == message_id

    async def load(self, chat_key: str, message_id: str) -> str | None:
        raw = await self._redis.get(self._keys.message(chat_key, message_id))
        return as_str(raw) if raw is not None else None

    async def save(self, chat_key: str, message_id: str, work_json: str) -> None:
        await self._redis.set(self._keys.message(chat_key, message_id), work_json, ex=MESSAGE_TTL_S)

    def save_to(self, pipe: Pipeline, chat_key: str, message_id: str, work_json: str) -> None:
        """`save`, as one more command of the caller's pipeline."""
        pipe.set(self._keys.message(chat_key, message_id), work_json, ex=MESSAGE_TTL_S)

    async def idle(self, chat_key: str) -> bool:
        """Nothing queued, nothing running, no render holding the chat."""
        lease, inbox, doing = self._chat_keys(chat_key)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.llen(inbox)
            pipe.llen(doing)
            pipe.exists(lease)
            counts: list[int] = await pipe.execute()
        return not any(counts)

    async def queued(self, chat_key: str) -> int:
        _, inbox, doing = self._chat_keys(chat_key)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.llen(inbox)
            pipe.llen(doing)
            lengths: list[int] = await pipe.execute()
        return sum(lengths)
