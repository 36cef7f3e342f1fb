"""Everything the bot says. The English is written here, each text under a key (`msg`); every
other language comes from the gettext catalogs in core/locale, which `make i18n` extracts from
these calls, updates and compiles. A translator edits the .po files; the key is each message's
context, so the same English may be translated differently in two places."""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from babel.units import format_unit

from core.languages import LANGUAGES, catalog_folder, is_rtl, locale, writes_right_to_left

ACCEPTED_FORMATS = "JPG, PNG, WEBP, GIF, MP4, MOV, AVI, WEBM, MKV, MP3, WAV, M4A, AAC"
DOMAIN = "clipbridge"
LOCALE_DIR = Path(__file__).parent / "locale"
# Around a value placed in right-to-left text: a file name, a number or a command keeps its
# own direction and does not reorder the sentence around it (Unicode's first-strong isolate).
_ISOLATE = ("\u2068", "\u2069")

_ENGLISH: dict[str, str] = {}


def msg(key: str, english: str) -> str:
    """Declare the text `key` says in English (`make i18n` finds these calls); returns `key`."""
    _ENGLISH[key] = english
    return key


def text(key: str, language: str, /, **values: Any) -> str:
    """The text `key` in `language` (English where its catalog lacks it), `values` filled in."""
    english = _ENGLISH[key]
    known = language in LANGUAGES and language != "en"
    template = _catalog(language).pgettext(key, english) if known else english
    if not values:
        return template
    if is_rtl(language):
        values = {name: _isolated(str(value)) for name, value in values.items()}
    return template.format(**values)


def _isolated(value: str) -> str:
    """A value that does not itself run right to left, isolated. A text of the same language
    (a part of the card, a language's name) is left as it is: a line beginning with an isolate
    would take its direction from what follows it, or from nothing."""
    return value if writes_right_to_left(value) else f"{_ISOLATE[0]}{value}{_ISOLATE[1]}"


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / catalog_folder(language) / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with path.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    except FileNotFoundError:
        return gettext.NullTranslations()


