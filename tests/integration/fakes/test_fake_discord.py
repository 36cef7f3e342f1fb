"""The fake Discord driven by the real discord.py client: login, gateway, command sync, an
attachment command that defers, downloads, edits and uploads, a button, a modal, expired
tokens, a retried 429, shards."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.http import handle_message_parameters

from tests.fakes.discord import FakeDiscord, pointed_at
from tests.fakes.discord.payloads import EPHEMERAL, LOADING

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


class Bot(discord.Client):
    """A client with a command tree whose commands report to `results`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1, **options)
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.results: asyncio.Queue[object] = asyncio.Queue()
        self.gate = asyncio.Event()
        self.tree.on_error = self._report_error  # type: ignore[method-assign]

    async def on_ready(self) -> None:
        self.ready.set()

    async def _report_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await self.results.put(error)

    async def result(self) -> object:
        return await asyncio.wait_for(self.results.get(), timeout=5)


@asynccontextmanager
async def running(fake: FakeDiscord, client: discord.Client) -> AsyncIterator[None]:
    """Run `client` against `fake` until on_ready; close it afterwards."""
    assert isinstance(client, Bot)
    with pointed_at(fake):
        task = asyncio.create_task(client.start(fake.token))
        ready = asyncio.create_task(client.ready.wait())
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=10, return_when="FIRST_COMPLETED")
            if task in done:
                task.result()
            assert ready in done, "on_ready did not come within 10 s"
            yield
        finally:
            ready.cancel()
            await client.close()
            await task


