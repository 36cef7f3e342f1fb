"""The backend's GUI talk becomes actions; what it says about the content stays."""

from __future__ import annotations

from core.chat.gui_speak import GuiAction, translate
from core.texts import join_sentences


def test_click_export_becomes_an_export_and_the_content_stays() -> None:
    result = translate("I added the title. Click the Export button to download.")
    assert result.text == "I added the title."
    assert result.actions == [GuiAction.EXPORT]


def test_chinese_click_export() -> None:
    result = translate("已添加标题。点击导出按钮下载。")
    assert result.text == "已添加标题。"
    assert result.actions == [GuiAction.EXPORT]


def test_open_panel_and_preview_become_a_timeline_summary() -> None:
    assert translate("Done! Open the timeline panel.").actions == [GuiAction.SHOW_TIMELINE]
    assert translate("Preview it in the timeline.").actions == [GuiAction.SHOW_TIMELINE]


def test_drag_and_other_clicks_are_dropped_without_an_action() -> None:
    result = translate("Your clip is 9:16 now. Drag the clip to reorder. Press Play.")
    assert result.text == "Your clip is 9:16 now."
    assert result.actions == []


def test_account_talk_becomes_a_credits_read() -> None:
    assert translate("Check your account billing page.").actions == [GuiAction.SHOW_CREDITS]


def test_a_trailing_temporary_issue_after_normal_replies_is_ignored() -> None:
    assert translate("Nice photo. I encountered a temporary issue").text == "Nice photo."
    assert "temporary" in translate("I encountered a temporary issue").text


def test_plain_text_is_untouched() -> None:
    assert translate("A sunset over mountains.").text == "A sunset over mountains."


def test_a_file_name_is_not_split_into_sentences() -> None:
    assert translate("I made an explainer from dusk.jpg: a card.").text == (
        "I made an explainer from dusk.jpg: a card."
    )


def test_chinese_sentences_are_joined_without_spaces() -> None:
    assert (
        translate("已添加标题“你好”。已去掉背景音乐。").text == "已添加标题“你好”。已去掉背景音乐。"
    )
    assert join_sentences(["已添加标题“你好”。", "Aspect 16:9 → 9:16."]) == (
        "已添加标题“你好”。Aspect 16:9 → 9:16."
    )
    assert join_sentences(["Added the title.", "", "Length 15 s → 20 s."]) == (
        "Added the title. Length 15 s → 20 s."
    )