msg("command.help", "What I do, with an example")
msg("command.new", "Start a fresh project")
msg("command.export", "Render the current timeline")
msg("command.status", "Show the timeline")
msg("command.credits", "Show the credits left")
msg("command.cancel", "Stop the current job")
msg("command.lang", "Choose the language I answer you in")
msg("command.aspect", "Default shape of new videos here: 16:9, 9:16, 1:1")
msg("command.access", "Who may export and start over in this group")
msg("command.ack", "How I acknowledge requests here: message or reaction")
msg("command.photos", "Answer photos sent here without a mention")
msg("stage.queued", "⏳ In line: {ahead} ahead of yours.")
msg("stage.received", "⏳ Got it…")
msg("stage.preparing", "⚙️ Setting things up…")
msg("stage.uploading", "📤 Uploading {name}…")
msg("stage.thinking", "🧠 Working on it…")
msg("stage.still_working", "⏳ Still working...")
msg("stage.rendering", "🎬 Rendering… {percent}%")
msg("stage.rendering_left", "🎬 Rendering… {percent}% · about {left} left")
msg("stage.delivering", "📦 Sending the video…")
msg("stage.done", "✅ Done.")
msg("stage.failed", "❌ That didn't work.")
msg("stage.cancelled", "🛑 Cancelled.")
msg("stage.item", " ({index}/{count})")
msg("stage.elapsed", " · {elapsed}")
msg("button.export", "Export")
msg("button.export_again", "Export again")
msg("button.refine", "Refine")
msg("button.new", "New")
msg("form.refine_label", "What should change?")  # the Refine form's one field
msg("button.not_yours", "These buttons belong to the person who asked.")
msg("reply.refine_prompt", "What should change? Reply to this message.")
msg(
    "reply.unsupported_attachment",
    "I can explain images and videos; that file is {kind}. Send a JPG, PNG, WEBP, GIF or "
    "MP4 instead.",
)
msg("reply.no_image", "That message has no image or video to explain.")
msg(
    "reply.unknown_chat",
    "I can't tell which chat this came from, so I can't work on it. Try again in a "
    "channel, or in a direct message to me.",
)
msg(
    "reply.late_by_dm",
    "I'm not a member of this chat: whatever takes over 15 minutes comes to your direct messages.",
)
msg(
    "help",
    "Send me a photo and I'll turn it into a 1080p video that explains it. Add a caption "
    "to say what you want, for example “make it 9:16” or “add a title 'Sunset'”. Then say "
    "export, status, credits, new or cancel.",
)
msg("reply.offer_export", "{text}\n\nSay “export” when you're happy with it.")
msg("change.made", "The video: {parts}.")
msg("change.made_seconds", "{seconds} s")
msg("change.made_captions", "{count} captions")
msg("change.made_music", "music “{name}”")
msg("change.title_added", "Added the title “{title}”.")
msg("change.title_removed", "Removed the title “{title}”.")
msg("change.title", "Title “{old}” → “{new}”.")
msg("change.aspect", "Aspect {old} → {new}.")
msg("change.length", "Length {old} s → {new} s.")
msg("change.music_added", "Added music “{name}”.")
msg("change.music_removed", "Removed the music.")
msg("change.music", "Music “{old}” → “{new}”.")
msg("change.volume", "Music volume {old}% → {new}%.")
msg("change.captions_on", "Captions on ({count}).")
msg("change.captions_off", "Captions off.")
msg("change.captions", "Captions changed ({count}).")
msg("change.voice_on", "Voice-over on.")
msg("change.voice_off", "Voice-over off.")
msg("change.language", "Video language {old} → {new}.")
msg(
    "change.unknown",
    "Your wish reached the video service, but it cannot show me the video right now; say "
    "“status” in a moment to see it.",
)
msg(
    "change.none",
    "Nothing in the video changed. You could say “make it 9:16” or “add the title 'Hello'”.",
)
msg("reply.unknown_command", "I don't know the command /{command}. /help lists what I can do.")
msg(
    "reply.send_as_file",
    "Telegram re-compresses photos and removes their records: send the picture “as a "
    "file” (📎 → File) to keep its record.",
)
msg(
    "reply.small_picture",
    "This picture is only {width}×{height} pixels, so it will look blocky at 1080p: a "
    "larger original makes a sharper video.",
)
msg("reply.nothing_to_export", "There's nothing to export yet: send me a photo first.")
msg("reply.send_a_file", "Send the photo or video as an attachment and I'll take it from there.")
msg("reply.credits", "Credits: {available} available, {frozen} reserved, {total} in total.")
msg("reply.new_session", "Started fresh: your next photo begins a new project.")
msg("reply.cancelling", "Stopping it…")
msg("reply.nothing_to_cancel", "Nothing is running.")
msg("reply.cancel_not_yours", "Only the person who asked for it or a group admin can cancel it.")
msg("reply.language_set", "I'll answer you in English.")
msg(
    "reply.language_set_chat",
    "In this group I'll answer in {name}, except to people who chose their own language "
    "with /lang.",
)
msg("reply.language_auto", "Back to the automatic choice: I'll answer you in {name}.")
msg(
    "reply.language_usage",
    "I answer you in {current}. To change it, say /lang and a code: {choices}. /lang auto "
    "goes back to your app's language.",
)
msg("reply.language_usage_group", "An admin can set the whole group's language: /lang group CODE.")
msg(
    "reply.video_language",
    "The video itself is in {video}: its voice and lettering do not cover {language} yet.",
)
msg("reply.admins_only", "In this group only admins can do that.")
msg("reply.access_set", "From now on {who} can export and start over in this group.")
msg("reply.access_usage", "Say /access admins or /access anyone.")
msg("reply.not_here", "I don't work in this channel here. An admin can add it with /channels.")
msg("reply.channels_set", "I now work in: {where}.")
msg("reply.channels_everywhere", "every channel")
msg("reply.channels_count", "{count} listed channel(s)")
msg("reply.channels_usage", "Say /channels add (this channel), remove, or all.")
msg("access.anyone", "anyone")
msg("access.admins", "only admins")
msg("reply.empty_timeline", "The timeline is empty: send me a photo to start.")
msg(
    "video.caption",
    "🎬 Your video · {size} · {duration}\nKeep editing it in the web editor: {link}",
)
msg("video.caption_plain", "🎬 Your video · {size} · {duration}")
msg(
    "video.smaller_copy",
    "The original is {original}, over this chat's {limit} limit, so this is a smaller copy.",
)
msg(
    "video.link_only",
    "🎬 Your video is ready ({size}), but it is over this chat's {limit} upload limit. "
    "Download it here: {url}",
)
msg("problem.1001", "The video service didn't accept our sign-in. Please try again in a moment.")
msg(
    "problem.1002",
    "Your project had expired and a new one could not be started. Please send the photo again.",
)
msg(
    "problem.2001.anonymous",
    "You're out of free credits. Register to get more and keep this project: {link}",
)
msg(
    "problem.2001.registered",
    "The video account is out of credits. The bot's operator needs to top it up.",
)
msg("problem.4001", "I can't use that file type. Send one of: {formats}.")
msg(
    "problem.4002",
    "That file is too large (the limit is {limit}). Compress or trim it and send it again.",
)
msg("problem.http_400", "The video service refused the request. Please try again.")
msg(
    "problem.http_402",
    "Exporting isn't included in the video service plan in use. This is a subscription "
    "limit, not a credits problem.",
)
msg(
    "problem.http_403",
    "The video service token lacks the “{scope}” permission, so this can't work until the "
    "bot's operator fixes it.",
)
msg("problem.http_429", "The video service is busy. Please try again in a minute.")
msg(
    "problem.anonymous_refused",
    "The video service won't issue another free account to this bot right now. The bot's "
    "operator should set NEMO_TOKEN.",
)
msg(
    "problem.backend_unavailable",
    "The video service isn't answering right now. Please try again in a few minutes.",
)
msg(
    "problem.no_answer",
    "The video service didn't answer your message, and nothing in your video changed. "
    "Please send it again.",
)
msg("problem.render_failed", "The render failed. Please try again.")
msg(
    "problem.render_timeout",
    "The render is taking far longer than it should, so I stopped waiting. Please try again.",
)
msg(
    "problem.attachment_unavailable",
    "I couldn't fetch that file from the chat ({reason}). Send a smaller file, or a different one.",
)
msg("problem.empty_file", "That file is empty (0 bytes). Send the photo or video again.")
msg(
    "problem.rate_limited",
    "You're sending messages faster than this bot allows. Try again in {wait}.",
)
msg(
    "problem.queue_full",
    "{count} messages are already waiting in this chat. Send this again once they are done.",
)
msg(
    "problem.quota_user",
    "You've reached the limit of {count} videos {period}. Try again in {wait}.",
)
msg(
    "problem.quota_chat",
    "This chat has reached its limit of {count} videos {period}. Try again in {wait}.",
)
msg(
    "problem.budget",
    "This chat has used its credits budget for today ({budget}). It renews in {wait}.",
)
msg("period.hour", "per hour")
msg("period.day", "per day")
msg("reply.private", "This bot isn't open to this chat.")
msg("reply.credits_budget", "This chat: {left} of its {budget} credits left today.")
msg("reply.operators_only", "Only the bot's operators can change that.")
msg("reply.limit_set", "{name} is now {value} here.")
msg("reply.limit_usage", "Say /limit NAME VALUE, NAME one of: {names}.")
msg("reply.aspect_set", "New videos here will be {aspect}.")
msg("reply.aspect_usage", "Say /aspect 16:9, 9:16, 1:1 or off.")
msg("reply.photos_set", "In this group I now answer plain photos: {state}.")
msg("reply.ack_message", "In this group I now answer each request with a progress message.")
msg(
    "reply.ack_reaction",
    "In this group I now react to each request instead of posting progress: 👀 received, ✍ "
    "working, 🎉 done. The video and any problem still come as replies.",
)
msg("reply.ack_usage", "Say /ack message or /ack reaction.")
msg(
    "reply.ack_groups_only",
    "/ack is for groups: in a private chat I always answer with a progress message.",
)
msg("reply.photos_usage", "Say /photos on or /photos off.")
msg("state.on", "on")
msg("state.off", "off")
msg("problem.internal", "Something went wrong on our side. The chat can go on: please try again.")
msg("problem.gave_up", "This message failed several times, so I skipped it. Please send it again.")

