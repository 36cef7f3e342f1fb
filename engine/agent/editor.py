"""The rule-based editor: one chat message in, a new draft and what the agent did out.

Pure: no I/O and no clock. The intents and their handlers are the table in
`engine.agent.rules`; a message may hold several ("make it vertical and add music"), applied in
table order. Undo is handled here, since it restores the session's previous draft rather than
editing the current one. A wish that maps to no edit is answered "I didn't understand".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from engine.agent import explainer
from engine.agent.phrases import is_chinese, say
from engine.agent.provenance_hint import made_captions, split_provenance
from engine.agent.rules import (
    EditLimits,
    EditOutcome,
    EditWork,
    Rule,
    ToolStep,
    find_intents,
)
from engine.draft import Draft, is_exportable
from engine.state.sessions import Upload

__all__ = ["EditLimits", "EditOutcome", "ToolStep", "chance", "edit", "split_wishes"]

_I = re.IGNORECASE
_UNDO = re.compile(r"\bundo\b|\brevert\b|go back|撤销|撤回|恢复上一", _I)
# A wish for the video's language wins over the language the wish is written in.
_IN_CHINESE = re.compile(r"\bin (simplified )?(chinese|mandarin)\b|用中文|中文讲解|说中文|汉语", _I)
_IN_ENGLISH = re.compile(r"\bin english\b|用英文|用英语|英文讲解|说英语", _I)
_EXPLAIN = re.compile(r"explain|what is|generate|make a video|解释|讲解|介绍|生成", _I)
# A question about the picture ("how it was created") is part of asking for the explainer.
_QUESTION = re.compile(r"\b(what|how|why|who|where|when)\b|什么|如何|怎么|怎样|为什么|哪", _I)


def edit(
    message: str,
    draft: Draft,
    previous: Draft | None,
    uploads: Sequence[Upload],
    limits: EditLimits,
    language: str = "en",
) -> EditOutcome:
    """Apply `message` to `draft`; `previous` is what undo would restore.

    A message may hold several wishes ("make it 9:16 and add a title 'Cabin'"): each is applied
    or refused on its own. One that maps to no edit changes nothing and is answered "I didn't
    understand"; with a picture and no video yet, or when asked to explain, the explainer is
    built first. The replies describe the draft after every wish of the message.
    """
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
    found, refused = _read_wishes(message)
    explain = bool(_EXPLAIN.search(message))
    if upload is None:
        found = [(rule, match) for rule, match in found if not rule.needs_picture]
        if not found:
            outcome.replies.append(say("need_photo", chinese))
            return outcome
    build = upload is not None and (explain or not is_exportable(draft))
    if not build and not found:
        outcome.replies.append(say("not_understood", chinese, wish=_quoted(message)))
        return outcome
    if build:
        _build(work)
    for rule, match in found:
        before = work.draft
        rule.handler(work, match)
        if work.draft == before:  # asked for what already holds: say so, not that it was done
            outcome.replies[-1] = say("already", chinese, wish=_quoted(match.string))
    if build:
        outcome.replies.insert(0, _built(work))
    outcome.replies += _refusals(refused, chinese)
    outcome.draft = work.draft
    return outcome


# Where one wish ends and the next begins, outside quotes: a comma or semicolon, a full stop
# before a space, "and"/"then"/"also", and their Chinese counterparts.
_WISH_BREAK = re.compile(
    r"\s*(?:[,;，；、。！？!?]|\.(?=\s|$)|\b(?:and|then|also|plus)\b|然后|并且|同时|接着)\s*", _I
)
_QUOTE = re.compile(r"[\"“「][^\"”」]*[\"”」]|(?<!\w)'[^']+'(?!\w)")
# Words that ask for nothing themselves: not refused when they stand alone.
_FILLER = re.compile(
    r"(please|pls|thanks?( you)?|ok(ay)?|now|also|just|it|this|that|and|"
    r"请|帮我|谢谢|好的|麻烦你?|一下|吧|呢|了|啊)*",
    _I,
)
QUOTED_WISH_CHARS = 40


def split_wishes(message: str) -> list[str]:
    """The message's wishes, split where one ends and the next begins (never inside quotes)."""
    quoted: list[str] = []

    def hold(match: re.Match[str]) -> str:
        quoted.append(match.group(0))
        return f"\x00{len(quoted) - 1}\x00"

    held = _QUOTE.sub(hold, message)
    parts = [part.strip() for part in _WISH_BREAK.split(held) if part and part.strip()]
    return [re.sub(r"\x00(\d+)\x00", lambda m: quoted[int(m.group(1))], part) for part in parts]


def _read_wishes(message: str) -> tuple[list[tuple[Rule, re.Match[str]]], list[str]]:
    """The edits the wishes map to, and the wishes that map to none (asking to explain, or for
    a language, is understood: the editor handles those for the whole message)."""
    found: list[tuple[Rule, re.Match[str]]] = []
    refused: list[str] = []
    seen: set[str] = set()
    for wish in split_wishes(message):
        intents = [(rule, match) for rule, match in find_intents(wish) if rule.intent not in seen]
        seen.update(rule.intent for rule, _ in intents)
        found += intents
        understood = intents or _EXPLAIN.search(wish) or _QUESTION.search(wish)
        understood = understood or _IN_CHINESE.search(wish)
        if not (understood or _IN_ENGLISH.search(wish) or _FILLER.fullmatch(wish.strip())):
            refused.append(wish)
    return found, refused


MAX_REFUSALS = 2  # wishes named as not understood; the rest are counted


def _refusals(refused: list[str], chinese: bool) -> list[str]:
    """One sentence naming what was not understood: up to MAX_REFUSALS wishes, then a count."""
    unique = list(dict.fromkeys(" ".join(wish.split()) for wish in refused))
    if not unique:
        return []
    named = [f"“{_quoted(wish)}”" for wish in unique[:MAX_REFUSALS]]
    more = len(unique) - len(named)
    if len(unique) == 1:
        return [say("not_understood_part", chinese, wishes=named[0])]
    wishes = ("、" if chinese else " or ").join(named)
    if more:
        listed = ("、" if chinese else ", ").join(named)
        wishes = say("wishes_and_more", chinese, wishes=listed, count=more)
    return [say("not_understood_parts", chinese, wishes=wishes)]


def _quoted(wish: str) -> str:
    """A wish as the reply quotes it: one line, cut short when long."""
    line = " ".join(wish.split())
    return line if len(line) <= QUOTED_WISH_CHARS else line[: QUOTED_WISH_CHARS - 1] + "…"


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
    result = {"ok": True, "duration_ms": work.draft["d"], "tracks": len(work.draft["t"])}
    args = {"file": upload.filename, "seconds": work.draft["d"] / 1000}
    work.outcome.steps.append(ToolStep("build_explainer", args, result))


def _built(work: EditWork) -> str:
    """What was built, as the draft stands after every wish of the message."""
    assert work.upload is not None
    captions = sum(
        1
        for track in work.draft["t"]
        for seg in track["sg"]
        if seg.get("role") == "caption" and not seg.get("hide")
    )
    seconds = round(work.draft["d"] / 1000)
    name = work.upload.filename
    return say("built", work.chinese, seconds=seconds, name=name, captions=captions)


def chance(seed: int, session_id: str, message: str, salt: str) -> float:
    """A number in [0, 1) fixed by the seed, the session and the message (stable across runs)."""
    digest = hashlib.sha256(f"{seed}\x00{session_id}\x00{message}\x00{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
