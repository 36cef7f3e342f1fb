"""Parse modes as the Bot API applies them: formatted source in, plain text and entities out.

A message sent with ``parse_mode="HTML"`` comes back from Telegram as plain text plus
``entities``; an unescaped ``<`` or ``.`` (MarkdownV2) is refused with 400 "can't parse
entities". The fake does the same, so an adapter that forgets to escape user text fails here
as it would in production. Offsets count UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from typing import Any

from tests.fakes.telegram.objects import JSON, utf16_len
from tests.fakes.telegram.wire import bad_request

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_CHAR_REF = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_MD_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}
_MD_MARKERS["||"] = "spoiler"
_MD_LINK = re.compile(r"\[[^\]]*\]\(")


def apply_parse_mode(
    source: str, parse_mode: str | None, entities: list[JSON] | None
) -> tuple[str, list[JSON]]:
    """Plain text and entities for `source`; explicit `entities` win over a parse mode."""
    if entities or not parse_mode:
        return source, list(entities or [])
    mode = parse_mode.lower()
    try:
        if mode == "html":
            return _Builder().html(source)
        if mode in ("markdownv2", "markdown"):
            return _Builder().markdown(source, legacy=mode == "markdown")
    except _ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    raise bad_request("unsupported parse_mode")


class _ParseError(Exception):
    pass


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


class _Builder:
    """Accumulates plain text and entities while a parser walks the source."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[JSON] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def close(self, kind: str, start: int, **extra: Any) -> None:
        if self.length > start:
            self.entities.append(
                {"offset": start, "length": self.length - start, "type": kind, **extra}
            )

    def result(self) -> tuple[str, list[JSON]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities

    def html(self, src: str) -> tuple[str, list[JSON]]:
        # (tag, attributes, start offset) of each open tag
        stack: list[tuple[str, dict[str, str], int]] = []
        i = 0
        while i < len(src):
            if src[i] == "&":
                ref = _CHAR_REF.match(src, i)
                self.add(html.unescape(ref.group(0)) if ref else "&")
                i = ref.end() if ref else i + 1
            elif src[i] != "<":
                stop = re.compile("[<&]").search(src, i)
                self.add(src[i : stop.start() if stop else len(src)])
                i = stop.start() if stop else len(src)
            elif src.startswith("</", i):
                i = self._html_end_tag(src, i, stack)
            else:
                i = self._html_start_tag(src, i, stack)
        if stack:
            raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
        return self.result()

    def _html_start_tag(
        self, src: str, i: int, stack: list[tuple[str, dict[str, str], int]]
    ) -> int:
        end = src.find(">", i)
        if end < 0:
            raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(src, i)}")
        name = re.split(r"[\s>]", src[i + 1 : end + 1], maxsplit=1)[0].lower()
        if name not in _HTML_TAGS:
            raise _ParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, i)}'
            )
        attributes = {
            m.group(1).lower(): html.unescape((m.group(2) or "").strip("\"'"))
            for m in _ATTRIBUTE.finditer(src, i + 1 + len(name), end)
        }
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise _ParseError('Tag "span" must have class "tg-spoiler"')
        stack.append((name, attributes, self.length))
        return end + 1

    def _html_end_tag(self, src: str, i: int, stack: list[tuple[str, dict[str, str], int]]) -> int:
        end = src.find(">", i)
        if end < 0:
            raise _ParseError(f"Unclosed end tag at byte offset {_byte_offset(src, i)}")
        name = src[i + 2 : end].strip().lower()
        if not stack:
            raise _ParseError(f"Unexpected end tag at byte offset {_byte_offset(src, i)}")
        tag, attributes, start = stack.pop()
        if tag != name:
            raise _ParseError(
                f"Unmatched end tag at byte offset {_byte_offset(src, i)}, "
                f'expected "</{tag}>", found "</{name}>"'
            )
        language = attributes.get("class", "").removeprefix("language-")
        if tag == "code" and stack and stack[-1][0] == "pre" and language:
            stack[-1][1]["language"] = language  # <pre><code class="language-x"> is one entity
        elif tag == "pre" and "language" in attributes:
            self.close("pre", start, language=attributes["language"])
        elif tag == "a" and attributes.get("href"):
            self.close("text_link", start, url=attributes["href"])
        elif tag == "tg-emoji":
            self.close("custom_emoji", start, custom_emoji_id=attributes.get("emoji-id", ""))
        elif tag == "blockquote" and "expandable" in attributes:
            self.close("expandable_blockquote", start)
        elif tag != "a":
            self.close(_HTML_TAGS[tag], start)
        return end + 1

    def markdown(self, src: str, *, legacy: bool) -> tuple[str, list[JSON]]:
        stack: list[tuple[str, int, int]] = []  # (marker, start offset, source index)
        reserved = frozenset() if legacy else _MD_RESERVED
        i = 0
        while i < len(src):
            char = src[i]
            marker = src[i : i + 2] if src[i : i + 2] in ("__", "||") and not legacy else char
            if char == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) < 127:
                self.add(src[i + 1])
                i += 2
            elif char == "`":
                i = self._md_code(src, i)
            elif marker in _MD_MARKERS and (not legacy or marker in "*_"):
                if stack and stack[-1][0] == marker:
                    self.close(_MD_MARKERS[marker], stack.pop()[1])
                else:
                    stack.append((marker, self.length, i))
                i += len(marker)
            elif char == ">" and not legacy and (i == 0 or src[i - 1] == "\n"):
                stack.append((">", self.length, i))  # a quoted line, closed by its newline
                i += 1
            elif char == "\n" and stack and stack[-1][0] == ">":
                self.close("blockquote", stack.pop()[1])
                self.add(char)
                i += 1
            elif char == "[" and (not legacy or _MD_LINK.match(src, i)):
                stack.append(("[", self.length, i))
                i += 1
            elif char == "]" and stack and stack[-1][0] == "[" and src.startswith("(", i + 1):
                close = src.find(")", i)
                if close < 0:
                    raise _ParseError(f"Can't find end of a URL at byte offset {i}")
                url = src[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
                self.close("text_link", stack.pop()[1], url=url)
                i = close + 1
            elif char in reserved:
                raise _ParseError(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            else:
                self.add(char)
                i += 1
        if stack and stack[-1][0] == ">":
            self.close("blockquote", stack.pop()[1])
        if stack:
            where = _byte_offset(src, stack[-1][2])
            raise _ParseError(f"Can't find end of the entity starting at byte offset {where}")
        return self.result()

    def _md_code(self, src: str, i: int) -> int:
        fence = "```" if src.startswith("```", i) else "`"
        close = i + len(fence)
        while (close := src.find(fence, close)) > 0 and src[close - 1] == "\\":
            close += 1
        if close < 0:
            raise _ParseError(f"Can't find end of code entity at byte offset {i}")
        body = src[i + len(fence) : close]
        language = ""
        if fence == "```" and "\n" in body and " " not in body.split("\n", 1)[0]:
            language, body = body.split("\n", 1)
        start = self.length
        self.add(re.sub(r"\\([`\\])", r"\1", body))
        if fence == "`":
            self.close("code", start)
        elif language:
            self.close("pre", start, language=language)
        else:
            self.close("pre", start)
        return close + len(fence)
