"""One message, from its intent to its answer. The routing table is data: `Conversation.handlers`.

A handler returns True when the message is finished, or False when a render job now owns it (the
render job hands the message back to the chat's turn when the video is delivered). Every step
is recorded in the work record before the next one starts, so a worker that dies mid-way is
resumed by another without repeating what cannot be repeated (an SSE message is never re-sent).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from core.backend import Access, Backend, is_exportable, may_have_run, summarise
from core.backend.changes import DraftFacts, changes, facts_of, unsaid
from core.backend.nemo.multipart import MultipartFile
from core.chat.agent_stream import Heard, StreamLimits, listen
from core.chat.commands import ChatCommands, Handler, WorkContext
from core.chat.gui_speak import GuiAction, translate
from core.chat.streams import looks_like_image, teed, ticking
from core.errors import (
    BackendError,
    ClipbridgeError,
    EmptyFile,
    FileTooLarge,
    LimitReached,
    NoAnswer,
    SessionNotFound,
    StreamInterrupted,
    WorkCancelled,
)
from core.events import Action, Button, Problem, Stage
from core.fair_use import FairUse
from core.intents import Intent
from core.languages import language_name, primary_subtag
from core.outbound import Notifier, Reporter
from core.ports import PlatformPorts
from core.provenance import agent_hint, provenance_card, read_provenance
from core.store import ChatSettings
from core.texts import join_sentences, text
from core.work import Phase, Work


class RenderStarter(Protocol):
    async def start(self, work: Work, draft: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class ConversationConfig:
    default_prompt: str = "explain what an AI image is and how it was created"
    max_upload_bytes: int = 200 << 20
    register_url: str = "https://nemovideo.com/"
    stream: StreamLimits = field(default_factory=StreamLimits)
    settle_poll_s: float = 5.0
    settle_max_s: float = 120.0
    tell_after_s: float = 30.0
    scratch_dir: Path = Path("var/work")  # a copy of an image while its provenance is read
    trust_anchors_pem: str | None = None  # C2PA signers trusted (None: none)


log = logging.getLogger(__name__)

SENT_OVER = "sent_over"  # the work note: the draft's fingerprint when the message went
BEFORE = "before"  # the work note: what the draft showed then (`DraftFacts`)
SMALL_PICTURE_SIDE = 400  # a picture whose longer side is shorter looks blocky at 1080p


def fingerprint(draft: dict[str, Any]) -> str:
    """A short digest of a draft: equal drafts, equal fingerprints."""
    canonical = json.dumps(draft, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


ASPECT_WORDS = re.compile(r"\d+\s*:\s*\d+|vertical|horizontal|square|portrait|landscape|竖|横|方")


class Conversation:
    """Runs messages for any chat; holds no per-chat state of its own."""

    def __init__(
        self,
        backend: Backend,
        notifier: Notifier,
        platforms: Mapping[str, PlatformPorts],
        chat_settings: ChatSettings,
        renders: RenderStarter,
        reporter: Reporter,
        fair_use: FairUse,
        commands: ChatCommands,
        config: ConversationConfig,
    ) -> None:
        self._commands = commands
        self._fair_use = fair_use
        self._reporter = reporter
        self._backend = backend
        self._notifier = notifier
        self._platforms = platforms
        self._chat_settings = chat_settings
        self._renders = renders
        self._config = config
        self.handlers: dict[Intent, Handler] = {
            Intent.UPLOAD: self._quick_edit,
            Intent.EDIT: self._edit,
            Intent.EXPORT: self._export,
            Intent.STATUS: self._status,
            Intent.CREDITS: self._credits,
            Intent.NEW: self._new_project,
            **commands.handlers,
        }

    async def run(self, work: Work, ctx: WorkContext) -> bool:
        """Run (or resume) one message; True when it is finished."""
        if not await self._commands.allowed(work):
            await self._notifier.reply(work, text("reply.admins_only", work.language))
            return True
        if not await self._commands.works_here(work):
            await self._notifier.problem(
                work, Problem("not_here", text("reply.not_here", work.language))
            )
            return True
        try:
            return await self.handlers[work.intent](work, ctx)
        except WorkCancelled:
            await self._notifier.progress(work, Stage.CANCELLED)
            return True
        except ClipbridgeError as exc:
            await self.report(work, exc)
            return True

    async def report(self, work: Work, error: BaseException) -> None:
        await self._reporter.report(work, error)

    # -- the quick edit: upload, explain, export, deliver; one render per attachment ----------

    async def _quick_edit(self, work: Work, ctx: WorkContext) -> bool:
        if not work.inbound.attachments:
            await self._notifier.reply(work, text("reply.send_a_file", work.language))
            return True
        while not work.done:
            try:
                if not await self._quick_edit_item(work, ctx):
                    return False
            except SessionNotFound:
                if work.restarts >= 1:
                    raise
                work.restarts += 1  # the backend lost the session: start this item over
                work.phase = Phase.START
                await ctx.checkpoint()
            except WorkCancelled:
                raise
            except ClipbridgeError as exc:
                await self.report(work, exc)
                work.advance()  # one attachment failing does not stop the others
                await ctx.checkpoint()
        return True

    async def _quick_edit_item(self, work: Work, ctx: WorkContext) -> bool:
        """Move the current attachment on; False when its render job owns it now."""
        draft: dict[str, Any] | None = None  # the draft as the answer read it, for the export
        if work.phase is Phase.START:
            await self._upload(work, ctx)
        if work.phase is Phase.UPLOADED:
            instruction = work.inbound.text.strip() or self._config.default_prompt
            aspect = work.notes.get("aspect")
            if aspect is None:  # settings shared wider than the chat: read there
                aspect = await self._chat_settings.aspect(work.inbound.settings_key)
            if aspect and not ASPECT_WORDS.search(instruction):
                instruction += f", make it {aspect}"
            hint = work.notes.get(f"provenance.{work.item}")
            heard = await self._send(work, ctx, f"{instruction}\n{hint}" if hint else instruction)
            said = translate(heard.text).text
            changed, draft = await self._changes(work, said)
            answer = await self._noting_video_language(
                work, join_sentences([said, *changed]), draft
            )
            if answer:
                await self._notifier.reply(work, answer)
        if work.phase is Phase.SENT:
            await self._settle(work, ctx)  # resumed after a crash mid-stream
        if work.phase is Phase.EDITED:
            return await self._start_export(work, ctx, draft)
        if work.phase is Phase.RENDERING:
            return False
        if work.phase is Phase.DELIVERED:
            work.advance()
            await ctx.checkpoint()
        return True

    async def _upload(self, work: Work, ctx: WorkContext) -> None:
        attachment = work.inbound.attachments[work.item]
        quota = await self._fair_use.render_possible(work.inbound)
        if not quota.allowed:  # say so before spending credits on an edit
            allowed = await self._fair_use.limit(work.inbound, quota.refused_by)
            raise LimitReached(quota.refused_by, allowed=allowed, retry_after_s=quota.retry_after_s)
        if attachment.size is not None and attachment.size > self._config.max_upload_bytes:
            raise FileTooLarge("the attachment is over the upload limit")
        if attachment.size == 0:
            raise EmptyFile("the attachment is empty")
        await self._notifier.progress(work, Stage.UPLOADING, name=attachment.filename)
        source = self._platforms[work.inbound.chat.platform].source
        self._config.scratch_dir.mkdir(parents=True, exist_ok=True)
        copy = self._config.scratch_dir / f"{work.message_id}.{work.item}.upload"
        keep = looks_like_image(attachment)

        def part() -> MultipartFile:  # each try reads the file from the platform again
            stream = ticking(source.open(attachment), ctx)
            return MultipartFile(
                teed(stream, copy) if keep else stream,
                filename=attachment.filename,
                content_type=attachment.mime or "application/octet-stream",
                size=attachment.size,
            )

        try:
            await self._backend.upload(work.chat_key, self._session_language(work), part)
            if keep:
                await self._tell_provenance(work, copy, attachment.recompressed)
        finally:
            copy.unlink(missing_ok=True)
        work.phase = Phase.UPLOADED
        await ctx.checkpoint()

    async def _tell_provenance(self, work: Work, copy: Path, recompressed: bool) -> None:
        """What the image's own record says: a card for the chat (with a word on a picture too
        small for a sharp 1080p video, or one the platform stripped), a hint for the agent."""
        finding = await asyncio.to_thread(read_provenance, copy, self._config.trust_anchors_pem)
        work.notes[f"provenance.{work.item}"] = agent_hint(finding)
        card = provenance_card(finding, work.language)
        if recompressed and not finding.found:
            card += "\n" + text("reply.send_as_file", work.language)
        width, height = finding.width or 0, finding.height or 0
        if 0 < max(width, height) < SMALL_PICTURE_SIDE:
            small = text("reply.small_picture", work.language, width=width, height=height)
            card = f"{card}\n{small}"
        await self._notifier.reply(work, card)

    # -- talking to the agent ------------------------------------------------------------------

    async def _send(self, work: Work, ctx: WorkContext, message: str) -> Heard:
        """Send one message over SSE, once; afterwards the phase is EDITED."""
        budget = await self._fair_use.limit(work.inbound, "chat_credits_per_day")
        before = await self._budget_check(work, budget) if budget else None
        heard = await self._send_once(work, ctx, message)
        if before is not None:
            after = await self._available(work)
            await self._fair_use.spend(work.inbound, max(0, before - after))
        return heard

    async def _budget_check(self, work: Work, budget: int) -> int:
        """Refuse once the chat spent its credits budget; the balance before this message."""
        spent, renews_s = await self._fair_use.spent(work.inbound)
        if spent >= budget:
            raise LimitReached("chat_credits_per_day", allowed=budget, retry_after_s=renews_s)
        return await self._available(work)

    async def _available(self, work: Work) -> int:
        credits = await self._backend.credits(work.chat_key, self._session_language(work))
        return credits.available

    async def _send_once(self, work: Work, ctx: WorkContext, message: str) -> Heard:
        await self._notifier.progress(work, Stage.THINKING)
        state = await self._backend.state(work.chat_key, self._session_language(work))
        work.notes[SENT_OVER] = fingerprint(state.draft)
        work.notes[BEFORE] = facts_of(state.draft, state.canvas).to_json()
        resting = work.phase

        async def still_working() -> None:
            await self._notifier.progress(work, Stage.THINKING, line=self._still_working(work))

        async def stream(access: Access) -> Heard:
            # Recorded as sent just before it goes: a worker stopped any earlier sends it again
            # on resuming, one stopped later never does (it waits for the state instead).
            work.phase = Phase.SENT
            await ctx.checkpoint()
            try:
                return await listen(
                    self._backend.client,
                    access.token,
                    access.session_id,
                    message,
                    self._config.stream,
                    on_still_working=still_working,
                    on_tick=ctx.tick,
                )
            except BackendError as exc:
                if not may_have_run(exc):  # turned away unread: another try may send it
                    work.phase = resting
                    await ctx.checkpoint()
                raise

        try:
            heard = await self._backend.call(
                work.chat_key,
                self._session_language(work),
                stream,
                recover_session=False,
                idempotent=False,
            )
        except (StreamInterrupted, TimeoutError):
            # The message reached the backend: never send it again; wait for its result.
            await self._settle(work, ctx)
            return Heard()
        work.phase = Phase.EDITED
        await ctx.checkpoint()
        return heard

    def _still_working(self, work: Work) -> str:
        return text("stage.still_working", work.language)

    async def _settle(self, work: Work, ctx: WorkContext) -> None:
        """After a dropped stream: poll the session state until the message's edit has landed
        and the draft stops changing. NoAnswer when the state never moved from where it was
        when the message went (the backend's answer, if it ever gave one, is lost)."""
        sent_over = work.notes.get(SENT_OVER)  # absent in records written by earlier versions
        started = time.monotonic()
        previous: str | None = None
        told = False
        while time.monotonic() - started < self._config.settle_max_s:
            draft = await self._draft(work)
            current = fingerprint(draft)
            landed = current != sent_over if sent_over else is_exportable(draft)
            if current == previous and landed:
                break
            previous = current
            if not told and time.monotonic() - started >= self._config.tell_after_s:
                told = True
                await self._notifier.progress(work, Stage.THINKING, line=self._still_working(work))
            await ctx.tick()
            await asyncio.sleep(self._config.settle_poll_s)
        else:
            if previous == sent_over:
                raise NoAnswer("the stream dropped and the session state never changed")
        work.phase = Phase.EDITED
        await ctx.checkpoint()

    async def _changes(self, work: Work, said: str) -> tuple[list[str], dict[str, Any] | None]:
        """What the message changed in the state, less what the agent's words already said, and
        the draft read for it (None when it could not be read: nothing is claimed either way)."""
        before = work.notes.get(BEFORE)
        try:
            state = await self._backend.state(work.chat_key, self._session_language(work))
        except BackendError:
            log.warning("state unreadable after an edit", extra={"chat": work.chat_key})
            return ([] if said else [text("change.unknown", work.language)]), None
        if before is None:  # a record written by an earlier version: say what there is
            return ([summarise(state.draft, work.language)] if not said else []), state.draft
        after = facts_of(state.draft, state.canvas)
        lines = unsaid(changes(DraftFacts.from_json(before), after, work.language), said)
        return lines, state.draft

    async def _noting_video_language(
        self, work: Work, answer: str, draft: dict[str, Any] | None
    ) -> str:
        """`answer`, and once a chat a paragraph saying the video is in English though the chat
        is not (the backend's voice and lettering do not cover every language it may speak)."""
        spoken = primary_subtag(facts_of(draft).language) if draft is not None else ""
        if spoken != "en" or work.language == "en":
            return answer
        told = f"video_language:{work.language}"
        if not await self._chat_settings.first_time(work.inbound.settings_key, told):
            return answer
        note = text(
            "reply.video_language",
            work.language,
            video=language_name(spoken, work.language),
            language=language_name(work.language, work.language),
        )
        return f"{answer}\n\n{note}".strip()

    async def _draft(self, work: Work) -> dict[str, Any]:
        return await self._backend.draft(work.chat_key, self._session_language(work))

    # -- text edits and control intents -------------------------------------------------------

    async def _edit(self, work: Work, ctx: WorkContext) -> bool:
        if work.phase is Phase.RENDERING:
            return False
        if work.phase is Phase.DELIVERED:
            work.advance()
            return True
        if work.phase is Phase.START:
            heard = await self._send(work, ctx, work.inbound.text)
        else:
            heard = Heard()
            if work.phase is Phase.SENT:
                await self._settle(work, ctx)
        translated = translate(heard.text)
        if GuiAction.EXPORT in translated.actions:
            if translated.text:
                await self._notifier.reply(work, translated.text)
            return await self._start_export(work, ctx)
        said = translated.text
        changed, draft = await self._changes(work, said)
        body = join_sentences([said, *changed]) or text("change.none", work.language)
        body = await self._noting_video_language(work, body, draft)
        if GuiAction.SHOW_TIMELINE in translated.actions:
            summary = summarise(
                draft if draft is not None else await self._draft(work), work.language
            )
            body = f"{body}\n\n{summary}".strip()
        if GuiAction.SHOW_CREDITS in translated.actions:
            body = f"{body}\n\n{await self._credits_line(work)}".strip()
        buttons = (
            Button(Action.EXPORT, text("button.export", work.language)),
            Button(Action.NEW, text("button.new", work.language)),
        )
        await self._notifier.reply(
            work, text("reply.offer_export", work.language, text=body), buttons
        )
        await self._notifier.progress(work, Stage.DONE)  # the answer first, then "Done"
        return True

    async def _export(self, work: Work, ctx: WorkContext) -> bool:
        if work.phase is Phase.RENDERING:
            return False
        if work.phase is Phase.DELIVERED:
            work.advance()
            return True
        return await self._start_export(work, ctx)

    async def _start_export(
        self, work: Work, ctx: WorkContext, draft: dict[str, Any] | None = None
    ) -> bool:
        """Export the session's draft (`draft`: as read just now, else read here)."""
        draft = draft if draft is not None else await self._draft(work)
        if not is_exportable(draft):
            await self._notifier.reply(work, text("reply.nothing_to_export", work.language))
            await self._notifier.progress(work, Stage.DONE)
            work.done = True
            return True
        # The render's steps (the first one here, the others wherever a worker takes them)
        # each say how long their "working" sign lasts; this turn's ends here.
        await self._notifier.progress(work, Stage.RENDERING, percent=0, keep_s=0.0)
        await self._renders.start(work, draft)  # saves the work record, now rendering
        return False

    async def _status(self, work: Work, ctx: WorkContext) -> bool:
        draft = await self._draft(work)
        body = summarise(draft, work.language)
        if not is_exportable(draft):
            body = text("reply.empty_timeline", work.language)
        await self._notifier.reply(work, body)
        return True

    async def _credits(self, work: Work, ctx: WorkContext) -> bool:
        line = await self._credits_line(work)
        budget = await self._fair_use.limit(work.inbound, "chat_credits_per_day")
        if budget:
            spent, _ = await self._fair_use.spent(work.inbound)
            left = max(0, budget - spent)
            line += "\n" + text("reply.credits_budget", work.language, left=left, budget=budget)
        await self._notifier.reply(work, line)
        return True

    async def _credits_line(self, work: Work) -> str:
        credits = await self._backend.credits(work.chat_key, self._session_language(work))
        return text(
            "reply.credits",
            work.language,
            available=credits.available,
            frozen=credits.frozen,
            total=credits.total,
        )

    async def _new_project(self, work: Work, ctx: WorkContext) -> bool:
        await self._backend.sessions.drop(work.chat_key)
        await self._notifier.reply(work, text("reply.new_session", work.language))
        return True

    def _session_language(self, work: Work) -> str:
        return work.notes.get("session_language", work.language)
