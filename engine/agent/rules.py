"""The editor's intent table: what each intent looks like in a message and what it does.

Routing is data: `RULES` maps each intent to a pattern that finds it (English and Chinese
keywords) and a handler that edits the draft. Quoted text (a title, a caption) is taken out of
the message before the later rules look, so a title that says "20 seconds" does not also change
the duration. An "off" rule hides its "on" twin (both find "music" in "no music").
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.agent import explainer
from engine.agent.phrases import say
from engine.agent.provenance_hint import Provenance
from engine.draft import ASPECTS, Draft, spoken_text
from engine.state.sessions import Upload

MIN_BREATH_MS = 250  # the shortest pause between two spoken sentences


@dataclass(frozen=True)
class EditLimits:
    """Durations the editor works within, from the engine settings."""

    default_s: float = 15.0
    min_s: float = 5.0
    max_s: float = 60.0
    # How long saying a sentence takes (ms), in Chinese when the flag says so: with it, a new
    # explainer is as long as its script; without (no narration), `default_s`.
    speech_ms: Callable[[str, bool], int] | None = None


@dataclass(frozen=True)
class ToolStep:
    """One simulated tool call of the agent and its result."""

    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class EditOutcome:
    """What one message did: the draft to keep (None: unchanged), the steps, the reply."""

    draft: Draft | None
    steps: list[ToolStep] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    undo: bool = False

    @property
    def reply(self) -> str:
        # Chinese sentences follow each other with no space after the full stop.
        return " ".join(self.replies).replace("。 ", "。")


@dataclass
class EditWork:
    """The state the handlers of one message share."""

    draft: Draft
    upload: Upload | None
    chinese: bool
    limits: EditLimits
    outcome: EditOutcome
    provenance: Provenance | None = None  # what the client read from the file, if it said

    def step(self, name: str, args: dict[str, Any], reply: str) -> None:
        result = {"ok": True, "duration_ms": self.draft["d"], "tracks": len(self.draft["t"])}
        self.outcome.steps.append(ToolStep(name, args, result))
        self.outcome.replies.append(reply)


Handler = Callable[[EditWork, "re.Match[str]"], None]


@dataclass(frozen=True)
class Rule:
    """An intent: the pattern that finds it and the handler that applies it."""

    intent: str
    pattern: re.Pattern[str]
    handler: Handler
    needs_picture: bool = True


def _captured(match: re.Match[str]) -> str:
    groups = match.groupdict()
    found = groups.get("text") or groups.get("quoted") or groups.get("bare") or ""
    return found.strip().strip("\"'“”「」 ")


def _aspect(work: EditWork, match: re.Match[str]) -> None:
    word = match.group(0).lower()
    aspect = next(name for name, words in _ASPECT_WORDS.items() if word in words)
    work.draft = explainer.set_aspect(work.draft, aspect)
    width, height = ASPECTS[aspect]
    reply = say("aspect", work.chinese, aspect=aspect, width=width, height=height)
    work.step("set_aspect", {"aspect": aspect}, reply)


def _duration(work: EditWork, match: re.Match[str]) -> None:
    amount = float(match.group("amount"))
    seconds = amount * 60 if match.group("unit").lower().startswith(("m", "分")) else amount
    seconds = max(work.limits.min_s, min(work.limits.max_s, seconds))
    needed_s = math.ceil(_speaking_ms(work) / 1000)
    if seconds < needed_s:  # shorter, the sentences would run into each other
        seconds = float(needed_s)
        reply = say("duration_voice", work.chinese, seconds=needed_s)
    else:
        reply = say("duration", work.chinese, seconds=f"{seconds:g}")
    work.draft = explainer.set_duration(work.draft, round(seconds * 1000))
    work.step("set_duration", {"seconds": seconds}, reply)


def _speaking_ms(work: EditWork) -> int:
    """How long the voice-over takes to say every card and caption, one after another (0 with
    no voice, or when the engine does not narrate)."""
    speech_ms = work.limits.speech_ms
    if speech_ms is None or work.draft["m"].get("voice") == "off":
        return 0
    chinese = work.draft["m"].get("language") == "zh"
    spoken = [
        spoken_text(seg)
        for track in work.draft["t"]
        for seg in track["sg"]
        if seg.get("role") in ("card", "caption")
    ]
    return sum(speech_ms(line, chinese) + MIN_BREATH_MS for line in spoken if line)


def _title(work: EditWork, match: re.Match[str]) -> None:
    title = _captured(match)[:80]
    work.draft = explainer.set_title(work.draft, title)
    work.step("set_title", {"text": title}, say("title", work.chinese, title=title))


def _title_off(work: EditWork, match: re.Match[str]) -> None:
    work.draft = explainer.set_title(work.draft, None)
    work.step("set_title", {"text": None}, say("title_off", work.chinese))


def _caption_text(work: EditWork, match: re.Match[str]) -> None:
    text = _captured(match)[:200]
    work.draft = explainer.set_captions(work.draft, explainer.single_caption(work.draft, text))
    work.step("set_captions", {"text": text}, say("caption_text", work.chinese, text=text))


def _captions(*, on: bool) -> Handler:
    def handler(work: EditWork, match: re.Match[str]) -> None:
        if explainer.has_captions(work.draft, shown=False):  # hidden or shown: keep their times
            work.draft = explainer.show_captions(work.draft, on)
        elif on and work.upload is not None:
            captions = explainer.caption_segments(work.upload, work.draft["d"], work.chinese)
            work.draft = explainer.set_captions(work.draft, captions)
        work.step(
            "set_captions", {"on": on}, say(f"captions_{'on' if on else 'off'}", work.chinese)
        )

    return handler


def _music_on(work: EditWork, match: re.Match[str]) -> None:
    preset = next(
        (name for name, pattern in _MUSIC_STYLES.items() if pattern.search(match.string)), "lofi"
    )
    work.draft = explainer.set_music(work.draft, preset)
    style = say(f"style_{preset}", work.chinese)
    work.step(
        "set_music", {"on": True, "preset": preset}, say("music_on", work.chinese, style=style)
    )


def _music_off(work: EditWork, match: re.Match[str]) -> None:
    work.draft = explainer.set_music(work.draft, None)
    work.step("set_music", {"on": False}, say("music_off", work.chinese))


def _voice(*, on: bool) -> Handler:
    def handler(work: EditWork, match: re.Match[str]) -> None:
        work.draft = copy.deepcopy(work.draft)
        work.draft["m"]["voice"] = "on" if on else "off"
        key = "voice_on" if on else "voice_off"
        work.step("set_voice", {"on": on}, say(key, work.chinese))

    return handler


def _words(*words: str) -> str:
    return "|".join(re.escape(word) for word in words)


_ASPECT_WORDS = {
    "9:16": ("9:16", "vertical", "portrait", "竖屏", "竖版"),
    "16:9": ("16:9", "horizontal", "landscape", "widescreen", "横屏", "横版"),
    "1:1": ("1:1", "square", "方形", "正方形"),
}
_QUOTED = r"[\"“「'](?P<quoted>[^\"”」']+)[\"”」']"
_NOT = r"(don'?t|do not|never)( add| use| want| put| need)?"  # "don't add music" is no music
_I = re.IGNORECASE


def _text_rule(intent: str, keyword: str, handler: Handler, bare: str = "") -> Rule:
    """`keyword: the text to the end of the wish` or `keyword "quoted text"`; with `bare`
    (Chinese, where the meaning is clear without them), also `keyword [bare] the text`."""
    pattern = rf"{keyword}\s*(?:[:：]\s*(?P<text>[^\n]+)|{_QUOTED}"
    if bare:
        pattern += rf"|(?:{bare})?\s*(?P<bare>[^\s:：][^\n]*)"
    return Rule(intent, re.compile(pattern + ")", _I), handler)


RULES: tuple[Rule, ...] = (
    Rule(  # before the titles: "去掉标题" is no title, not the title "去掉"
        "title_off",
        re.compile(
            rf"({_NOT}|no|remove|delete|without)( the| a)? title|去掉标题|删除标题|不要标题", _I
        ),
        _title_off,
    ),
    _text_rule("title", "title", _title),
    _text_rule("title", "标题", _title, bare="改成|改为|设为|设成|为|是|叫"),
    _text_rule("caption", "caption", _caption_text),
    _text_rule("caption", "字幕", _caption_text),
    Rule(
        "aspect",
        re.compile("|".join(_words(*words) for words in _ASPECT_WORDS.values()), _I),
        _aspect,
        needs_picture=False,
    ),
    Rule(
        "duration",
        re.compile(
            r"(?P<amount>\d+(?:\.\d+)?)\s*"
            r"(?P<unit>s\b|secs?\b|seconds?|秒|min(?:ute)?s?\b|分钟)",
            _I,
        ),
        _duration,
    ),
    Rule(
        "captions_off",
        re.compile(
            rf"({_NOT}|no|remove|hide|without|turn off)( the| any)? (captions?|subtitles?)|"
            r"(captions?|subtitles?) off|关闭字幕|去掉字幕|不要字幕|删除字幕",
            _I,
        ),
        _captions(on=False),
    ),
    Rule("captions_on", re.compile(r"captions?|subtitles?|字幕", _I), _captions(on=True)),
    Rule(
        "voice_off",
        re.compile(
            rf"({_NOT}|no|remove|without|stop|turn off|mute)( the| a)? "
            r"(voice|voice-?over|narration|narrator)|"
            r"(voice|narration) off|不要配音|去掉配音|关闭配音|不要旁白|去掉旁白|关闭旁白",
            _I,
        ),
        _voice(on=False),
    ),
    Rule(
        "voice_on",
        re.compile(r"voice-?over|narrat\w*|read it (aloud|out)|配音|旁白|朗读", _I),
        _voice(on=True),
    ),
    Rule(
        "music_off",
        re.compile(
            rf"({_NOT}|no|remove|without|stop|turn off)( the| any)?( background)? (music|bgm)|"
            r"mute(?! the voice| voice| narration)|"
            r"去掉音乐|不要音乐|关闭音乐|静音",
            _I,
        ),
        _music_off,
    ),
    Rule(
        "music_on",
        re.compile(r"music|bgm|lo-?fi|soundtrack|ambient|upbeat|背景音乐|音乐|配乐", _I),
        _music_on,
    ),
)
_MUSIC_STYLES = {
    "ambient": re.compile(r"ambient|calm|chill|relax|舒缓|安静|氛围", _I),
    "upbeat": re.compile(r"upbeat|energetic|happy|lively|欢快|轻快|动感", _I),
}
_SHADOWS = {
    "captions_off": "captions_on",
    "music_off": "music_on",
    "title_off": "title",
    "voice_off": "voice_on",
}


def find_intents(message: str) -> list[tuple[Rule, re.Match[str]]]:
    found: list[tuple[Rule, re.Match[str]]] = []
    seen: set[str] = set()
    rest = message
    for rule in RULES:
        if rule.intent in seen or _SHADOWS.get(rule.intent, "") in seen:
            continue
        match = rule.pattern.search(rest)
        if match is None:
            continue
        found.append((rule, match))
        seen.update({rule.intent, _SHADOWS.get(rule.intent, rule.intent)})
        if "quoted" in match.groupdict():
            rest = rest[: match.start()] + " " + rest[match.end() :]
    return found
