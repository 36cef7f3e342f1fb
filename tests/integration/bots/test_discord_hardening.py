"""The Discord adapter where Discord is less kind: text that would ping a whole server, a form
answered by a process that never opened it, interactions without a channel, and a user-installed
app where the bot is no member. The real discord.py client against the fake Discord, the core
and the local engine behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.records import MessageRecord
from tests.fixtures.engine import EngineFactory
from tests.fixtures.images import png_with_parameters
from tests.fixtures.platforms import BotFor, discord_running
from tests.integration.bots.test_discord import (
    answering_late,
    followups,
    posted_with_buttons,
    videos,
    world,
)

DEFERRED_WITH_SOURCE, MODAL = 5, 9


def prompt_record(prompt: str) -> str:
    """A generation record, as Stable Diffusion web UIs write it, whose prompt the card quotes."""
    return f"{prompt}\nSteps: 20, Sampler: Euler a, Seed: 7, Model: sdxl"


Json = dict[str, Any]


def sent_by_bot(fake: FakeDiscord) -> list[MessageRecord]:
    """Messages and edits with content (the deferred "thinking" response has none)."""
    return [m for m in fake.messages if m.kind != "deleted" and m.route != "callback"]


def allows_only(record: MessageRecord, user_id: str) -> bool:
    """What the bot asked for: no @everyone, no role, no user but `user_id`."""
    allowed: Json = record.sent.get("allowed_mentions") or {"parse": ["everyone", "roles"]}
    return (
        allowed.get("parse") == []
        and [str(u) for u in allowed.get("users", [])] in ([], [user_id])
        and not allowed.get("roles")
        and not allowed.get("replied_user")
    )


def pinged(record: MessageRecord) -> tuple[bool, list[str], list[str]]:
    """Who Discord would notify: @everyone, users, roles."""
    message = record.message
    users = [u["id"] for u in message["mentions"]]
    return message["mention_everyone"], users, list(message["mention_roles"])


# -- 1. a prompt cannot ping the server --------------------------------------------------------


@pytest.mark.parametrize("late", [False, True], ids=["token alive", "token expired"])
async def test_a_prompt_saying_everyone_pings_nobody_but_the_requester(
    late: bool,
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
    tmp_path: Path,
) -> None:
    fake = fake_discord
    guild, channel, ada = world(fake)
    eve = fake.add_user("eve")
    fake.add_member(guild, eve)
    mods = fake.add_role(guild, "mods")
    prompt = f"@everyone <@&{mods['id']}> <@{eve['id']}> a lighthouse at dusk"
    data = png_with_parameters(tmp_path / "lighthouse.png", prompt_record(prompt)).read_bytes()
    image = fake.add_attachment(data, filename="lighthouse.png", content_type="image/png")
    async with discord_bot() as (rt, svc):
        if late:
            answering_late(rt, svc)
        await fake.invoke(
            "explain", channel=channel, user=ada, guild=guild, options={"image": image}
        )
        await fake.wait_for(lambda: videos(fake), within_s=60)

    card = [m for m in fake.messages if "@everyone" in m.content and m.kind == "created"]
    assert card, "the provenance card quotes the prompt"
    assert card[0].route == ("channel" if late else "followup")
    sent = sent_by_bot(fake)
    assert {m.route for m in sent} >= ({"channel"} if late else {"original", "followup"})
    for record in sent:
        assert allows_only(record, ada["id"]), (record.route, record.sent)
        everyone, users, roles = pinged(record)
        assert not everyone and not roles and set(users) <= {ada["id"]}, record.content
    if late:  # the late answer still calls the requester
        assert pinged(card[0])[1] == [ada["id"]]


async def test_what_the_client_answers_itself_pings_nobody(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    """The client's default: an answer made without the sink (a refusal) allows no mention."""
    fake = fake_discord
    guild, channel, ada = world(fake)
    notes = fake.add_attachment(b"words", filename="notes.txt", content_type="text/@everyone")
    async with discord_bot():
        refused = await fake.invoke(
            "explain", channel=channel, user=ada, guild=guild, options={"image": notes}
        )
        await fake.wait_for(lambda: [c for c in fake.callbacks if c.token == refused["token"]])

    (answer,) = [c for c in fake.callbacks if c.token == refused["token"]]
    assert "@everyone" in answer.data["content"]
    assert answer.data["allowed_mentions"] == {"parse": []}


# -- 2. buttons and the Refine form outlive the process that drew them --------------------------


