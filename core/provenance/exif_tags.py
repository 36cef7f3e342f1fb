"""The few EXIF tags that say how an image was made, read with Pillow from the raw EXIF block
(no image is opened: `Image.Exif` parses the TIFF structure alone).

Generators also use text tags for their records: ComfyUI's WebP saver writes "prompt:{...}" into
Model and "workflow:{...}" into Make, other savers JSON into ImageDescription or UserComment. Such
a tag is handed on as a record text and never read as a camera or a program name.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image

from core.provenance.finding import FIELD_LIMIT, clip

log = logging.getLogger(__name__)

# EXIF UserComment starts with an 8-byte character code; A1111 writes its parameters there in
# JPEG and WebP, as UNICODE (UTF-16, big-endian from piexif).
_CHARSETS = {b"ASCII\0\0\0": "ascii", b"UNICODE\0": "utf-16", b"\0" * 8: "utf-8"}
# A record rather than a name: JSON, or JSON behind a short label ("prompt:", "Workflow: ").
_RECORD = re.compile(r"\s*(?:[A-Za-z]\w{0,19}\s*:\s*)?[\[{]")
# A record text is kept whole (its JSON must parse); the EXIF block itself is capped far below.
RECORD_TEXT_LIMIT = 4 << 20


@dataclass(frozen=True)
class ExifFacts:
    """Camera, time and software from EXIF, and a user comment that may hold a web UI's record."""

    make: str | None = None
    model: str | None = None
    taken_at: str | None = None
    software: str | None = None
    user_comment: str | None = None
    # (tag name, text) of the text tags holding a generator's JSON record, in tag order:
    # "make", "model", "description", "user_comment".
    record_texts: tuple[tuple[str, str], ...] = ()

    @property
    def any(self) -> bool:
        return any(
            (self.make, self.model, self.taken_at, self.software, self.user_comment)
        ) or bool(self.record_texts)


# EXIF's own date form, "2026:10:03 18:42:10", shown as people write it: "2026-10-03 18:42".
_EXIF_TIME = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2})(?::\d{2})?")


def _when(value: object) -> str | None:
    text = clip(value)
    found = _EXIF_TIME.fullmatch(text.strip()) if text else None
    if found is None:
        return text
    year, month, day, hour, minute = found.groups()
    return f"{year}-{month}-{day} {hour}:{minute}"


def read_exif(data: bytes) -> ExifFacts | None:
    """The facts in an EXIF block ("Exif\\0\\0" + TIFF, or TIFF alone); None when unreadable."""
    exif = Image.Exif()
    try:
        # Pillow warns on damaged EXIF (and the tests turn warnings into errors): a damaged
        # block reads as far as it goes.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exif.load(data)
            sub = exif.get_ifd(ExifTags.IFD.Exif)
            texts = {
                "make": _text(exif.get(ExifTags.Base.Make)),
                "model": _text(exif.get(ExifTags.Base.Model)),
                "description": _text(exif.get(ExifTags.Base.ImageDescription)),
                "user_comment": _user_comment(sub.get(ExifTags.Base.UserComment)),
            }
            records = tuple(
                (tag, text[:RECORD_TEXT_LIMIT])
                for tag, text in texts.items()
                if text is not None and is_record_text(text)
            )
            software = _text(exif.get(ExifTags.Base.Software))
            comment = texts["user_comment"]
            facts = ExifFacts(
                make=_name(texts["make"]),
                model=_name(texts["model"]),
                taken_at=_when(
                    sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
                ),
                software=_name(software),
                user_comment=clip(comment, FIELD_LIMIT * 4) if comment else None,
                record_texts=records,
            )
    except Exception:  # any damage in the TIFF structure means no EXIF facts
        log.debug("unreadable EXIF block", exc_info=True)
        return None
    return facts if facts.any else None


def is_record_text(text: str) -> bool:
    """Whether a text tag holds a record (JSON, maybe behind a label) rather than a name."""
    return _RECORD.match(text) is not None


def _name(text: str | None) -> str | None:
    """A tag's text as a name (camera make, model, program), never a generator's record."""
    return None if text is None or is_record_text(text) else clip(text)


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    # NovelAI's WebP puts NULs before its ImageDescription; ASCII tags end in one.
    text = value.strip("\0").strip()
    return text or None


def _user_comment(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip("\0").strip() or None
    if not isinstance(value, bytes) or len(value) <= 8:
        return None
    encoding = _CHARSETS.get(value[:8])
    body = value[8:]
    if encoding == "utf-16":
        # piexif writes big-endian without a BOM; a little-endian writer leaves the ASCII
        # characters' zero bytes odd-placed.
        little = body[1::2].count(0) > body[0::2].count(0)
        text = body.decode("utf-16-le" if little else "utf-16-be", "replace")
    elif encoding is not None:
        text = body.decode(encoding, "replace")
    elif value.lstrip()[:1] in (b"{", b"["):
        # Some savers write their JSON as UTF-8 with no character code in front.
        text = value.decode("utf-8", "replace")
    else:
        return None
    return text.strip("\0").strip() or None
