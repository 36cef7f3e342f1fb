"""Properties that hold for any input: routing, the backend's shapes, the SSE reader, the timeline
summary and the GUI-speak translation never raise on what a user or a backend can send, and never
pass raw backend data on to a chat."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.backend import canvas_and_duration, is_exportable, summarise
from core.backend.nemo.models import AgentEvent, EventKind
from core.backend.nemo.shapes import (
    agent_events,
    data_of,
    parse_expiry,
    raise_for_result,
    render_status,
    uploaded_files,
)
from core.backend.nemo.sse import StreamCursor, read_agent_events
from core.chat.gui_speak import translate
from core.errors import ClipbridgeError
from core.intents import COMMANDS, ROUTES, Intent, normalise, route

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- alphabets -------------------------------------------------------------------------------------

# Direction marks, embeddings, isolates, zero-width joiners and spaces, a BOM, C0/C1 controls.
MARKS = (
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\x00\x07\x1b\x7f\x9c"
)
SPACES = " \t\n\r\x0b\x0c\x1c\x85\u00a0\u2028\u2029\u3000\u2003"
QUOTES = "\"'“”「」«»’‘"
COMBINING = "\u0301\u0308\u0327\u20dd"
CJK = re.compile("[\u3400-\u9fff]")
PAIRS = (('"', '"'), ("“", "”"), ("「", "」"), ("«", "»"), (" '", "' "))
PHRASES = sorted(
    {p for _, phrases in ROUTES for p in (*phrases.english, *phrases.chinese)} | set(COMMANDS)
)
WORDS = (*PHRASES, "don't", "not", "no", "不要", "别", "please", "add", "make it 9:16", "a", "加")

marks = st.text(alphabet=MARKS, max_size=3)
any_text = st.text()  # every code point but surrogates: controls, RTL, unassigned, private use
# Messages built from the routing table's own words, marks, quotes and noise.
wordy_text = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(tuple(MARKS + SPACES + QUOTES + COMBINING)),
        st.text(max_size=4),
    ),
    max_size=10,
).flatmap(lambda parts: st.sampled_from((" ", "")).map(lambda sep: sep.join(parts)))
messages = st.one_of(any_text, wordy_text)
# A piece (table words and all) repeated to 100 KB.
hundred_kb = st.one_of(st.text(min_size=1, max_size=40), wordy_text.filter(bool)).map(
    lambda piece: (piece * (100_000 // len(piece) + 1))[:100_000]
)


def _quote_free(text: str) -> bool:
    """True when no character of `text` is, or normalises into, a quote mark."""
    folded = unicodedata.normalize("NFKC", text)
    return not any(q in text or q in folded for q in QUOTES)


def _with_marks(text: str, inserted: list[str]) -> str:
    """`text` with the given runs of invisible marks inserted before each character in turn."""
    out = []
    for index, char in enumerate(text):
        out.append(inserted[index % len(inserted)] if inserted else "")
        out.append(char)
    return "".join(out)


# -- core.intents.route ----------------------------------------------------------------------------


@FAST
@given(text=messages, attachments=st.booleans(), command=st.none() | any_text)
def test_route_always_returns_an_intent(text: str, attachments: bool, command: str | None) -> None:
    assert isinstance(route(text, has_attachments=attachments, command=command), Intent)


@FEW
@given(text=hundred_kb)
def test_route_takes_a_hundred_kilobyte_message_as_an_edit(text: str) -> None:
    intent = route(text)
    assert isinstance(intent, Intent)
    clean = normalise(text)
    if _quote_free(text) and len(clean.split()) > 6 and not CJK.search(clean):
        assert intent is Intent.EDIT  # a paragraph is never a control phrase


@FAST
@given(words=st.lists(st.sampled_from(WORDS) | st.text(max_size=4), max_size=8), data=st.data())
def test_any_whitespace_separates_words(words: list[str], data: st.DataObject) -> None:
    gaps = [data.draw(st.text(alphabet=SPACES, min_size=1, max_size=2)) for _ in words]
    spaced = "".join(word + gap for word, gap in zip(words, gaps, strict=True))
    assert route(spaced) is route(" ".join(words))


def test_a_carriage_return_separates_words() -> None:
    assert route("send me\rthe video") is Intent.EXPORT


@FAST
@given(text=st.text(alphabet=MARKS + SPACES))
def test_whitespace_and_invisible_marks_alone_are_an_edit(text: str) -> None:
    assert route(text) is Intent.EDIT


@FAST
@given(text=messages, command=st.sampled_from((None, "")))
def test_a_file_without_a_command_is_an_upload_whatever_its_caption(
    text: str, command: str | None
) -> None:
    assert route(text, has_attachments=True, command=command) is Intent.UPLOAD


@FAST
@given(command=st.sampled_from(sorted(COMMANDS)), slash=st.booleans(), upper=st.booleans())
def test_commands_route_by_name_in_any_case(command: str, slash: bool, upper: bool) -> None:
    name = ("/" if slash else "") + (command.upper() if upper else command)
    assert route("export", has_attachments=True, command=name) is COMMANDS[command]


@FAST
@given(text=messages, inserted=st.lists(marks, min_size=1, max_size=4))
@example(text="help\u0301", inserted=["\u200e"])  # a mark between a letter and its accent
def test_invisible_marks_never_change_the_route(text: str, inserted: list[str]) -> None:
    assert route(_with_marks(text, inserted)) is route(text)


@FAST
@given(
    before=messages.filter(_quote_free),
    quoted=st.one_of(st.sampled_from(PHRASES), messages).filter(_quote_free),
    after=messages.filter(_quote_free),
    pair=st.sampled_from(PAIRS),
)
@example(before="不x", quoted="y", after="导出", pair=('"', '"'))  # the negation stays in reach
def test_quoted_words_are_content_never_a_command(
    before: str, quoted: str, after: str, pair: tuple[str, str]
) -> None:
    opening, closing = pair
    with_quote = f"{before} {opening}{quoted}{closing} {after}"
    assert route(with_quote) is route(f"{before} {after}")


@FAST
@given(
    words=st.lists(
        st.sampled_from([w for w in WORDS if w.isascii()])
        | st.text(alphabet=st.characters(codec="ascii"), max_size=4),
        max_size=6,
    )
)
def test_routing_ignores_case(words: list[str]) -> None:
    text = " ".join(words)
    assert route(text.upper()) is route(text.lower())


# -- JSON of any shape, leaning towards the keys the backend's shapes use ----------------------

KEYS = (
    "code",
    "msg",
    "message",
    "error",
    "success",
    "data",
    "status",
    "output",
    "outputUrl",
    "output_url",
    "url",
    "progress",
    "id",
    "type",
    "content",
    "parts",
    "text",
    "name",
    "functionCall",
    "functionResponse",
    "files",
    "cdn_url",
    "filename",
    "file_type",
    "width",
    "height",
    "duration",
    "t",
    "tt",
    "sg",
    "d",
    "s",
    "m",
    "vol",
    "role",
)
ODD_NUMBERS = (float("nan"), float("inf"), -float("inf"), 10**400, -(10**400), 1e308, -0.0, True)
ODD_STRINGS = ("²", "--5", "٣", " 12 ", "9" * 5000, "completed", "done", "failed", "text", "")
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.sampled_from(ODD_NUMBERS),
    st.sampled_from(ODD_STRINGS),
    st.sampled_from(KEYS),
    any_text,
)
json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6),
    ),
    max_leaves=25,
)
json_objects = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), json_values, max_size=6)
words = st.sampled_from(("pending", "processing", "completed", "done", "failed", "")) | scalars
render_data = st.fixed_dictionaries(
    {},
    optional={
        "status": words,
        "progress": scalars,
        "outputUrl": scalars,
        "output_url": scalars,
        "output": st.fixed_dictionaries({}, optional={"url": scalars}) | scalars,
        "id": scalars,
        "msg": scalars,
        "files": st.lists(
            st.fixed_dictionaries(
                {"cdn_url": scalars},
                optional={k: scalars for k in ("filename", "file_type", "width", "duration")},
            )
            | scalars,
            max_size=3,
        )
        | scalars,
    },
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "code": scalars,
        "msg": scalars,
        "message": scalars,
        "success": scalars,
        "data": render_data | json_values,
        "status": words,
        "output": st.fixed_dictionaries({}, optional={"url": scalars}) | scalars,
        "progress": scalars,
        "id": scalars,
    },
)
payloads = st.one_of(envelopes, json_values, json_objects)
statuses = st.one_of(
    st.sampled_from((200, 201, 400, 401, 402, 403, 404, 429, 500, 503)), st.integers()
)
headers = st.dictionaries(
    st.sampled_from(("retry-after", "content-type")) | st.text(max_size=8), any_text, max_size=3
)


# -- core.backend.nemo.shapes ----------------------------------------------------------------------


@FAST
@given(status=statuses, payload=payloads, extra=headers)
@example(status=200, payload={"code": "²"}, extra={})
@example(status=200, payload={"code": "9" * 5000}, extra={})
def test_result_codes_raise_only_clipbridge_errors(
    status: int, payload: Any, extra: dict[str, str]
) -> None:
    with contextlib.suppress(ClipbridgeError):
        raise_for_result(status, payload, extra)


@FAST
@given(payload=payloads, render_id=any_text)
@example(payload={"status": "done", "progress": float("nan")}, render_id="r")
@example(payload={"data": {"status": "processing", "progress": 10**400}}, render_id="r")
def test_render_status_reads_anything_or_raises_a_clipbridge_error(
    payload: Any, render_id: str
) -> None:
    try:
        status = render_status(payload, render_id)
    except ClipbridgeError:
        return
    assert status.phase in ("pending", "processing", "completed", "failed")
    assert isinstance(status.progress, int)


@FAST
@given(payload=payloads, value=json_values | scalars)
def test_other_readers_raise_only_clipbridge_errors(payload: Any, value: Any) -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with contextlib.suppress(ClipbridgeError):
        uploaded_files(data_of(payload))
    expiry = parse_expiry(value, now)
    assert expiry.tzinfo is not None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


broken_objects = st.tuples(
    st.dictionaries(
        st.sampled_from(KEYS) | st.text(max_size=6), json_values, min_size=1, max_size=4
    ),
    st.floats(0.0, 1.0),
    st.sampled_from(("", " ", "\n", "\t ", "\u3000", "\ufeff", "\u200b", "\u200e ")),
).map(lambda t: t[2] + _dumps(t[0])[: max(1, int(len(_dumps(t[0])) * t[1]) - 1)])
data_strings = st.one_of(
    json_values.map(_dumps),
    broken_objects,
    any_text,
    st.integers(1, 100_000).map(lambda n: "[" * n),
    st.integers(1, 5_000).map(lambda n: '{"content":' * n),
)


@FAST
@given(data=data_strings)
def test_agent_events_read_any_data_line(data: str) -> None:
    events = agent_events(data)
    assert all(isinstance(event, AgentEvent) for event in events)


@FAST
@given(data=broken_objects)
@example(data='\ufeff{"type": "text"')
def test_a_broken_json_object_never_reaches_the_user(data: str) -> None:
    try:
        json.loads(data)
    except ValueError:
        texts = [event.text for event in agent_events(data) if event.kind is EventKind.TEXT]
        assert not any("{" in text or "}" in text for text in texts), texts


@FAST
@given(content=any_text.filter(str.strip))
@example(content="line one\u2028line two")
def test_text_events_keep_every_character(content: str) -> None:
    assert agent_events(_dumps({"type": "text", "content": content})) == [
        AgentEvent(EventKind.TEXT, text=content)
    ]


# -- core.backend.nemo.sse.read_agent_events -------------------------------------------------------


class Chunks(httpx.AsyncByteStream):
    """A response body that arrives in the given pieces."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def read_events(chunks: list[bytes]) -> tuple[list[AgentEvent], str]:
    response = httpx.Response(
        200, stream=Chunks(chunks), headers={"content-type": "text/event-stream"}
    )
    cursor = StreamCursor()

    async def collect() -> list[AgentEvent]:
        return [event async for event in read_agent_events(response, cursor)]

    return asyncio.run(collect()), cursor.last_event_id


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(body) + 1) for cut in cuts} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