# Punctuation that differs between languages (full-width in Chinese and Japanese).
msg("punct.sentence", "{text}.")
msg("punct.aside", "{text} ({aside})")
msg("punct.comma", ", ")
msg("punct.semicolon", "; ")


def join_sentences(parts: Iterable[str]) -> str:
    """Sentences as one text: a space after each, except after a full-width (Chinese) stop."""
    text = ""
    for part in (part.strip() for part in parts):
        if part:
            text += part if not text or text[-1] in "。！？；：" else f" {part}"
    return text


def human_size(size_bytes: int, language: str = "en") -> str:
    """ "1.5 MB", with the language's decimal sign ("1,5 MB")."""
    for unit, shift in (("GB", 30), ("MB", 20)):
        if size_bytes >= 1 << shift:
            number = format_decimal(size_bytes / (1 << shift), "0.0", **_numbers(language))
            return f"{number} {unit}"
    return f"{max(1, size_bytes // 1024)} KB"


def human_duration(seconds: float, language: str = "en") -> str:
    """ "1m 5s", "1 min 5 s", "1分钟5秒": minutes and seconds in the language's short units."""
    minutes, secs = divmod(round(seconds), 60)
    # CLDR's narrow Japanese units are Latin letters ("1m5s"); its short ones are Japanese.
    style: dict[str, Any] = {"length": "short" if language == "ja" else "narrow"}
    style |= _numbers(language)
    said = format_unit(secs, "duration-second", **style)
    if not minutes:
        return said
    head = format_unit(minutes, "duration-minute", **style)
    return f"{head}{'' if language == 'zh' else ' '}{said}"


def _numbers(language: str) -> dict[str, Any]:
    # Western digits in every language: the numbers the bot's texts carry are written so.
    return {"locale": locale(language), "numbering_system": "latn"}
