"""Routing a message to what it asks for, before anything is sent to the backend.

The table is data: each intent lists English phrases (matched as whole words) and Chinese
phrases (matched as substrings: Chinese has no spaces). A control intent (export, credits,
status...) is taken only from a short, command-like message without a negation, so that
"I exported this from Lightroom, make it 9:16" or "don't export yet, add a title" is an edit.
Everything else goes to the agent over SSE.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    EXPORT = "export"
    CREDITS = "credits"
    STATUS = "status"
    UPLOAD = "upload"
    NEW = "new"
    CANCEL = "cancel"
    HELP = "help"
    LANGUAGE = "lang"
    ACCESS = "access"  # who may export or reset in a group
    CHANNELS = "channels"  # which channels of a server the bot works in
    LIMIT = "limit"  # an operator changes a fair-use limit for this chat
    ASPECT = "aspect"  # the chat's default aspect ratio
    PHOTOS = "photos"  # whether a group's plain photos are answered
    ACK = "ack"  # how a group is told its request arrived: a message, or a reaction
    UNKNOWN = "unknown"  # a command the bot does not have
    EDIT = "edit"  # everything else: the agent, over SSE


# Work that reaches the backend (an upload, an edit, an export): the chat is told at once that
# it was received, and an attempt at it counts before it starts.
BACKEND_WORK = frozenset({Intent.UPLOAD, Intent.EDIT, Intent.EXPORT})
# What a group may reserve for its admins; changing that is itself reserved for admins.
GUARDED = frozenset({Intent.EXPORT, Intent.NEW})
# Settings of the chat itself: only its admins (or the bot's operators) change them. The
# language is not one: each person chooses their own, and only the group's own language, for
# those who chose none (`/lang group`), is its admins'.
SETTINGS = frozenset({Intent.ACCESS, Intent.CHANNELS, Intent.ASPECT, Intent.PHOTOS, Intent.ACK})
# The chat's own commands: its settings, the language, help, an operator's limit. They need no
# backend, so when nothing else runs in the chat they are answered where they arrive
# (`Turns.answer_now`).
ANSWERED_AT_ONCE = SETTINGS | {Intent.LANGUAGE, Intent.HELP, Intent.UNKNOWN, Intent.LIMIT}


@dataclass(frozen=True)
class Phrases:
    english: tuple[str, ...]
    chinese: tuple[str, ...] = ()


# Order matters only where phrases overlap; the first intent that matches wins.
ROUTES: tuple[tuple[Intent, Phrases], ...] = (
    (Intent.CANCEL, Phrases(("cancel", "stop", "abort"), ("取消", "停止"))),
    (
        Intent.EXPORT,
        Phrases(
            ("export", "download", "send me the video", "render it", "render the video"),
            ("导出", "下载"),
        ),
    ),
    (Intent.CREDITS, Phrases(("credits", "credit", "balance"), ("积分", "余额"))),
    (Intent.STATUS, Phrases(("status", "show tracks", "timeline"), ("状态", "时间线"))),
    (Intent.UPLOAD, Phrases(("upload",), ("上传",))),
    (Intent.NEW, Phrases(("new project", "start over", "reset"), ("新建", "重新开始"))),
    (Intent.HELP, Phrases(("help",), ("帮助",))),
)

COMMANDS: dict[str, Intent] = {
    "export": Intent.EXPORT,
    "credits": Intent.CREDITS,
    "status": Intent.STATUS,
    "upload": Intent.UPLOAD,
    "new": Intent.NEW,
    "cancel": Intent.CANCEL,
    "help": Intent.HELP,
    "start": Intent.HELP,
    "lang": Intent.LANGUAGE,
    "access": Intent.ACCESS,
    "channels": Intent.CHANNELS,
    "limit": Intent.LIMIT,
    "aspect": Intent.ASPECT,
    "photos": Intent.PHOTOS,
    "ack": Intent.ACK,
    "explain": Intent.UPLOAD,
    "edit": Intent.EDIT,
}

MAX_COMMAND_WORDS = 6  # "please export the video now" is a command; a paragraph is not
MAX_COMMAND_CHARS_CJK = 14
_NEGATIONS_EN = re.compile(r"\b(?:don'?t|do not|not|never|no|without|instead of)\b")
_NEGATIONS_ZH = ("不要", "别", "不用", "不", "先不")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Quoted words are content ('add a title "Export"'), never a command.
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|「[^」]*」|«[^»]*»|(?<![\w])'[^']*'(?![\w])")
# A message that starts by asking for a change is an edit, whatever words follow.
_EDIT_OPENERS = re.compile(
    r"^(?:please )?(?:add|make|change|set|put|remove|turn|use|give|加|改|添加|换)"
)


def _visible(text: str) -> str:
    """Every whitespace character (a CR, a form feed, U+2028...) as a space; other control,
    format and unassigned characters (bidirectional marks, zero-width joiners) removed."""
    return "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )


def normalise(text: str) -> str:
    """Lower case, NFKC, control and bidirectional marks removed, whitespace collapsed."""
    # Marks go before NFKC, so that one between a letter and its accent changes nothing.
    text = _visible(unicodedata.normalize("NFKC", _visible(text)))
    return " ".join(text.lower().replace("’", "'").split())


def _english_match(phrase: str, text: str) -> re.Match[str] | None:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)


def _find(phrases: Phrases, text: str) -> int | None:
    """Where the first phrase of the list starts in `text`, or None."""
    for phrase in phrases.english:
        found = _english_match(phrase, text)
        if found:
            return found.start()
    for phrase in phrases.chinese:
        at = text.find(phrase)
        if at >= 0:
            return at
    return None


def _command_like(text: str) -> bool:
    if _CJK.search(text):
        return len(text.replace(" ", "")) <= MAX_COMMAND_CHARS_CJK
    return len(text.split()) <= MAX_COMMAND_WORDS


def _negated(text: str, at: int) -> bool:
    before = text[:at]
    if _NEGATIONS_EN.search(before):
        return True
    return any(before.endswith(word) or word in before[-4:] for word in _NEGATIONS_ZH)


def route(text: str, *, has_attachments: bool = False, command: str | None = None) -> Intent:
    """The intent of a message: an explicit command, a file, a short control phrase, or an edit."""
    if command:
        return COMMANDS.get(command.lower().lstrip("/"), Intent.UNKNOWN)
    if has_attachments:
        return Intent.UPLOAD
    clean = " ".join(_QUOTED.sub(" ", normalise(text)).split())
    if not clean or not _command_like(clean) or _EDIT_OPENERS.match(clean):
        return Intent.EDIT
    for intent, phrases in ROUTES:
        at = _find(phrases, clean)
        if at is not None and not _negated(clean, at):
            return intent
    return Intent.EDIT