sse_lines = st.one_of(
    json_values.map(lambda v: f"data: {_dumps(v)}"),
    any_text.map(lambda t: f"data: {_dumps({'type': 'text', 'content': t})}"),
    any_text.map(lambda t: f"data:{t}"),
    any_text.map(lambda t: f":{t}"),
    any_text.map(lambda t: f"id: {t}"),
    st.sampled_from(("", "", "data:", "retry: 10", "retry: ²", "event: message", "id")),
    any_text,
)
sse_bodies = st.one_of(
    st.lists(st.tuples(sse_lines, st.sampled_from(("\n", "\r\n", "\r"))), max_size=12).map(
        lambda lines: "".join(line + end for line, end in lines).encode()
    ),
    st.binary(max_size=300),
)


@FAST
@given(body=sse_bodies, cuts=st.lists(st.integers(0, 10_000), max_size=8))
@example(body='data: {"type":"text","content":"a\u2028b"}\n\n'.encode(), cuts=[])
@example(body=b'data: "\xc3\xa9"\r\n\r\n', cuts=[7, 8, 11])  # cut inside é and inside CRLF
def test_the_sse_reader_yields_the_same_events_however_the_body_is_cut(
    body: bytes, cuts: list[int]
) -> None:
    whole = read_events([body])
    assert read_events(split(body, cuts)) == whole
    assert read_events([bytes([b]) for b in body]) == whole


