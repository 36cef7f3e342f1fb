"""The bot's media messages: sendVideo, sendDocument, sendPhoto.

A file parameter is an uploaded multipart part, a file_id the fake handed out before, or an
HTTP URL that the server fetches itself (at most 20 MB, as Telegram does; the fake fetches
loopback addresses only). Uploads are kept whole in the recorded call and as stored files,
so the bot's own sends can be read back with getFile.
"""

from __future__ import annotations

import aiohttp
from yarl import URL

from tests.fakes.telegram.media import photo_sizes, thumbnail
from tests.fakes.telegram.messages import caption_body, deliver
from tests.fakes.telegram.objects import JSON
from tests.fakes.telegram.params import ApiRequest, Handler, MethodGroup
from tests.fakes.telegram.state import DOWNLOAD_LIMIT, StoredFile
from tests.fakes.telegram.wire import Upload, bad_request

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


async def fetch_url(url: str) -> Upload:
    """GET a file for a send-by-URL, refusing what Telegram would refuse."""
    if URL(url).host not in LOOPBACK_HOSTS:
        raise bad_request("wrong file identifier/HTTP URL specified")
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            session.get(url) as response,
        ):
            if response.status != 200:
                raise bad_request("failed to get HTTP URL content")
            data = await response.content.read(DOWNLOAD_LIMIT + 1)
            while len(data) <= DOWNLOAD_LIMIT and (more := await response.content.read(2**20)):
                data += more
            content_type = response.headers.get("Content-Type", "application/octet-stream")
    except aiohttp.ClientError as exc:
        raise bad_request("failed to get HTTP URL content") from exc
    if len(data) > DOWNLOAD_LIMIT:
        raise bad_request("failed to get HTTP URL content")
    return Upload(URL(url).name or "file", data, content_type.split(";")[0])


class UploadMethods(MethodGroup):
    """sendVideo, sendDocument and sendPhoto."""

    def handlers(self) -> dict[str, Handler]:
        return {
            "sendVideo": self.send_video,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
        }

    async def send_video(self, request: ApiRequest) -> JSON:
        chat = self.chat(request)
        body = caption_body(request)
        stored = await self._file(request, "video", "videos")
        video: JSON = {**stored.common_fields(), "file_name": stored.file_name or "video.mp4"}
        video["mime_type"] = stored.mime_type or "video/mp4"
        for field in ("width", "height", "duration"):
            video[field] = request.integer(field, 0)
        if "thumbnail" in request.uploads:
            video["thumbnail"] = thumbnail(self.state, request.uploads["thumbnail"].data)
        if "cover" in request.uploads:  # Bot API 8.3: the picture shown before it plays
            video["cover"] = photo_sizes(self.state, request.uploads["cover"].data)
        body["video"] = video
        if request.flag("has_spoiler"):
            body["has_media_spoiler"] = True
        return deliver(self.state, request, chat, body)

    async def send_document(self, request: ApiRequest) -> JSON:
        chat = self.chat(request)
        body = caption_body(request)
        stored = await self._file(request, "document", "documents")
        document: JSON = {**stored.common_fields(), "file_name": stored.file_name or "file"}
        document["mime_type"] = stored.mime_type or "application/octet-stream"
        if "thumbnail" in request.uploads:
            document["thumbnail"] = thumbnail(self.state, request.uploads["thumbnail"].data)
        body["document"] = document
        return deliver(self.state, request, chat, body)

    async def send_photo(self, request: ApiRequest) -> JSON:
        chat = self.chat(request)
        body = caption_body(request)
        if "photo" in request.uploads or str(request.params.get("photo", "")).startswith("http"):
            upload = await self._upload(request, "photo")
            body["photo"] = photo_sizes(self.state, upload.data)
        else:
            stored = await self._file(request, "photo", "photos")
            body["photo"] = [{**stored.common_fields(), "width": 1280, "height": 960}]
        if request.flag("has_spoiler"):
            body["has_media_spoiler"] = True
        return deliver(self.state, request, chat, body)

    async def _upload(self, request: ApiRequest, field: str) -> Upload:
        """The bytes of `field`, uploaded or fetched from its URL."""
        upload = request.uploads.get(field)
        if upload is None:
            value = request.text(field) or ""
            if not value.startswith(("http://", "https://")):
                raise bad_request(f"there is no {field} in the request")
            upload = await fetch_url(value)
            request.call.files[field] = (upload.filename, upload.data, upload.content_type)
        if not upload.data:
            raise bad_request("file must be non-empty")
        return upload

    async def _file(self, request: ApiRequest, field: str, kind: str) -> StoredFile:
        """The stored file `field` names: a new upload, a fetched URL or a known file_id."""
        value = request.text(field) or ""
        if field not in request.uploads and not value.startswith(("http://", "https://")):
            known = self.state.files.get(value)
            if known is None:
                raise bad_request(
                    "wrong file identifier/HTTP URL specified"
                    if value
                    else f"there is no {field} in the request"
                )
            return known
        upload = await self._upload(request, field)
        return self.state.store_file(
            upload.data, kind=kind, file_name=upload.filename, mime_type=upload.content_type
        )
