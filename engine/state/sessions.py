"""Editing sessions: each user's uploads, the current draft and its undo history.

Session ids are numeric strings like the cloud's, drawn from a generator seeded with
``settings.seed`` so a fresh engine with the same seed hands out the same ids (the simulated
agent's choices depend on the session id, and tests compare two runs).
"""

from __future__ import annotations

import asyncio
import copy
import random
from dataclasses import dataclass, field
from pathlib import Path

from engine.clock import Clock
from engine.draft import Draft, empty_draft
from engine.errors import session_not_found

_HISTORY = 50


@dataclass
class Upload:
    """One stored file of a session and what the engine learned about it."""

    filename: str  # sanitised display name; never used as a path
    file_type: str  # video | image | audio
    format: str  # the sniffed container or image format
    cdn_url: str
    path: Path
    size: int
    hash: str
    width: int = 0
    height: int = 0
    duration: float | None = None
    fps: float | None = None
    colours: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, object]:
        """The upload as the API's ``files[]`` entry."""
        return {
            "filename": self.filename,
            "file_type": self.file_type,
            "cdn_url": self.cdn_url,
            "duration": self.duration,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "hash": self.hash,
        }


@dataclass
class Session:
    """A user's editing session: the timeline state between messages."""

    session_id: str
    task_id: str
    user_id: str
    language: str
    last_used: float
    uploads: list[Upload] = field(default_factory=list)
    draft: Draft = field(default_factory=empty_draft)
    history: list[Draft] = field(default_factory=list)
    # One SSE message at a time per session: a second one waits instead of racing the draft.
    agent_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def commit(self, draft: Draft) -> None:
        """Make `draft` current, keeping the previous one for undo."""
        self.history.append(copy.deepcopy(self.draft))
        del self.history[:-_HISTORY]
        self.draft = draft

    def undo(self) -> bool:
        """Restore the previous draft; False when there is nothing to undo."""
        if not self.history:
            return False
        self.draft = self.history.pop()
        return True


class Sessions:
    """Every live session, with the cloud's idle expiry and per-user ownership."""

    def __init__(self, clock: Clock, *, idle_s: float, seed: int) -> None:
        self._clock = clock
        self._idle_s = idle_s
        self._ids = random.Random(seed)
        self._sessions: dict[str, Session] = {}
        # URL path of every stored upload -> (owner, file), for resolving a draft's media.
        self._media: dict[str, tuple[str, Path]] = {}

    def create(self, user_id: str, language: str) -> Session:
        session_id = str(self._ids.randrange(10**18, 10**19))
        while session_id in self._sessions:
            session_id = str(self._ids.randrange(10**18, 10**19))
        session = Session(
            session_id=session_id,
            task_id=f"task_{self._ids.getrandbits(64):016x}",
            user_id=user_id,
            language=language,
            last_used=self._clock.now(),
        )
        self._sessions[session_id] = session
        return session

    def use(self, session_id: str, user_id: str) -> Session:
        """The session, touched; 1002 when unknown, idle too long, or another user's."""
        session = self._sessions.get(session_id)
        now = self._clock.now()
        if session is None or session.user_id != user_id:
            raise session_not_found()
        if now - session.last_used > self._idle_s:
            del self._sessions[session_id]
            raise session_not_found("session ended after being idle")
        session.last_used = now
        return session

    def add_upload(self, session: Session, upload: Upload, url_path: str) -> None:
        session.uploads.append(upload)
        self._media[url_path] = (session.user_id, upload.path)

    def media_file(self, url_path: str, user_id: str) -> Path | None:
        """The stored file served at `url_path`, if it is one of `user_id`'s uploads."""
        owner, path = self._media.get(url_path, ("", None))
        return path if owner == user_id else None
