"""The Discord adapter end to end: the real discord.py client against a fake Discord (REST and
gateway), the core and the local engine behind it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bots.discord.service import DiscordService
from bots.discord.sink import DiscordSink, buttons_view
from bots.edit_throttle import EditThrottle
from bots.runtime import Runtime
from core.events import Action, Button
from core.ports import PlatformPorts
from engine.render.probe import ffmpeg_binary, probe
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.records import MessageRecord
from tests.fixtures.platforms import BotFor

DEFERRED_WITH_SOURCE = 5


def answering_late(runtime: Runtime, service: DiscordService) -> None:
    """From now on every answer is made as if 16 minutes had passed: the token is dead."""
    ports = runtime.core.platforms["discord"]
    late = DiscordSink(
        service.client.http,
        EditThrottle(runtime.core.redis, runtime.core.keys),
        now=lambda: time.time() + 16 * 60,
    )
    runtime.core.platforms["discord"] = PlatformPorts(ports.source, late)


def posted_with_buttons(
    fake: FakeDiscord, channel: dict[str, Any], requester: dict[str, Any]
) -> Any:
    """A video message the bot posted earlier, with the buttons the sink puts under it."""
    buttons = tuple(Button(action, action.value.title()) for action in Action)
    view = buttons_view(buttons, requester["id"])
    assert view is not None
    return fake.add_message(
        channel, fake.bot_user, content="🎬 Your video", components=view.to_components()
    )


def videos(fake: FakeDiscord) -> list[MessageRecord]:
    return [m for m in fake.messages if m.kind == "created" and m.files]


def world(fake: FakeDiscord) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    guild = fake.add_guild("Clips")
    user = fake.add_user("ada")
    fake.add_member(guild, user)
    return guild, guild["channels"][0], user


async def test_explain_defers_at_once_edits_progress_and_sends_the_mp4(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
    photo_bytes: bytes,
    tmp_path: Path,
) -> None:
    fake = fake_discord
    guild, channel, user = world(fake)
    image = fake.add_attachment(photo_bytes, filename="dusk.jpg", content_type="image/jpeg")
    async with discord_bot():
        sent_at = time.monotonic()
        interaction = await fake.invoke(
            "explain",
            channel=channel,
            user=user,
            guild=guild,
            options={"image": image, "aspect": "9:16"},
        )
        await fake.wait_for(lambda: videos(fake), within_s=60)

    (defer,) = [c for c in fake.callbacks if c.token == interaction["token"]]
    assert defer.type == DEFERRED_WITH_SOURCE
    assert defer.at - sent_at < 3.0
    records = fake.records_for(interaction)
    progress = [r for r in records if r.route == "original" and r.kind == "edited"]
    assert progress and progress[-1].content.startswith("✅ Done")
    (video,) = videos(fake)
    assert video.route == "followup"
    kept = tmp_path / "got.mp4"
    kept.write_bytes(video.files[0].data)
    info = await probe(kept, ffmpeg_binary())
    assert (info.video_codec, info.width, info.height) == ("h264", 1080, 1920)
    buttons = [c["custom_id"] for row in video.message["components"] for c in row["components"]]
    assert buttons == [f"cb:refine:{user['id']}", f"cb:export:{user['id']}", f"cb:new:{user['id']}"]
    # Alt text for people who cannot see it: its length and the texts it shows.
    (attachment,) = video.message["attachments"]
    assert attachment["description"].startswith("A 5-second video, with the text: ")
    assert "What is an AI image?" in attachment["description"]


async def test_a_render_finishing_after_the_token_expired_goes_to_the_channel(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
    photo_bytes: bytes,
) -> None:
    fake = fake_discord
    guild, channel, user = world(fake)
    image = fake.add_attachment(photo_bytes, filename="dusk.jpg", content_type="image/jpeg")
    async with discord_bot() as (rt, svc):
        answering_late(rt, svc)
        await fake.invoke(
            "explain", channel=channel, user=user, guild=guild, options={"image": image}
        )
        await fake.wait_for(lambda: videos(fake), within_s=60)

    (video,) = videos(fake)
    assert video.route == "channel"
    assert video.content.startswith(f"<@{user['id']}> ")
    assert video.message["channel_id"] == channel["id"]


async def test_a_token_the_server_says_is_dead_falls_back_to_the_channel(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
    photo_bytes: bytes,
) -> None:
    fake = fake_discord
    guild, channel, user = world(fake)
    image = fake.add_attachment(photo_bytes, filename="dusk.jpg", content_type="image/jpeg")
    async with discord_bot():
        interaction = await fake.invoke(
            "explain", channel=channel, user=user, guild=guild, options={"image": image}
        )
        await fake.wait_for(lambda: [c for c in fake.callbacks if c.token == interaction["token"]])
        fake.expire_interaction(interaction)
        await fake.wait_for(lambda: videos(fake), within_s=60)

    (video,) = videos(fake)
    assert video.route == "channel"


async def test_an_oversize_result_becomes_a_smaller_copy(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
    photo_bytes: bytes,
) -> None:
    fake = fake_discord
    guild, channel, user = world(fake)
    image = fake.add_attachment(photo_bytes, filename="dusk.jpg", content_type="image/jpeg")
    async with discord_bot():
        await fake.invoke(
            "explain",
            channel=channel,
            user=user,
            guild=guild,
            options={"image": image},
            attachment_size_limit=250_000,
        )
        await fake.wait_for(lambda: videos(fake), within_s=90)

    (video,) = videos(fake)
    assert len(video.files[0].data) <= 250_000
    assert "smaller copy" in video.content


async def test_a_strangers_press_is_refused_privately(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    guild, channel, owner = world(fake)
    stranger = fake.add_user("eve")
    fake.add_member(guild, stranger)
    message = posted_with_buttons(fake, channel, owner)
    async with discord_bot():
        pressed = await fake.press(message, f"cb:export:{owner['id']}", stranger)
        await fake.wait_for(lambda: [c for c in fake.callbacks if c.token == pressed["token"]])

    (answer,) = [c for c in fake.callbacks if c.token == pressed["token"]]
    assert answer.ephemeral
    assert "belong to the person who asked" in answer.data["content"]


async def test_an_unsupported_attachment_gets_a_clear_private_message(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    guild, channel, user = world(fake)
    notes = fake.add_attachment(b"just words", filename="notes.txt", content_type="text/plain")
    async with discord_bot():
        interaction = await fake.invoke(
            "explain", channel=channel, user=user, guild=guild, options={"image": notes}
        )
        await fake.wait_for(lambda: [c for c in fake.callbacks if c.token == interaction["token"]])

    (answer,) = [c for c in fake.callbacks if c.token == interaction["token"]]
    assert answer.ephemeral
    assert "text/plain" in answer.data["content"]
    assert not videos(fake)


MANAGE_GUILD = 1 << 5


async def test_a_server_can_list_the_channels_the_bot_works_in(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    guild = fake.add_guild("Studio", channels=("art", "chat"))
    art, chat = guild["channels"]
    admin, member = fake.add_user("ann"), fake.add_user("mo")
    fake.add_member(guild, admin, permissions=MANAGE_GUILD)
    fake.add_member(guild, member, permissions=0)
    async with discord_bot():
        refused = await fake.invoke(
            "channels", channel=chat, user=member, guild=guild, options={"change": "add"}
        )
        added = await fake.invoke(
            "channels", channel=art, user=admin, guild=guild, options={"change": "add"}
        )
        await fake.wait_for(lambda: len(followups(fake, added)) == 1)
        elsewhere = await fake.invoke("status", channel=chat, user=member, guild=guild)
        inside = await fake.invoke("status", channel=art, user=member, guild=guild)
        await fake.wait_for(lambda: followups(fake, elsewhere) and followups(fake, inside))

    assert followups(fake, refused)[0].content == "In this group only admins can do that."
    assert "1 listed channel" in followups(fake, added)[0].content
    (not_here,) = followups(fake, elsewhere)
    assert "don't work in this channel" in not_here.content
    assert not_here.message.get("flags", 0) & 64, "the refusal is private"
    assert followups(fake, inside)[0].content.startswith("The timeline is empty")


def followups(fake: FakeDiscord, interaction: dict[str, Any]) -> list[MessageRecord]:
    return [
        r for r in fake.records_for(interaction) if r.route == "followup" and r.kind == "created"
    ]


async def test_refine_opens_a_modal_whose_answer_edits_the_project(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    _, channel, user = world(fake)
    message = posted_with_buttons(fake, channel, user)
    async with discord_bot():
        pressed = await fake.press(message, f"cb:refine:{user['id']}", user)
        await fake.wait_for(lambda: [c for c in fake.callbacks if c.token == pressed["token"]])
        submitted = await fake.submit_modal(
            f"clipbridge:refine:{user['id']}",
            {"clipbridge:refine:change": "add a title 'Dusk'"},
            user,
        )
        await fake.wait_for(lambda: followups(fake, submitted), within_s=30)

    (modal,) = [c for c in fake.callbacks if c.token == pressed["token"]]
    assert modal.type == 9
    (answer,) = followups(fake, submitted)
    assert answer.content  # the agent's answer (or the timeline) about the edit


async def test_the_message_menu_explains_an_image_already_posted(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
    photo_bytes: bytes,
) -> None:
    fake = fake_discord
    _, channel, user = world(fake)
    image = fake.add_attachment(photo_bytes, filename="art.jpg", content_type="image/jpeg")
    posted = fake.add_message(channel, user, content="look", attachments=[image])
    plain = fake.add_message(channel, user, content="no picture here")
    async with discord_bot():
        nothing = await fake.invoke_message_command("Explain this image", plain, user=user)
        await fake.invoke_message_command("Explain this image", posted, user=user)
        await fake.wait_for(lambda: videos(fake), within_s=60)

    (refusal,) = [c for c in fake.callbacks if c.token == nothing["token"]]
    assert refusal.ephemeral
    assert "no image" in refusal.data["content"]
    assert len(videos(fake)) == 1


async def test_only_server_admins_change_who_may_export(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    guild = fake.add_guild("Guild")
    channel = guild["channels"][0]
    admin, member = fake.add_user("ann"), fake.add_user("mo")
    fake.add_member(guild, admin, permissions=MANAGE_GUILD)
    fake.add_member(guild, member, permissions=0)
    async with discord_bot():
        tried = await fake.invoke(
            "access", channel=channel, user=member, guild=guild, options={"who": "admins"}
        )
        await fake.wait_for(lambda: followups(fake, tried))
        done = await fake.invoke(
            "access", channel=channel, user=admin, guild=guild, options={"who": "admins"}
        )
        await fake.wait_for(lambda: followups(fake, done))
        export = await fake.invoke("export", channel=channel, user=member, guild=guild)
        await fake.wait_for(lambda: followups(fake, export))

    assert followups(fake, tried)[0].content == "In this group only admins can do that."
    assert followups(fake, done)[0].content.startswith("From now on only admins")
    assert followups(fake, export)[0].content == "In this group only admins can do that."