@FAST
@given(
    contents=st.lists(any_text.filter(str.strip), min_size=1, max_size=5),
    end=st.sampled_from(("\n", "\r\n", "\r")),
    cuts=st.lists(st.integers(0, 10_000), max_size=8),
)
def test_every_text_event_arrives_whole(contents: list[str], end: str, cuts: list[int]) -> None:
    body = "".join(
        f"id: {n}{end}data: {_dumps({'type': 'text', 'content': c})}{end}{end}"
        for n, c in enumerate(contents)
    ).encode()
    events, last_id = read_events(split(body, cuts))
    assert [event.text for event in events] == contents
    assert last_id == str(len(contents) - 1)


# -- core.backend.timeline -------------------------------------------------------------------------

segments = st.dictionaries(
    st.sampled_from(("s", "d", "name", "vol", "role", "text")), json_values | scalars
)
tracks = st.one_of(
    st.fixed_dictionaries(
        {"tt": st.sampled_from((0, 1, 7, 3, 0.0, -1, *ODD_NUMBERS)) | scalars},
        optional={"sg": st.lists(segments | scalars, max_size=4) | scalars},
    ),
    json_values,
)
drafts = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"t": st.lists(tracks, max_size=5) | scalars},
        optional={"d": scalars, "m": json_values},
    ),
)


