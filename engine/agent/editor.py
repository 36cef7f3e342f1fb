"""The rule-based editor: one chat message in, a new draft and what the agent did out.

Pure: no I/O and no clock. The intents and their handlers are the table in
`engine.agent.rules`; a message may hold several ("make it vertical and add music"), applied in
table order. Undo is handled here, since it restores the session's previous draft rather than
editing the current one. With an upload, anything not understood builds the explainer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from engine.agent import explainer
from engine.agent.phrases import is_chinese, say
from engine.agent.provenance_hint import made_captions, split_provenance
from engine.agent.rules import EditLimits, EditOutcome, EditWork, ToolStep, find_intents
from engine.draft import Draft, is_exportable
from engine.state.sessions import Upload

__all__ = ["EditLimits", "EditOutcome", "ToolStep", "chance", "edit"]

_I = re.IGNORECASE
_UNDO = re.compile(r"\bundo\b|\brevert\b|go back|撤销|撤回|恢复上一", _I)
# A wish for the video's language wins over the language the wish is written in.
_IN_CHINESE = re.compile(r"\bin (simplified )?(chinese|mandarin)\b|用中文|中文讲解|说中文|汉语", _I)
_IN_ENGLISH = re.compile(r"\bin english\b|用英文|用英语|英文讲解|说英语", _I)
_EXPLAIN = re.compile(r"explain|what is|generate|make a video|解释|讲解|介绍|生成", _I)


def edit(
    message: str,
    draft: Draft,
    previous: Draft | None,
    uploads: Sequence[Upload],
    limits: EditLimits,
    language: str = "en",
) -> EditOutcome:
    """Apply `message` to `draft`; `previous` is what undo would restore."""
    message, provenance = split_provenance(message)
    chinese = is_chinese(message) or language.lower().startswith("zh")
    if _IN_CHINESE.search(message):
        chinese = True
    elif _IN_ENGLISH.search(message):
        chinese = False
    outcome = EditOutcome(draft=None)
    if _UNDO.search(message):
        if previous is None:
            outcome.replies.append(say("nothing_to_undo", chinese))
            return outcome
        outcome.draft, outcome.undo = previous, True
        outcome.steps.append(ToolStep("undo", {}, {"ok": True, "duration_ms": previous["d"]}))
        outcome.replies.append(say("undone", chinese))
        return outcome
    upload = next((item for item in reversed(uploads) if item.file_type != "audio"), None)
    work = EditWork(draft, upload, chinese, limits, outcome, provenance)
    matches = find_intents(message)
    if upload is None:
        matches = [(rule, match) for rule, match in matches if not rule.needs_picture]
        if not matches:
            outcome.replies.append(say("need_photo", chinese))
            return outcome
    elif _EXPLAIN.search(message) or not matches or not is_exportable(draft):
        _build(work)
    for rule, match in matches:
        rule.handler(work, match)
    outcome.draft = work.draft
    return outcome


def _build(work: EditWork) -> None:
    assert work.upload is not None
    upload = work.upload
    analysis = {"width": upload.width, "height": upload.height, "colours": upload.colours}
    work.outcome.steps.append(ToolStep("analyze_media", {"file": upload.filename}, analysis))
    total_ms = work.draft["d"] or round(work.limits.default_s * 1000)
    made = made_captions(work.provenance, work.chinese) if work.provenance else []
    evidence = work.provenance.evidence if work.provenance else "unstated"
    speech_ms, chinese = work.limits.speech_ms, work.chinese
    pace = (lambda text: speech_ms(text, chinese)) if speech_ms else None
    work.draft = explainer.build_explainer(
        upload, work.draft, total_ms, work.chinese, made, evidence, pace
    )
    total_ms = work.draft["d"]
    seconds = round(total_ms / 1000)
    captions = sum(
        1 for track in work.draft["t"] for seg in track["sg"] if seg.get("role") == "caption"
    )
    work.step(
        "build_explainer",
        {"file": upload.filename, "seconds": total_ms / 1000},
        say("built", work.chinese, seconds=seconds, name=upload.filename, captions=captions),
    )


def chance(seed: int, session_id: str, message: str, salt: str) -> float:
    """A number in [0, 1) fixed by the seed, the session and the message (stable across runs)."""
    digest = hashlib.sha256(f"{seed}\x00{session_id}\x00{message}\x00{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
