"""The NemoVideo HTTP API, one method per endpoint, raising `core.errors` for every result code.

The client does no recovery of its own: `core.backend` decides what each error asks for (a new
token, a new session, one wait) and does it once. It takes one injected `httpx.AsyncClient` with
explicit timeouts, and sends the bearer token and the attribution headers on every request, but
only to the backend's own origin: a render's output URL on a CDN gets no credentials.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from core.backend.nemo import shapes
from core.backend.nemo.addresses import pin_public
from core.backend.nemo.models import (
    AgentEvent,
    AnonymousToken,
    Credits,
    NemoSession,
    RenderStatus,
    SessionState,
    UploadedFile,
)
from core.backend.nemo.multipart import MultipartFile
from core.backend.nemo.sse import StreamCursor, read_agent_events
from core.errors import BackendUnavailable, StreamInterrupted

SKILL_SOURCE = "what-is-ai-image"
APP_NAME = "nemo_agent"
# A download URL that answers these has expired or moved (signed CDN URLs do): the documented
# fallback URL is tried next.
GONE = frozenset({403, 404, 410})


@dataclass(frozen=True)
class Attribution:
    """The X-Skill-* headers the backend wants on every request (export answers 402 without)."""

    version: str
    platform: str = "unknown"
    source: str = SKILL_SOURCE

    def headers(self) -> dict[str, str]:
        return {
            "X-Skill-Source": self.source,
            "X-Skill-Version": self.version,
            "X-Skill-Platform": self.platform,
        }


def default_timeout(connect_s: float = 10.0, read_s: float = 60.0) -> httpx.Timeout:
    return httpx.Timeout(connect=connect_s, read=read_s, write=read_s, pool=connect_s)


class NemoClient:
    """One method per NemoVideo endpoint."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        attribution: Attribution,
        *,
        rate_limit_wait_s: float = 30.0,
        sse_idle_s: float = 180.0,
    ) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._attribution = attribution
        self._rate_limit_wait_s = rate_limit_wait_s
        self._sse_idle_s = sse_idle_s

    def _headers(self, token: str | None, **extra: str) -> dict[str, str]:
        headers = self._attribution.headers()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra)
        return headers

    async def _call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        content: AsyncIterator[bytes] | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> Any:
        all_headers = self._headers(token, **(headers or {}))
        try:
            response = await self._http.request(
                method,
                f"{self.base_url}{path}",
                json=json_body,
                content=content,
                headers=all_headers,
                timeout=http_timeout or httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            failed = f"{method} {path}: {type(exc).__name__}"
            raise BackendUnavailable(failed, sent=_was_sent(exc)) from exc
        payload = _maybe_json(response)
        shapes.raise_for_result(
            response.status_code,
            payload,
            response.headers,
            rate_limit_wait_s=self._rate_limit_wait_s,
        )
        if payload is None and response.content:
            shapes.decode_json(response.content, response.status_code)  # raises: not JSON
        return payload

    async def anonymous_token(self, client_id: str) -> AnonymousToken:
        payload = await self._call(
            "POST", "/api/auth/anonymous-token", None, headers={"X-Client-Id": client_id}
        )
        data = shapes.data_of(payload)
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise BackendUnavailable("anonymous-token answer without a token")
        credits = data.get("credits")
        return AnonymousToken(
            token=token,
            user_id=str(data.get("user_id") or ""),
            expires_at=shapes.parse_expiry(data.get("expires_at"), datetime.now(UTC)),
            credits=int(credits) if isinstance(credits, int) else 0,
        )

    async def create_session(self, token: str, language: str) -> NemoSession:
        payload = await self._call(
            "POST",
            f"/api/tasks/me/with-session/{APP_NAME}",
            token,
            json_body={"task_name": "project", "language": language},
        )
        data = shapes.data_of(payload)
        if not data.get("session_id"):
            raise BackendUnavailable("session answer without a session_id")
        return NemoSession(
            task_id=str(data.get("task_id") or ""),
            session_id=str(data["session_id"]),
            user_id=str(data["user_id"]) if data.get("user_id") else None,
        )

    async def upload(
        self, token: str, session_id: str, part: MultipartFile, *, write_timeout_s: float = 600.0
    ) -> list[UploadedFile]:
        """Stream one file to the session; the body is framed by `part`, never buffered."""
        timeout = httpx.Timeout(connect=10.0, read=write_timeout_s, write=write_timeout_s, pool=10)
        payload = await self._call(
            "POST",
            f"/api/upload-video/{APP_NAME}/me/{session_id}",
            token,
            headers=part.headers,
            content=part.body(),
            http_timeout=timeout,
        )
        return shapes.uploaded_files(shapes.data_of(payload))

    async def upload_urls(self, token: str, session_id: str, urls: list[str]) -> list[UploadedFile]:
        payload = await self._call(
            "POST",
            f"/api/upload-video/{APP_NAME}/me/{session_id}",
            token,
            json_body={"urls": urls, "source_type": "url"},
        )
        return shapes.uploaded_files(shapes.data_of(payload))

    async def credits(self, token: str) -> Credits:
        data = shapes.data_of(await self._call("GET", "/api/credits/balance/simple", token))
        values = {k: shapes.whole_number(data.get(k)) for k in ("available", "frozen", "total")}
        return Credits(**values)

    async def state(self, token: str, session_id: str) -> SessionState:
        payload = await self._call("GET", f"/api/state/{APP_NAME}/me/{session_id}/latest", token)
        data = shapes.data_of(payload)
        state = data.get("state") if isinstance(data.get("state"), dict) else data
        assert isinstance(state, dict)
        draft = state.get("draft")
        infos = state.get("video_infos") if isinstance(state.get("video_infos"), list) else []
        canvas = state.get("canvas_config")
        return SessionState(
            draft=draft if isinstance(draft, dict) else {},
            video_infos=[i for i in infos or [] if isinstance(i, dict)],
            canvas=canvas if isinstance(canvas, dict) else {},
        )

    async def run_message(
        self, token: str, session_id: str, text: str, cursor: StreamCursor | None = None
    ) -> AsyncGenerator[AgentEvent, None]:
        """Send one message and yield what the agent says until the stream closes."""
        cursor = cursor or StreamCursor()
        body = {
            "app_name": APP_NAME,
            "user_id": "me",
            "session_id": session_id,
            "new_message": {"parts": [{"text": text}]},
        }
        extra = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if cursor.last_event_id:
            extra["Last-Event-ID"] = cursor.last_event_id
        timeout = httpx.Timeout(connect=10.0, read=self._sse_idle_s, write=30.0, pool=10.0)
        request = self._http.build_request(
            "POST",
            f"{self.base_url}/run_sse",
            json=body,
            headers=self._headers(token, **extra),
            timeout=timeout,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            failed = f"POST /run_sse: {type(exc).__name__}"
            raise BackendUnavailable(failed, sent=_was_sent(exc)) from exc
        try:
            content_type = response.headers.get("content-type", "")
            if "text/event-stream" not in content_type:
                await response.aread()
                payload = _maybe_json(response)
                shapes.raise_for_result(
                    response.status_code,
                    payload,
                    response.headers,
                    rate_limit_wait_s=self._rate_limit_wait_s,
                )
                raise BackendUnavailable(f"/run_sse answered {content_type or 'no content type'}")
            async for event in read_agent_events(response, cursor):
                yield event
        except httpx.HTTPError as exc:
            raise StreamInterrupted(f"the SSE stream dropped: {type(exc).__name__}") from exc
        finally:
            await response.aclose()

    async def submit_render(
        self, token: str, render_id: str, session_id: str, draft: dict[str, Any]
    ) -> RenderStatus:
        payload = await self._call(
            "POST",
            "/api/render/proxy/lambda",
            token,
            json_body={
                "id": render_id,
                "sessionId": session_id,
                "draft": draft,
                "output": {"format": "mp4", "quality": "high"},
            },
        )
        return shapes.render_status(payload, render_id)

    async def render_status(self, token: str, render_id: str) -> RenderStatus:
        payload = await self._call("GET", f"/api/render/proxy/lambda/{render_id}", token)
        return shapes.render_status(payload, render_id)

    async def cancel_render(self, token: str, render_id: str) -> None:
        await self._call("POST", f"/api/render/proxy/lambda/{render_id}/cancel", token)

    async def download(self, token: str, url: str, dest: Path, *, max_bytes: int) -> int:
        """Stream `url` into `dest`; credentials go only to the backend's own origin, and a URL
        on another origin only to a public address."""
        extensions: dict[str, Any] = {}
        if _origin(url) == self._origin:
            headers = self._headers(token)
        else:  # a CDN: no credentials, and only a public address (core.backend.nemo.addresses)
            pinned = await pin_public(url)
            url, headers = pinned.url, {"Host": pinned.host_header}
            extensions["sni_hostname"] = pinned.server_name
        timeout = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)
        written = 0
        try:
            async with self._http.stream(
                "GET", url, headers=headers, timeout=timeout, extensions=extensions
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    if response.status_code in GONE:  # an expired or moved file: try the fallback
                        raise BackendUnavailable(
                            f"download answered HTTP {response.status_code}",
                            status=response.status_code,
                        )
                    shapes.raise_for_result(
                        response.status_code, _maybe_json(response), response.headers
                    )
                    raise BackendUnavailable(
                        f"download answered HTTP {response.status_code}",
                        status=response.status_code,
                    )
                with dest.open("wb") as out:
                    async for chunk in response.aiter_bytes(1 << 20):
                        written += len(chunk)
                        if written > max_bytes:
                            raise BackendUnavailable("the rendered file is larger than allowed")
                        out.write(chunk)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"download failed: {type(exc).__name__}") from exc
        return written

    def download_fallback_url(self, render_id: str) -> str:
        return f"{self.base_url}/api/render/proxy/{render_id}/download"


def new_client_id() -> str:
    return str(uuid.uuid4())


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


def _maybe_json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # not JSON, or nested past what Python parses
        return None


def _was_sent(exc: httpx.HTTPError) -> bool:
    """False when the request cannot have reached the backend: no connection was made."""
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