@FAST
@given(draft=drafts, language=st.sampled_from(("en", "zh")) | any_text)
def test_any_draft_summarises_in_the_users_language(draft: Any, language: str) -> None:
    summary = summarise(draft, language)
    assert summary.startswith("时间线" if language == "zh" else "Timeline")
    assert isinstance(is_exportable(draft), bool)
    width, height, seconds = canvas_and_duration(draft)
    assert isinstance(width, int) and isinstance(height, int) and seconds == seconds


# -- core.chat.gui_speak ---------------------------------------------------------------------------

GUI_WORDS = (
    "Click",
    "click",
    "CLICK",
    "Clicking",
    "clicked",
    "double-click",
    "right-click",
    "clic\u212a",  # a Kelvin sign folds to k
    "点击",
    "Export button",
    "open the panel",
    "drag",
    "导出",
    "preview in the timeline",
    "check your account",
    "I encountered a temporary issue",
)
gui_text = st.lists(
    st.one_of(
        st.sampled_from(GUI_WORDS),
        st.sampled_from((". ", "! ", "? ", "。", "\n", " ", "", ".")),
        st.text(max_size=6),
    ),
    max_size=14,
).map("".join)


@FAST
@given(text=st.one_of(gui_text, any_text))
@example(text="Clicking the button works.")
def test_translated_replies_never_ask_for_a_click(text: str) -> None:
    result = translate(text)
    assert "click" not in result.text.lower() and "点击" not in result.text
    assert len(result.actions) == len(set(result.actions))
