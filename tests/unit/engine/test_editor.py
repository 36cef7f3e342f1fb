"""The rule-based editor: each intent, in English and Chinese, on a draft in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.agent.editor import EditLimits, EditOutcome, chance, edit
from engine.draft import Draft, Segment, TrackType, empty_draft, is_exportable, spoken_text
from engine.state.sessions import Upload

LIMITS = EditLimits(default_s=15, min_s=5, max_s=60)
PHOTO = Upload(
    filename="city.jpg",
    file_type="image",
    format="jpg",
    cdn_url="http://engine/files/uploads/1/a.jpg",
    path=Path("a.jpg"),
    size=1000,
    hash="h",
    width=1920,
    height=1080,
    colours=["dark blue", "orange"],
)


def _explained() -> Draft:
    draft = edit("explain", empty_draft(), None, [PHOTO], LIMITS).draft
    assert draft is not None
    return draft


def _apply(message: str, draft: Draft | None = None) -> EditOutcome:
    return edit(message, draft or _explained(), None, [PHOTO], LIMITS)


def _texts(draft: Draft, role: str) -> list[str]:
    """The texts of `role` drawn on the video (hidden ones are not)."""
    return [
        segment["text"]
        for track in draft["t"]
        if track["tt"] == TrackType.TEXT
        for segment in track["sg"]
        if segment.get("role") == role and not segment.get("hide")
    ]


def test_explain_builds_the_explainer_from_the_latest_upload() -> None:
    outcome = edit("explain this", empty_draft(), None, [PHOTO], LIMITS)

    draft = outcome.draft
    assert draft is not None and is_exportable(draft)
    assert [step.name for step in outcome.steps] == ["analyze_media", "build_explainer"]
    assert draft["d"] == 15000
    # One scene per part (intro; what and how; this picture; closing), each dissolving into the
    # next, edge to edge over the whole video: still behind the cards, zooming in between.
    scenes = draft["t"][0]["sg"]
    assert {scene["src"] for scene in scenes} == {PHOTO.cdn_url}
    assert [scene["motion"] for scene in scenes] == ["none", "zoom_in", "zoom_in", "none"]
    assert [scene.get("xfade", 0) > 0 for scene in scenes] == [False, True, True, True]
    ends = [scene["s"] + scene["d"] for scene in scenes]
    assert [scene["s"] for scene in scenes] == [0, *ends[:-1]] and ends[-1] == 15000
    assert _texts(draft, "card")[0] == "What is an AI image?"
    captions = _texts(draft, "caption")
    assert len(captions) == 3
    assert "1920×1080, landscape, mostly dark blue and orange" in captions[2]
    assert "city.jpg" in outcome.reply


def test_anything_not_understood_explains_once_there_is_an_upload() -> None:
    outcome = edit("lorem ipsum", empty_draft(), None, [PHOTO], LIMITS)

    assert outcome.draft is not None and is_exportable(outcome.draft)


def test_without_an_upload_it_asks_for_a_photo() -> None:
    outcome = edit("explain it please", empty_draft(), None, [], LIMITS)

    assert outcome.draft is None and not outcome.steps
    assert "photo" in outcome.reply


@pytest.mark.parametrize(
    ("message", "aspect", "size"),
    [
        ("make it 9:16", "9:16", (1080, 1920)),
        ("vertical please", "9:16", (1080, 1920)),
        ("改成竖屏", "9:16", (1080, 1920)),
        ("square", "1:1", (1080, 1080)),
        ("back to 16:9", "16:9", (1920, 1080)),
    ],
)
def test_aspect(message: str, aspect: str, size: tuple[int, int]) -> None:
    start = _apply("make it 9:16" if aspect == "1:1" else "make it 1:1").draft

    draft = _apply(message, start).draft

    assert draft is not None
    assert (draft["m"]["aspect"], draft["m"]["width"], draft["m"]["height"]) == (aspect, *size)


def test_aspect_without_an_upload_changes_only_the_canvas() -> None:
    outcome = edit("vertical", empty_draft(), None, [], LIMITS)

    assert outcome.draft is not None and outcome.draft["m"]["aspect"] == "9:16"
    assert outcome.draft["t"] == []


@pytest.mark.parametrize(
    "message",
    [
        'add a title "Urban Dreams"',
        "title: Urban Dreams",
        "标题：Urban Dreams",
        "标题「Urban Dreams」",
    ],
)
def test_title(message: str) -> None:
    draft = _apply(message).draft

    assert draft is not None
    assert _texts(draft, "title") == ["Urban Dreams"] and draft["m"]["title"] == "Urban Dreams"


def test_a_title_that_mentions_seconds_does_not_change_the_duration() -> None:
    draft = _apply('add a title "20 seconds of fame"').draft

    assert draft is not None and draft["d"] == 15000
    assert _texts(draft, "title") == ["20 seconds of fame"]


def test_remove_title() -> None:
    titled = _apply("title: Hello").draft

    draft = _apply("remove the title", titled).draft

    assert draft is not None and _texts(draft, "title") == [] and "title" not in draft["m"]


@pytest.mark.parametrize(("message", "seconds"), [
    ("make it 20 seconds", 20), ("30s", 30), ("改成 12 秒", 12), ("2 minutes", 60), ("1 sec", 5),
])  # fmt: skip
def test_duration_is_clamped_and_segments_follow(message: str, seconds: int) -> None:
    draft = _apply(message).draft

    assert draft is not None and draft["d"] == seconds * 1000
    ends = [seg["s"] + seg["d"] for track in draft["t"] for seg in track["sg"]]
    assert max(ends) == seconds * 1000


def test_captions_off_on_and_text() -> None:
    explained = _explained()
    off = _apply("no captions", explained).draft
    assert off is not None and _texts(off, "caption") == []
    # Turned back on, the same captions come back at the same times.
    on = _apply("captions on", off).draft
    assert on == explained
    custom = _apply('caption "Made by a model"', on).draft
    assert custom is not None and _texts(custom, "caption") == ["Made by a model"]
    chinese = _apply("关闭字幕").draft
    assert chinese is not None and _texts(chinese, "caption") == []


def test_music_on_and_off() -> None:
    with_music = _apply("add some lo-fi music").draft
    assert with_music is not None
    [audio] = [track for track in with_music["t"] if track["tt"] == TrackType.AUDIO]
    assert audio["sg"][0]["gen"] == "lofi" and audio["sg"][0]["d"] == 15000

    without = _apply("no music", with_music).draft
    assert without is not None and all(track["tt"] != TrackType.AUDIO for track in without["t"])
    assert _apply("去掉音乐", with_music).draft == without


@pytest.mark.parametrize(
    ("message", "preset"),
    [("add music", "lofi"), ("calm ambient music", "ambient"), ("欢快的背景音乐", "upbeat")],
)
def test_music_styles_are_the_renderers_presets(message: str, preset: str) -> None:
    outcome = _apply(message)

    assert outcome.draft is not None
    [audio] = [track for track in outcome.draft["t"] if track["tt"] == TrackType.AUDIO]
    assert audio["sg"][0]["gen"] == preset
    assert outcome.steps[-1].args == {"on": True, "preset": preset}


def test_rebuilding_keeps_canvas_title_and_music() -> None:
    edited = _apply('vertical, title "T", upbeat music').draft

    rebuilt = _apply("explain again", edited).draft

    assert rebuilt is not None and rebuilt["m"]["aspect"] == "9:16"
    assert _texts(rebuilt, "title") == ["T"]
    assert [seg["gen"] for t in rebuilt["t"] if t["tt"] == TrackType.AUDIO for seg in t["sg"]] == [
        "upbeat"
    ]


def test_several_intents_in_one_message() -> None:
    outcome = _apply('vertical, 10 seconds, title "A", add music')

    assert [step.name for step in outcome.steps] == [  # in the message's order
        "set_aspect",
        "set_duration",
        "set_title",
        "set_music",
    ]
    assert outcome.draft is not None and outcome.draft["d"] == 10000


def test_undo_restores_the_previous_draft() -> None:
    previous = _explained()

    outcome = edit("undo", _apply("vertical").draft or previous, previous, [PHOTO], LIMITS)
    nothing = edit("撤销", previous, None, [PHOTO], LIMITS)

    assert outcome.undo and outcome.draft == previous
    assert nothing.draft is None and not nothing.undo


def test_replies_follow_the_language() -> None:
    outcome = edit("解释一下这张图", empty_draft(), None, [PHOTO], LIMITS)

    assert outcome.draft is not None
    assert _texts(outcome.draft, "card")[0] == "什么是 AI 图像？"
    assert "深蓝色" in _texts(outcome.draft, "caption")[2]


def test_chance_is_fixed_by_seed_session_and_message() -> None:
    rolls = [chance(7, "1", f"message {n}", "silent") for n in range(200)]

    assert rolls == [chance(7, "1", f"message {n}", "silent") for n in range(200)]
    assert rolls != [chance(8, "1", f"message {n}", "silent") for n in range(200)]
    assert 0.2 < sum(roll < 0.3 for roll in rolls) / 200 < 0.4


CLAIM = " (metadata is the file's claim, not proof)"


@pytest.mark.parametrize(
    ("line", "says", "never"),
    [
        (
            "Provenance: AI image (trainedAlgorithmicMedia); generator: Automatic1111" + CLAIM,
            "Its own record says a model made it",
            (),
        ),
        (
            "Provenance: camera photo; camera: Canon EOS R5" + CLAIM,
            "names a camera",
            ("predicted",),
        ),
        (
            "Provenance: made or edited with software; software: GIMP 2.10" + CLAIM,
            "not whether a model made it",
            ("predicted",),
        ),
        ("Provenance: no record found in the file.", "can't tell either way", ("predicted",)),
        ("", "An AI image's pixels are predicted", ("record", "every pixel")),
    ],
    ids=["ai", "camera", "edited", "no-record", "no-line"],
)
def test_the_closing_line_claims_only_what_the_files_record_supports(
    line: str, says: str, never: tuple[str, ...]
) -> None:
    draft = edit(f"explain this\n{line}", empty_draft(), None, [PHOTO], LIMITS).draft
    assert draft is not None
    (closing,) = [
        segment.get("sub", "")
        for track in draft["t"]
        if track["tt"] == TrackType.TEXT
        for segment in track["sg"]
        if segment.get("role") == "card" and segment["s"] > 0
    ]
    assert says in closing
    for claim in never:
        assert claim not in closing


def test_an_explainer_has_a_music_bed_until_the_chat_turns_it_off() -> None:
    def music(draft: Draft) -> list[Segment]:
        return [
            seg for track in draft["t"] if track["tt"] == TrackType.AUDIO for seg in track["sg"]
        ]

    assert music(_explained()), "a music bed by default"
    quiet = _apply("no music").draft
    assert quiet is not None and not music(quiet)
    again = edit("explain this", quiet, None, [PHOTO], LIMITS).draft
    assert again is not None and not music(again), "turned off stays off for a new explainer"


@pytest.mark.parametrize("wish", ["no voice", "mute the voice", "不要配音"])
def test_no_voice_turns_the_voice_over_off_and_keeps_the_music(wish: str) -> None:
    draft = _apply(wish).draft
    assert draft is not None and draft["m"].get("voice") == "off"
    assert any(track["tt"] == TrackType.AUDIO for track in draft["t"]), "the music stays"
    again = edit("explain this", draft, None, [PHOTO], LIMITS).draft
    assert again is not None and again["m"].get("voice") == "off"


@pytest.mark.parametrize(
    ("wish", "language", "card"),
    [
        ("explain this in Chinese", "zh", "什么是 AI 图像？"),
        ("用中文讲解", "zh", "什么是 AI 图像？"),
        ("请用英文讲解", "en", "What is an AI image?"),
        ("explain this", "en", "What is an AI image?"),
    ],
)
def test_a_wish_for_a_language_sets_the_videos_language(
    wish: str, language: str, card: str
) -> None:
    draft = edit(wish, empty_draft(), None, [PHOTO], LIMITS).draft
    assert draft is not None
    assert draft["m"].get("language") == language
    assert _texts(draft, "card")[0] == card


def test_the_reply_about_the_explainer_counts_what_was_built() -> None:
    plain = edit("explain this", empty_draft(), None, [PHOTO], LIMITS)
    assert "a 15-second explainer" in plain.replies[0] and "3 captions" in plain.replies[0]
    line = "Provenance: AI image; generator: Automatic1111; model: sdxl" + CLAIM
    recorded = edit(f"explain this\n{line}", empty_draft(), None, [PHOTO], LIMITS)
    assert recorded.draft is not None
    captions = len(_texts(recorded.draft, "caption"))
    assert captions > 3 and f"{captions} captions" in recorded.replies[0]


def test_the_voice_reads_what_sounds_right_and_the_screen_keeps_the_details() -> None:
    """A seed's ten digits, the pixel size, a version and a file name's underscores are shown,
    not read aloud; the words around them are."""
    line = (
        "Provenance: AI image (trainedAlgorithmicMedia); generator: Automatic1111 v1.10.1; "
        "model: sd_xl_base_1.0; 30 steps, sampler DPM++ 2M, CFG 6.5, seed 1206884217, 1216×832"
        + CLAIM
    )
    draft = edit(f"explain this\n{line}", empty_draft(), None, [PHOTO], LIMITS).draft
    assert draft is not None
    captions = [seg for track in draft["t"] for seg in track["sg"] if seg.get("role") == "caption"]
    shown = {seg["text"]: spoken_text(seg) for seg in captions}
    settings = next(text for text in shown if text.startswith("Settings"))
    assert "seed 1206884217" in settings and "1216×832" in settings
    assert shown[settings] == "Settings: 30 steps, sampler DPM++ 2M, CFG 6.5"
    made = next(text for text in shown if text.startswith("How this one was made"))
    assert "Automatic1111 v1.10.1 · sd_xl_base_1.0" in made
    assert shown[made] == "How this one was made: Automatic eleven eleven, sd xl base 1.0"
    picture = next(text for text in shown if text.startswith("This one is"))
    assert "1920×1080" in picture and "1920" not in shown[picture]
    assert "landscape" in shown[picture]


@pytest.mark.parametrize(
    ("message", "title", "aspect", "music"),
    [
        ("make it 9:16 and add a title 'Cabin'", "Cabin", "9:16", "lofi"),
        ("加标题：你好，加上欢快的背景音乐", "你好", "16:9", "upbeat"),
        ("加上标题 你好", "你好", "16:9", "lofi"),
        ('add a title "Hello, world" and make it square', "Hello, world", "1:1", "lofi"),
    ],
)
def test_each_wish_of_a_message_is_applied_on_its_own(
    message: str, title: str, aspect: str, music: str
) -> None:
    """A title ends where its wish ends (not at the end of the line), and needs no quotes or
    colon in Chinese where the meaning is clear."""
    draft = _apply(message).draft
    assert draft is not None
    assert _texts(draft, "title") == [title] and draft["m"]["aspect"] == aspect
    [audio] = [track for track in draft["t"] if track["tt"] == TrackType.AUDIO]
    assert audio["sg"][0]["gen"] == music


@pytest.mark.parametrize("message", ["asdfghjkl", "make it sparkly", "x" * 5000, "/foo"])
def test_a_wish_that_maps_to_no_edit_is_not_understood_and_changes_nothing(message: str) -> None:
    outcome = _apply(message)

    assert outcome.draft is None and not outcome.steps
    assert outcome.reply.startswith("I didn't understand “")
    assert "make it 9:16" in outcome.reply, "with examples"
    assert len(outcome.reply) < 250, "a long message is quoted short"


def test_the_wishes_understood_are_applied_and_the_others_named() -> None:
    outcome = _apply("make it sparkly and no music")

    assert outcome.draft is not None
    assert all(track["tt"] != TrackType.AUDIO for track in outcome.draft["t"])
    assert "Removed the background music." in outcome.reply
    assert "I didn't understand “make it sparkly”" in outcome.reply


@pytest.mark.parametrize("message", ["don't add music", "no music please"])
def test_a_negated_wish_is_not_its_opposite(message: str) -> None:
    draft = _apply(message).draft
    assert draft is not None and all(track["tt"] != TrackType.AUDIO for track in draft["t"])


def test_asking_for_what_already_holds_says_so_instead_of_claiming_a_change() -> None:
    outcome = _apply("remove the title")

    assert outcome.reply == "“remove the title”: the video is already like that."


def test_the_reply_describes_the_draft_after_every_wish() -> None:
    """A photo with "make it 20 seconds": the explainer is built, then stretched; the reply
    says 20 seconds, never the length it was built at."""
    outcome = edit("make it 20 seconds", empty_draft(), None, [PHOTO], LIMITS)

    assert outcome.draft is not None and outcome.draft["d"] == 20000
    assert "a 20-second explainer" in outcome.reply and "15" not in outcome.reply


def test_the_default_request_is_understood_whole() -> None:
    """What a photo with no caption asks for: a question about it is part of the request."""
    outcome = edit(
        "explain what an AI image is and how it was created", empty_draft(), None, [PHOTO], LIMITS
    )
    assert outcome.draft is not None and "didn't understand" not in outcome.reply


def test_a_narrated_video_is_never_shorter_than_its_voice_over() -> None:
    """Squeezed below the time its sentences take, the voice would talk over itself: the
    length stops there, and the reply says why and how to go shorter."""
    words_a_second = EditLimits(speech_ms=lambda line, chinese: 1000 * len(line.split()) // 3)
    draft = edit("explain", empty_draft(), None, [PHOTO], words_a_second).draft
    assert draft is not None

    short = edit("make it 5 seconds", draft, None, [PHOTO], words_a_second)
    assert short.draft is not None and short.draft["d"] > 5000
    assert f"needs {short.draft['d'] // 1000} seconds" in short.reply and "no voice" in short.reply
    quiet = edit("no voice", draft, None, [PHOTO], words_a_second).draft
    assert quiet is not None
    shorter = edit("make it 5 seconds", quiet, None, [PHOTO], words_a_second).draft
    assert shorter is not None and shorter["d"] == 5000
