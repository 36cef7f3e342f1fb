"""Routing before anything is sent: the table's phrases, word boundaries, and the edge cases."""

from __future__ import annotations

import pytest

from core.intents import Intent, route


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("export", Intent.EXPORT),
        ("Export!", Intent.EXPORT),
        ("please export the video now", Intent.EXPORT),
        ("download", Intent.EXPORT),
        ("send me the video", Intent.EXPORT),
        ("导出", Intent.EXPORT),
        ("导出视频", Intent.EXPORT),
        ("credits", Intent.CREDITS),
        ("how many credits do I have", Intent.CREDITS),
        ("balance", Intent.CREDITS),
        ("积分", Intent.CREDITS),
        ("余额", Intent.CREDITS),
        ("status", Intent.STATUS),
        ("show tracks", Intent.STATUS),
        ("状态", Intent.STATUS),
        ("upload", Intent.UPLOAD),
        ("上传", Intent.UPLOAD),
        ("cancel", Intent.CANCEL),
        ("取消", Intent.CANCEL),
        ("help", Intent.HELP),
    ],
)
def test_table_phrases_route_to_their_action(message: str, intent: Intent) -> None:
    assert route(message) is intent


@pytest.mark.parametrize(
    "message",
    [
        "exported",  # a different word
        "I exported this from Lightroom, make it 9:16",  # a sentence about something else
        "don't export yet, add a title",  # negated
        "不要导出",  # negated, Chinese
        'add a title "Export"',  # quoted content is never a command
        "add a title 'Download now'",
        "make it 9:16 and export",  # an edit first: the agent decides, then offers export
        "explain what an AI image is and how it was created",
        "what is the status of the lo-fi track in the middle of my video please",  # long
        "re-export",  # hyphenated compound
        "",
    ],
)
def test_edits_and_look_alikes_go_to_the_agent(message: str) -> None:
    assert route(message) is Intent.EDIT


def test_a_file_is_an_upload_whatever_the_caption_says() -> None:
    assert route("export", has_attachments=True) is Intent.UPLOAD


def test_an_explicit_command_wins_over_the_words() -> None:
    assert route("make it 9:16", command="/export") is Intent.EXPORT
    assert route("", command="lang") is Intent.LANGUAGE
    assert route("whatever", command="foo") is Intent.UNKNOWN  # answered, never sent on


def test_control_characters_and_bidi_marks_do_not_hide_a_command() -> None:
    assert route("\u202eexport\u200f\x07") is Intent.EXPORT