async def test_login_ready_and_guild_create(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips", channels=["general", "videos"])
    fake_discord.add_thread(guild["channels"][1], "renders")
    client = Bot()
    async with running(fake_discord, client):
        assert client.user is not None and client.user.id == int(fake_discord.bot_user["id"])
        assert client.application_id == fake_discord.application_id
        seen = client.get_guild(int(guild["id"]))
        assert seen is not None and not seen.unavailable
        assert [c.name for c in seen.text_channels] == ["general", "videos"]
        assert [t.name for t in seen.threads] == ["renders"]
        assert seen.me is not None and seen.me.guild_permissions.attach_files
        assert seen.member_count == 2
    paths = [(c.method, c.path, c.status) for c in fake_discord.rest_calls]
    assert ("GET", "/users/@me", 200) in paths
    assert ("GET", "/oauth2/applications/@me", 200) in paths
    assert fake_discord.identifies[0].intents == discord.Intents.default().value


async def test_wrong_token_fails_login(fake_discord: FakeDiscord) -> None:
    client = Bot()
    with pointed_at(fake_discord), pytest.raises(discord.LoginFailure):
        await client.login("MTIz.bad.token")
    await client.close()
    assert fake_discord.rest_calls[-1].status == 401


async def test_tree_sync_echoes_commands(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips")
    client = Bot()

    @client.tree.command(name="explain", description="Explain a photo")
    async def explain(interaction: discord.Interaction, photo: discord.Attachment) -> None:
        raise AssertionError("not invoked here")

    target = discord.Object(id=int(guild["id"]))
    client.tree.copy_global_to(guild=target)
    async with running(fake_discord, client):
        synced_globally = await client.tree.sync()
        synced = await client.tree.sync(guild=target)
        again = await client.tree.sync(guild=target)
        fetched = await client.tree.fetch_commands(guild=target)
    assert [c.name for c in synced] == [c.name for c in synced_globally] == ["explain"]
    assert synced_globally[0].guild_id is None and synced_globally[0].id != synced[0].id
    assert synced[0].application_id == fake_discord.application_id
    assert synced[0].guild_id == int(guild["id"])
    assert synced[0].options[0].type is discord.AppCommandOptionType.attachment
    assert again[0].id == synced[0].id == fetched[0].id
    assert fake_discord.rest_calls[-3].path.endswith(f"/guilds/{guild['id']}/commands")


async def test_attachment_command_defers_reads_edits_and_uploads(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips")
    user = fake_discord.add_user("ada")
    client = Bot()

    @client.tree.command(name="explain", description="Explain a photo")
    async def explain(interaction: discord.Interaction, photo: discord.Attachment) -> None:
        await interaction.response.defer(thinking=True)
        data = await photo.read()
        await interaction.edit_original_response(content=f"read {len(data)} bytes")
        video = discord.File(io.BytesIO(data[::-1]), filename="explainer.mp4")
        sent = await interaction.followup.send("here it is", file=video, wait=True)
        await client.results.put((interaction.filesize_limit, sent))

    async with running(fake_discord, client):
        attachment = fake_discord.add_attachment(
            PHOTO, filename="cat.png", content_type="image/png"
        )
        interaction = await fake_discord.invoke(
            "explain", channel=guild["channels"][0], user=user, options={"photo": attachment}
        )
        result = await client.result()
        assert isinstance(result, tuple)
        limit, sent = result
        assert isinstance(sent, discord.WebhookMessage)
        assert await sent.attachments[0].read() == PHOTO[::-1]

    assert limit == 10 * 1024 * 1024
    assert [c.type for c in fake_discord.callbacks] == [5]
    created, edited, followup = fake_discord.records_for(interaction)
    assert (created.kind, created.route) == ("created", "callback")
    assert created.message["flags"] & LOADING and created.message["type"] == 20
    assert (edited.kind, edited.route) == ("edited", "original")
    assert edited.content == f"read {len(PHOTO)} bytes"
    assert not edited.message["flags"] & LOADING
    assert (followup.route, followup.content) == ("followup", "here it is")
    [file] = followup.files
    assert (file.filename, file.data) == ("explainer.mp4", PHOTO[::-1])
    assert followup.message["attachments"][0]["content_type"] == "video/mp4"
    assert sent.attachments[0].size == len(PHOTO)
    assert any(attachment["id"] in path for path in fake_discord.ledger.downloads)


async def test_button_press_reaches_view_callback(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips")
    user = fake_discord.add_user("ada")
    client = Bot()

    class Again(discord.ui.View):
        @discord.ui.button(label="Again", custom_id="again")
        async def again(
            self, interaction: discord.Interaction, button: discord.ui.Button[Any]
        ) -> None:
            await interaction.response.edit_message(content="again!", view=None)
            await client.results.put(interaction.user.id)

    @client.tree.command(name="menu", description="A button")
    async def menu(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick", view=Again(), ephemeral=True)

    async with running(fake_discord, client):
        interaction = await fake_discord.invoke("menu", channel=guild["channels"][0], user=user)
        await fake_discord.wait_for(lambda: fake_discord.callbacks, within_s=5)
        message = fake_discord.original_message(interaction)
        assert message is not None and message["flags"] & EPHEMERAL
        assert message["components"][0]["components"][0]["custom_id"] == "again"
        await fake_discord.press(message, "again", user)
        assert await client.result() == int(user["id"])
    assert [c.type for c in fake_discord.callbacks] == [4, 7]
    assert fake_discord.messages[-1].content == "again!"
    assert fake_discord.messages[-1].message["components"] == []


async def test_modal_submit_reaches_modal(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips")
    user = fake_discord.add_user("ada")
    client = Bot()

    class Ask(discord.ui.Modal, title="Topic"):
        topic: discord.ui.TextInput[Ask] = discord.ui.TextInput(label="Topic", custom_id="topic")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"about {self.topic.value}")
            await client.results.put(self.topic.value)

    @client.tree.command(name="ask", description="A modal")
    async def ask(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Ask(custom_id="ask-modal"))

    async with running(fake_discord, client):
        await fake_discord.invoke("ask", channel=guild["channels"][0], user=user)
        await fake_discord.wait_for(lambda: fake_discord.callbacks, within_s=5)
        await fake_discord.submit_modal("ask-modal", {"topic": "volcanoes"}, user)
        assert await client.result() == "volcanoes"
    assert [c.type for c in fake_discord.callbacks] == [9, 4]
    assert fake_discord.messages[-1].content == "about volcanoes"


async def test_dm_command_and_message_context_menu(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips")
    user = fake_discord.add_user("ada")
    client = Bot()

    @client.tree.command(name="hello", description="Says hello")
    async def hello(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi")
        await client.results.put((interaction.guild, interaction.context.dm_channel))

    @client.tree.context_menu(name="Explain this")
    async def explain_this(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"{len(message.attachments)} photo")
        await client.results.put(await message.attachments[0].read())

    async with running(fake_discord, client):
        dm = fake_discord.open_dm(user)
        await fake_discord.invoke("hello", channel=dm, user=user)
        assert await client.result() == (None, True)
        photo = fake_discord.add_attachment(PHOTO, filename="cat.png", content_type="image/png")
        posted = fake_discord.add_message(guild["channels"][0], user, attachments=[photo])
        await fake_discord.invoke_message_command("Explain this", posted, user=user)
        assert await client.result() == PHOTO
    first, second = fake_discord.messages
    assert (first.message["channel_id"], first.content) == (dm["id"], "hi")
    assert (second.message["type"], second.content) == (23, "1 photo")


async def test_expired_interaction_refuses_callback_and_followup(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips")
    user = fake_discord.add_user("ada")
    client = Bot()

    @client.tree.command(name="late", description="Answers too late")
    async def late(interaction: discord.Interaction) -> None:
        await client.gate.wait()
        try:
            await interaction.response.defer()
        except discord.HTTPException as exc:
            await client.results.put(exc)

    @client.tree.command(name="slow", description="Follows up too late")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await client.results.put("deferred")
        await client.gate.wait()
        try:
            await interaction.followup.send("done")
        except discord.HTTPException as exc:
            await client.results.put(exc)
        try:
            await interaction.edit_original_response(content="done")
        except discord.HTTPException as exc:
            await client.results.put(exc)

    async with running(fake_discord, client):
        channel = guild["channels"][0]
        late_interaction = await fake_discord.invoke("late", channel=channel, user=user)
        fake_discord.expire_interaction(late_interaction)
        client.gate.set()
        refused = await client.result()
        client.gate.clear()
        slow_interaction = await fake_discord.invoke("slow", channel=channel, user=user)
        assert await client.result() == "deferred"
        fake_discord.expire_interaction(slow_interaction)
        client.gate.set()
        followup, edit = await client.result(), await client.result()

    assert isinstance(refused, discord.NotFound) and refused.code == 10062
    for error in (followup, edit):
        assert isinstance(error, discord.HTTPException)
        assert (error.status, error.code) == (401, 50027)


async def test_interaction_upload_over_its_size_limit_is_refused(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips")
    user = fake_discord.add_user("ada")
    client = Bot()

    @client.tree.command(name="big", description="Uploads too much")
    async def big(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        limit = interaction.filesize_limit
        for size in (limit, limit + 1):
            try:
                await interaction.followup.send(file=discord.File(io.BytesIO(b"v" * size), "v.mp4"))
            except discord.HTTPException as exc:
                await client.results.put(exc)
            else:
                await client.results.put(size)

    async with running(fake_discord, client):
        channel = guild["channels"][0]
        await fake_discord.invoke("big", channel=channel, user=user, attachment_size_limit=100)
        sent, refused = await client.result(), await client.result()
    assert sent == 100
    assert isinstance(refused, discord.HTTPException)
    assert (refused.status, refused.code) == (413, 40005)
    assert fake_discord.callbacks[0].ephemeral


async def test_wait_for_gives_up_with_what_was_recorded(fake_discord: FakeDiscord) -> None:
    with pytest.raises(TimeoutError, match="callback types"):
        await fake_discord.wait_for(lambda: fake_discord.callbacks, within_s=0.05)


async def test_channel_post_with_file_edit_and_size_limit(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Clips")
    fake_discord.upload_limit_bytes = 1000
    client = Bot()
    async with running(fake_discord, client):
        channel = client.get_channel(int(guild["channels"][0]["id"]))
        assert isinstance(channel, discord.TextChannel)
        posted = await channel.send("ready", file=discord.File(io.BytesIO(b"x" * 1000), "a.mp4"))
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send(file=discord.File(io.BytesIO(b"x" * 1001), "b.mp4"))
        edited = await posted.edit(content="ready (edited)")
    assert (refused.value.status, refused.value.code) == (413, 40005)
    assert edited.content == "ready (edited)" and len(edited.attachments) == 1
    created = fake_discord.messages[0]
    assert (created.route, created.files[0].data) == ("channel", b"x" * 1000)
    assert [m.kind for m in fake_discord.messages] == ["created", "edited"]


async def test_dm_channel_and_rate_limit_retry(fake_discord: FakeDiscord) -> None:
    user = fake_discord.add_user("ada")
    fault = fake_discord.fail("POST /channels/*/messages", 429, retry_after=0.2)
    client = Bot()
    async with running(fake_discord, client):
        dm = await client.http.start_private_message(int(user["id"]))
        loop = asyncio.get_running_loop()
        started = loop.time()
        params = handle_message_parameters(content="hello")
        message = await client.http.send_message(int(dm["id"]), params=params)
        waited = loop.time() - started
    assert message["content"] == "hello" and dm["type"] == 1
    calls = fake_discord.rest_calls
    posts = [c.status for c in calls if c.method == "POST" and c.path.endswith("/messages")]
    assert posts == [429, 200] and fault.hits and waited >= 0.2


async def test_two_shards_identify_and_split_guilds(fake_discord: FakeDiscord) -> None:
    guilds = [fake_discord.add_guild("g0")]
    # Guild ids made in one millisecond share a shard; add guilds until both shards have one.
    while len({(int(g["id"]) >> 22) % 2 for g in guilds}) < 2:
        guilds.append(fake_discord.add_guild(f"g{len(guilds)}"))
    first, second = Bot(shard_id=0, shard_count=2), Bot(shard_id=1, shard_count=2)
    async with running(fake_discord, first), running(fake_discord, second):
        seen = [{g.id for g in client.guilds} for client in (first, second)]
    assert sorted(i.shard for i in fake_discord.identifies if i.shard) == [(0, 2), (1, 2)]
    for shard_id in (0, 1):
        assert seen[shard_id] == {
            int(g["id"]) for g in guilds if (int(g["id"]) >> 22) % 2 == shard_id
        }


async def test_auto_sharded_client_reads_gateway_bot(fake_discord: FakeDiscord) -> None:
    fake_discord.add_guild("Clips")

    class AutoBot(discord.AutoShardedClient):
        async def on_ready(self) -> None:
            ready.set()

    ready = asyncio.Event()
    client = AutoBot(intents=discord.Intents.default(), guild_ready_timeout=0.1)
    with pointed_at(fake_discord):
        task = asyncio.create_task(client.start(fake_discord.token))
        try:
            await asyncio.wait_for(ready.wait(), timeout=10)
            assert client.shard_count == 1 and len(client.guilds) == 1
        finally:
            await client.close()
            await task
    assert ("GET", "/gateway/bot") in [(c.method, c.path) for c in fake_discord.rest_calls]
    assert fake_discord.identifies[0].shard == (0, 1)
