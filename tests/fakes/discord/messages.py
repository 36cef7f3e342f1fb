"""Messages the bot creates, edits and deletes through the fake: full message objects that
discord.py parses, uploaded files kept as attachments served back by the fake, who each one
pings (from its content and ``allowed_mentions``), every change recorded in the ledger with
the fields the bot sent.
"""

from __future__ import annotations

import mimetypes

from tests.fakes.discord import payloads as shapes
from tests.fakes.discord.ledger import Ledger
from tests.fakes.discord.mentions import apply_pings
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.records import (
    DiscordApiError,
    MessageKind,
    MessageRecord,
    MessageRoute,
    SentFile,
)
from tests.fakes.discord.world import DiscordWorld, InteractionState

EDITABLE = ("content", "embeds", "components", "poll", "allowed_mentions")


class MessageBook:
    """Creates, edits and deletes messages in the world and records each change."""

    def __init__(self, world: DiscordWorld, ledger: Ledger) -> None:
        self.world = world
        self.ledger = ledger

    def get(self, message_id: str) -> Json:
        if message_id not in self.world.messages:
            raise DiscordApiError(404, 10008, "Unknown Message")
        return self.world.messages[message_id]

    async def create(
        self,
        channel: Json,
        fields: Json,
        files: list[SentFile],
        *,
        route: MessageRoute,
        interaction: InteractionState | None = None,
        message_type: int = 0,
        extra_flags: int = 0,
    ) -> Json:
        extra: Json = {"type": message_type}
        if interaction is not None:
            extra["webhook_id"] = str(self.world.application_id)
            extra["application_id"] = str(self.world.application_id)
            extra["interaction_metadata"] = self._metadata(interaction)
        message = shapes.message_payload(
            self.world.ids.next(),
            channel,
            self.world.bot_user,
            fields,
            self._attachments(fields, files),
            **extra,
        )
        message["flags"] |= extra_flags
        apply_pings(message, fields.get("allowed_mentions"), self.world.users)
        self.world.messages[message["id"]] = message
        channel["last_message_id"] = message["id"]
        if interaction is not None:
            interaction.message_ids.add(message["id"])
        await self._record("created", route, message, fields, files, interaction)
        return message

    async def edit(
        self,
        message_id: str,
        fields: Json,
        files: list[SentFile],
        *,
        route: MessageRoute,
        interaction: InteractionState | None = None,
    ) -> Json:
        message = self.get(message_id)
        for key in EDITABLE:
            if key in fields:
                message[key] = fields[key] if fields[key] is not None else _empty(key)
        if "content" in fields:
            apply_pings(message, fields.get("allowed_mentions"), self.world.users)
        if "flags" in fields and fields["flags"] is not None:
            # Only SUPPRESS_EMBEDS and friends change; ephemeral stays what it was.
            message["flags"] = int(fields["flags"]) | (message["flags"] & shapes.EPHEMERAL)
        message["flags"] &= ~shapes.LOADING
        kept = message["attachments"]
        if "attachments" in fields:
            wanted = {str(a.get("id")) for a in fields["attachments"] or []}
            kept = [a for a in kept if a["id"] in wanted]
        message["attachments"] = kept + self._attachments(fields, files)
        message["edited_timestamp"] = shapes.now_iso()
        await self._record("edited", route, message, fields, files, interaction)
        return message

    async def delete(
        self, message_id: str, *, route: MessageRoute, interaction: InteractionState | None = None
    ) -> None:
        message = self.world.messages.pop(self.get(message_id)["id"])
        await self._record("deleted", route, message, {}, [], interaction)

    def _attachments(self, fields: Json, files: list[SentFile]) -> list[Json]:
        described = {
            str(a.get("id")): a for a in fields.get("attachments") or [] if isinstance(a, dict)
        }
        attachments = []
        for sent in files:
            meta = described.get(str(sent.index), {})
            filename = str(meta.get("filename") or sent.filename)
            guessed = mimetypes.guess_type(filename)[0]
            content_type = guessed or sent.content_type
            attachment = self.world.add_attachment(
                sent.data, filename=filename, content_type=content_type
            )
            if meta.get("description"):
                attachment["description"] = meta["description"]
            attachments.append(attachment)
        return attachments

    def _metadata(self, interaction: InteractionState) -> Json:
        payload = interaction.payload
        user = payload.get("user") or payload["member"]["user"]
        return {
            "id": interaction.id,
            "type": payload["type"],
            "user": user,
            "authorizing_integration_owners": payload["authorizing_integration_owners"],
        }

    async def _record(
        self,
        kind: MessageKind,
        route: MessageRoute,
        message: Json,
        sent: Json,
        files: list[SentFile],
        interaction: InteractionState | None,
    ) -> None:
        token = interaction.token if interaction is not None else None
        snapshot = {**message, "attachments": [dict(a) for a in message["attachments"]]}
        record = MessageRecord(kind, route, snapshot, files, token, self.ledger.now(), dict(sent))
        self.ledger.messages.append(record)
        await self.ledger.changed()


def _empty(key: str) -> object:
    return "" if key == "content" else None if key == "poll" else []
