"""Everything the HTTP handlers share, built once by `engine.api.app.create_app` and handed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from engine.agent.runs import Agent
from engine.clock import Clock
from engine.faults import FaultBoard, Stats
from engine.settings import EngineSettings
from engine.state.accounts import Accounts
from engine.state.renders import MediaResolver, RenderJob, RenderJobs
from engine.state.sessions import Sessions
from engine.state.url_fetch import UrlFetcher

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
    """The engine's parts, shared by every route.

    `public_base` is the root of every URL handed to clients: ``settings.public_url``, else the
    address the engine listens on (`listen_base`). A request's ``Host`` header never enters it.
    """

    settings: EngineSettings
    public_base: str
    listen_base: str
    clock: Clock
    ffmpeg: str
    paths: Paths
    accounts: Accounts
    sessions: Sessions
    agent: Agent
    renders: RenderJobs
    faults: FaultBoard
    stats: Stats
    url_fetcher: UrlFetcher

    def upload_url(self, session_id: str, name: str) -> str:
        return f"{self.public_base}/files/uploads/{session_id}/{name}"

    def render_url(self, job: RenderJob) -> str | None:
        """The finished file's URL, under the name the engine drew for it; None before."""
        if job.status != "completed" or job.output is None:
            return None
        return f"{self.public_base}/files/renders/{job.output.name}"

    def media_resolver(self, user_id: str) -> MediaResolver:
        """Maps a draft's ``src`` to a stored upload of `user_id`, if it is one of ours."""
        bases = [
            (_origin(base), urlsplit(base).path) for base in (self.public_base, self.listen_base)
        ]

        def resolve(src: str) -> Path | None:
            path = urlsplit(src).path
            for origin, prefix in bases:  # a public URL may have a path: https://host/engine
                if _origin(src) == origin and path.startswith(f"{prefix}/"):
                    return self.sessions.media_file(path.removeprefix(prefix), user_id)
            return None

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
