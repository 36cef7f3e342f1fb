"""The backend speaks as if a GUI existed; this turns its GUI talk into what the bot does.

"Click Export" becomes an export, "open the timeline panel" or "preview in the timeline" a
timeline summary, "check your account" a credits read, and a drag/drop or other click is simply
dropped (the user edits by saying what they want). Only the GUI sentences are removed; what the
backend says about the content stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from core.texts import join_sentences


class GuiAction(StrEnum):
    EXPORT = "export"
    SHOW_TIMELINE = "show_timeline"
    SHOW_CREDITS = "show_credits"


_RULES: tuple[tuple[re.Pattern[str], GuiAction | None], ...] = (
    (
        re.compile(
            r"\bexport button\b|\b(?:click|press|tap|hit|use)\b[^.]*\bexport\b|点击.*导出|导出按钮",
            re.I,
        ),
        GuiAction.EXPORT,
    ),
    (
        re.compile(
            r"\bpreview\b[^.]*\btimeline\b|\bopen\b[^.]*\b(?:panel|timeline|tab|editor|view)\b|打开|预览",
            re.I,
        ),
        GuiAction.SHOW_TIMELINE,
    ),
    (
        re.compile(
            r"\b(?:check|open|view|visit)\b[^.]*\b(?:account|billing|balance|credits)\b|账户|充值",
            re.I,
        ),
        GuiAction.SHOW_CREDITS,
    ),
    # "click" in any form (clicking, double-click, clickable): nothing here can be clicked.
    (re.compile(r"click|\b(?:press|tap)\b|\bdrag\b|\bdrop\b|点击|拖拽|拖动", re.I), None),
)
# A full stop ends a sentence only before a space ("photo.jpg" is one word); CJK stops always.
_SENTENCES = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*|\n+")
_TEMPORARY_ISSUE = re.compile(r"i encountered a temporary issue", re.I)


@dataclass
class Translation:
    text: str
    actions: list[GuiAction] = field(default_factory=list)


def translate(text: str) -> Translation:
    """Split the backend's reply into content to show and GUI actions to perform."""
    kept: list[str] = []
    actions: list[GuiAction] = []
    for sentence in _SENTENCES.split(text):
        stripped = sentence.strip()
        if not stripped:
            continue
        rule = next(((p, a) for p, a in _RULES if p.search(stripped)), None)
        if rule is None:
            kept.append(stripped)
        elif rule[1] is not None and rule[1] not in actions:
            actions.append(rule[1])
    if len(kept) > 1 and _TEMPORARY_ISSUE.search(kept[-1]):
        kept.pop()  # a trailing "temporary issue" after normal replies means nothing
    return Translation(text=join_sentences(kept), actions=actions)
