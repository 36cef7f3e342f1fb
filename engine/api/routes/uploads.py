"""``POST /api/upload-video/nemo_agent/me/<sid>``: multipart files or URLs, judged by content.

URLs (a JSON body) are refused unless ``ENGINE_URL_UPLOAD`` is on; then `engine.state.url_fetch`
fetches them from public addresses only."""

from __future__ import annotations

import uuid

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from engine.api.routes import gated
from engine.api.routes.envelope import api, json_body, ok, refusal
from engine.api.services import Services
from engine.errors import unsupported_file, url_upload_off
from engine.state.inspection import inspect
from engine.state.media import sniff
from engine.state.sessions import Session, Upload
from engine.state.uploads import MultipartReceiver, Oversize, Received

MAX_URLS = 10


def routes(services: Services) -> list[BaseRoute]:
    settings = services.settings

    async def receive(request: Request) -> list[Received]:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            if not settings.url_upload:  # refused before the body is even read
                raise url_upload_off()
            body = await json_body(request)
            urls = body.get("urls")
            if not isinstance(urls, list) or not urls or len(urls) > MAX_URLS:
                raise unsupported_file(f"'urls' must list 1 to {MAX_URLS} URLs")
            received: list[Received] = []
            try:
                for url in urls:
                    received.append(await services.url_fetcher.fetch(str(url)))
            except BaseException:
                for item in received:  # the request fails whole: drop what came before
                    item.path.unlink(missing_ok=True)
                raise
            return received
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > 2 * settings.max_upload_mb * 1024 * 1024:
            raise Oversize(settings.max_upload_mb, close_connection=True)
        receiver = MultipartReceiver(services.paths.staging, settings.max_upload_mb)
        received = await receiver.receive(content_type, request.stream())
        if not received:
            raise unsupported_file("no file in the request's 'files' field")
        return received

    async def store(session: Session, received: Received) -> Upload:
        facts = await inspect(received.path, received.head, received.size, services.ffmpeg)
        sniffed = sniff(received.head)
        assert sniffed is not None  # inspect refused anything unknown
        name = f"{uuid.uuid4().hex}{sniffed.extension}"
        folder = services.paths.uploads / session.session_id
        folder.mkdir(parents=True, exist_ok=True)
        received.path.replace(folder / name)
        return Upload(
            filename=received.display_name,
            file_type=facts.file_type,
            format=facts.format,
            cdn_url=services.upload_url(session.session_id, name),
            path=folder / name,
            size=received.size,
            hash=received.digest,
            width=facts.width,
            height=facts.height,
            duration=facts.duration,
            fps=facts.fps,
            colours=facts.colours,
        )

    @api
    async def upload(request: Request) -> Response:
        account = services.accounts.authenticate(request.headers.get("authorization"), "upload")
        session = services.sessions.use(request.path_params["sid"], account.user_id)
        try:
            received = await receive(request)
        except Oversize as error:
            response = refusal(error)
            if error.close_connection:
                response.headers["Connection"] = "close"
            return response
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read it
        stored: list[Upload] = []
        try:
            for item in received:
                stored.append(await store(session, item))
        finally:
            if len(stored) < len(received):  # one file refused: the whole request is
                for item in received:
                    item.path.unlink(missing_ok=True)
                for done in stored:
                    done.path.unlink(missing_ok=True)
        for done in stored:
            url_path = f"/files/uploads/{session.session_id}/{done.path.name}"
            services.sessions.add_upload(session, done, url_path)
        services.stats.count("uploads_stored", len(stored))
        files = [done.describe() for done in stored]
        return ok({"files": files, "session_state_applied": True})

    return [
        gated(services, "upload", "/api/upload-video/nemo_agent/me/{sid}", upload, "POST"),
    ]