async def test_a_refine_form_opened_by_one_process_is_answered_by_another(
    fake_discord: FakeDiscord,
    redis_url: str,
    key_prefix: str,
    make_engine: EngineFactory,
    tmp_path: Path,
) -> None:
    fake = fake_discord
    engine = make_engine(silent_edit_ratio=0.0)  # the agent always says what it changed
    guild, channel, ada = world(fake)
    eve = fake.add_user("eve")
    fake.add_member(guild, eve)
    message = posted_with_buttons(fake, channel, ada)
    form = f"clipbridge:refine:{ada['id']}"
    async with discord_running(fake, redis_url, key_prefix, engine, tmp_path / "first"):
        pressed = await fake.press(message, f"cb:refine:{ada['id']}", ada)
        await fake.wait_for(lambda: [c for c in fake.callbacks if c.token == pressed["token"]])
    # The process that opened the form is gone; a fresh one, which never saw the message or
    # the form, receives the answer.
    async with discord_running(fake, redis_url, key_prefix, engine, tmp_path / "second"):
        stranger = await fake.submit_modal(form, {"clipbridge:refine:change": "undo"}, eve)
        submitted = await fake.submit_modal(
            form, {"clipbridge:refine:change": "make it square"}, ada
        )
        await fake.wait_for(lambda: followups(fake, submitted), within_s=30)

    (opened,) = [c for c in fake.callbacks if c.token == pressed["token"]]
    assert opened.type == MODAL and opened.data["custom_id"] == form
    (deferred,) = [c for c in fake.callbacks if c.token == submitted["token"]]
    assert deferred.type == DEFERRED_WITH_SOURCE
    (answer,) = followups(fake, submitted)
    assert "1:1" in answer.content, answer.content  # the agent got "make it square"
    (refusal,) = [c for c in fake.callbacks if c.token == stranger["token"]]
    assert refusal.ephemeral and "belong to the person who asked" in refusal.data["content"]


async def test_a_button_is_taken_by_a_process_that_never_saw_its_message(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    _, channel, ada = world(fake)
    message = posted_with_buttons(fake, channel, ada)
    async with discord_bot():
        pressed = await fake.press(message, f"cb:new:{ada['id']}", ada)
        await fake.wait_for(lambda: followups(fake, pressed), within_s=30)

    (answer,) = followups(fake, pressed)
    assert answer.content.startswith("Started fresh")


# -- 3. no interaction is filed under a made-up chat --------------------------------------------


async def test_dms_that_come_without_a_channel_stay_separate_conversations(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    ada, bob = fake.add_user("ada"), fake.add_user("bob")
    bare: Json = {"channel_object": False}
    async with discord_bot():
        chose = await fake.invoke(
            "lang", channel=fake.open_dm(ada), user=ada, options={"language": "zh"}, **bare
        )
        await fake.wait_for(lambda: followups(fake, chose))
        bobs = await fake.invoke("status", channel=fake.open_dm(bob), user=bob, **bare)
        adas = await fake.invoke("status", channel=fake.open_dm(ada), user=ada, **bare)
        await fake.wait_for(lambda: followups(fake, bobs) and followups(fake, adas))

    assert followups(fake, bobs)[0].content.startswith("The timeline is empty")
    assert followups(fake, adas)[0].content.startswith("时间线是空的")


async def test_a_server_interaction_without_a_channel_is_refused_privately(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    guild, channel, ada = world(fake)
    async with discord_bot():
        asked = await fake.invoke(
            "status", channel=channel, user=ada, guild=guild, channel_object=False
        )
        await fake.wait_for(lambda: [c for c in fake.callbacks if c.token == asked["token"]])

    (answer,) = [c for c in fake.callbacks if c.token == asked["token"]]
    assert answer.ephemeral
    assert "can't tell which chat" in answer.data["content"]


# -- 4. a user-installed app where the bot is no member ------------------------------------------


def user_installed_world(fake: FakeDiscord, photo: bytes) -> tuple[Json, Json, Json]:
    """A group DM of ada and bob, where ada uses the app she installed; the bot is not in it."""
    ada, bob = fake.add_user("ada"), fake.add_user("bob")
    group = fake.add_group_dm("weekend", ada, bob)
    image = fake.add_attachment(photo, filename="dusk.png", content_type="image/png")
    return ada, group, image


async def test_a_user_installed_app_says_late_answers_come_by_dm(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
    tmp_path: Path,
) -> None:
    fake = fake_discord
    ada, group, image = user_installed_world(
        fake, png_with_parameters(tmp_path / "p.png", prompt_record("dusk")).read_bytes()
    )
    async with discord_bot():
        asked = await fake.invoke(
            "explain", channel=group, user=ada, options={"image": image}, user_install=True
        )
        await fake.wait_for(lambda: videos(fake), within_s=60)

    progress = [r for r in fake.records_for(asked) if r.route == "original" and r.kind == "edited"]
    notice = "whatever takes over 15 minutes comes to your direct messages"
    assert notice in progress[0].content  # said as the work starts
    assert notice not in progress[-1].content  # and not on the finished line
    (video,) = videos(fake)
    assert video.route == "followup"


async def test_a_user_installed_apps_late_video_comes_by_dm(
    discord_bot: BotFor,
    fake_discord: FakeDiscord,
    tmp_path: Path,
) -> None:
    fake = fake_discord
    ada, group, image = user_installed_world(
        fake, png_with_parameters(tmp_path / "p.png", prompt_record("dusk")).read_bytes()
    )
    async with discord_bot() as (rt, svc):
        answering_late(rt, svc)
        await fake.invoke(
            "explain", channel=group, user=ada, options={"image": image}, user_install=True
        )
        await fake.wait_for(lambda: videos(fake), within_s=60)

    (video,) = videos(fake)
    assert video.route == "channel"
    assert video.message["channel_id"] == fake.open_dm(ada)["id"]
    refused = [c for c in fake.rest_calls if c.path == f"/channels/{group['id']}/messages"]
    assert not refused, "no post was tried where the bot is not a member"
