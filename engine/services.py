"""Everything the HTTP handlers share, built once by `engine.app.create_app` and handed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request

from engine.accounts import Accounts
from engine.agent import Agent
from engine.clock import Clock
from engine.faults import FaultBoard, Stats
from engine.renders import MediaResolver, RenderJobs
from engine.sessions import Sessions
from engine.settings import EngineSettings

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Paths:
    """The engine's folders, all under ``settings.data_dir``; nothing is written elsewhere."""

    root: Path

    @property
    def files(self) -> Path:
        """Served as ``/files/...``: uploads and finished renders only."""
        return self.root / "files"

    @property
    def uploads(self) -> Path:
        return self.files / "uploads"

    @property
    def renders(self) -> Path:
        return self.files / "renders"

    @property
    def staging(self) -> Path:
        """Uploads being received, before they are judged."""
        return self.root / "staging"

    @property
    def work(self) -> Path:
        """Renders in progress."""
        return self.root / "work"

    def create(self) -> None:
        for folder in (self.uploads, self.renders, self.staging, self.work):
            folder.mkdir(parents=True, exist_ok=True)


@dataclass
class Services:
    """The engine's parts, shared by every route."""

    settings: EngineSettings
    clock: Clock
    ffmpeg: str
    paths: Paths
    accounts: Accounts
    sessions: Sessions
    agent: Agent
    renders: RenderJobs
    faults: FaultBoard
    stats: Stats
    http: httpx.AsyncClient

    def public_base(self, request: Request) -> str:
        """Root of the URLs handed to clients: the configured one, else the address asked."""
        return (self.settings.public_url or str(request.base_url)).rstrip("/")

    def media_resolver(self, request: Request, user_id: str) -> MediaResolver:
        """Maps a draft's ``src`` to a stored upload of `user_id`, if it is one of ours."""
        origins = {_origin(self.public_base(request)), _origin(str(request.base_url))}

        def resolve(src: str) -> Path | None:
            if _origin(src) not in origins:
                return None
            return self.sessions.media_file(urlsplit(src).path, user_id)

        return resolve


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        return "", "", None
    # localhost, 127.0.0.1 and [::1] reach the same loopback listener: treat them alike.
    return parts.scheme, "loopback" if host in _LOOPBACK else host, port
