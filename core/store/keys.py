"""Every Redis key clipbridge writes, with its TTL or owner, in one place.

All keys start with the configured prefix. A key either has a TTL or an owner that deletes it:
the chat lease is deleted by the turn that holds it when the inbox is empty; `doing` by the turn.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 24 * 3600

SEEN_TTL_S = 2 * DAY  # idempotency: a platform redelivers within minutes, not days
MESSAGE_TTL_S = 2 * DAY  # a message and its work record
INBOX_TTL_S = 2 * DAY  # refreshed on every push
IDENTITY_TTL_S = 90 * DAY  # an anonymous identity, refreshed on use: the client id is kept
SESSION_TTL_S = 30 * DAY  # the backend ends idle sessions long before this (then 1002)
RENDER_TTL_S = 2 * DAY  # a render job record
SETTINGS_TTL_S = 365 * DAY  # per-chat settings, refreshed on change
CANCEL_TTL_S = 2 * DAY
THROTTLE_TTL_S = 60  # progress-edit throttling marks
ALBUM_TTL_S = 120  # the items of an album while it is being collected, and its done mark


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix (one per deployment, one per test)."""

    prefix: str

    # Keys one Lua script touches together share the chat's hash tag, for Redis Cluster.
    def seen(self, chat_key: str, message_id: str) -> str:
        return f"{self.prefix}:seen:{{{chat_key}}}:{message_id}"

    def delivery(self, platform: str, delivery_id: str) -> str:
        """Marks a platform delivery (a Telegram update id) as taken, before any reply to it."""
        return f"{self.prefix}:delivery:{platform}:{delivery_id}"

    def message(self, chat_key: str, message_id: str) -> str:
        return f"{self.prefix}:msg:{{{chat_key}}}:{message_id}"

    def progress_ref(self, chat_key: str, message_id: str) -> str:
        return f"{self.prefix}:pref:{{{chat_key}}}:{message_id}"

    def inbox(self, chat_key: str) -> str:
        return f"{self.prefix}:inbox:{{{chat_key}}}"

    def doing(self, chat_key: str) -> str:
        return f"{self.prefix}:doing:{{{chat_key}}}"

    def lease(self, chat_key: str) -> str:
        return f"{self.prefix}:lease:{{{chat_key}}}"

    def cancel(self, chat_key: str) -> str:
        return f"{self.prefix}:cancel:{{{chat_key}}}"

    def attempts(self, chat_key: str) -> str:
        """How many times each of the chat's messages was taken to run (a hash)."""
        return f"{self.prefix}:attempts:{{{chat_key}}}"

    def active_chats(self) -> str:
        return f"{self.prefix}:chats:active"

    def album(self, group_id: str) -> str:
        return f"{self.prefix}:album:{{{group_id}}}:items"

    def album_state(self, group_id: str) -> str:
        return f"{self.prefix}:album:{{{group_id}}}:state"

    def edit_throttle(self, chat_key: str) -> str:
        """Marks a chat whose progress message was just edited (platform flood limits)."""
        return f"{self.prefix}:edited:{chat_key}"

    # Fair-use counters share one hash tag so a decision's Lua script runs on one node.
    def limit_counter(self, name: str, subject: str, window_s: int, bucket: int) -> str:
        return f"{self.prefix}:limit:{{fairuse}}:{name}:{subject}:{window_s}:{bucket}"

    def limit_notice(self, subject: str) -> str:
        return f"{self.prefix}:limit:{{fairuse}}:told:{subject}"

    def identity(self, owner: str) -> str:
        return f"{self.prefix}:identity:{owner}"

    def identity_lock(self, owner: str) -> str:
        return f"{self.prefix}:identity-lock:{owner}"

    def session(self, chat_key: str) -> str:
        return f"{self.prefix}:session:{chat_key}"

    def render(self, render_id: str) -> str:
        return f"{self.prefix}:render:{render_id}"

    def render_owner(self, chat_key: str, export_id: str) -> str:
        """The turn an export hands its chat back to, once a new turn adopted it. Apart from the
        export's record, so a step saving the record cannot put back an older owner; it shares
        the chat's hash tag with the lease, which is checked when it is set."""
        return f"{self.prefix}:render-owner:{{{chat_key}}}:{export_id}"

    def render_durations(self) -> str:
        """How long the latest renders took, newest first (their median predicts the next)."""
        return f"{self.prefix}:render-durations"

    def render_lock(self, export_id: str) -> str:
        """Held by the worker running one of the export's steps; expires if that worker dies."""
        return f"{self.prefix}:render-lock:{export_id}"

    def chat_settings(self, chat_key: str) -> str:
        return f"{self.prefix}:settings:{{{chat_key}}}"

    def command_menus(self, platform: str, bot_id: str) -> str:
        """The digest of the command menus last set for a bot: the same menus are not set again."""
        return f"{self.prefix}:menus:{platform}:{bot_id}"

    # saq names its keys `saq:<queue name>:...`, a job `saq:job:<queue name>:<job key>` and the
    # job's abort mark `saq:abort:<job key>`, and its scripts touch them together: both queue
    # names and every job key start with the deployment's hash tag, so on a cluster all of
    # them live in one slot.
    def queue_name(self) -> str:
        """saq's queue of chats' turns."""
        return f"{self._jobs_tag}:jobs"

    def export_queue_name(self) -> str:
        """saq's queue of export steps: short jobs that must not wait behind long turns."""
        return f"{self._jobs_tag}:exports"

    def job(self, name: str) -> str:
        """A saq job key."""
        return f"{self._jobs_tag}:{name}"

    @property
    def _jobs_tag(self) -> str:
        return f"{{{self.prefix}}}"
