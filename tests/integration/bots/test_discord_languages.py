"""Discord in every language the bot speaks, and installed by a person as well as by a server:
the synced commands carry their translations, and a person's app answers in a server without
the bot, in the bot's DM and in a group DM, in the language of their client."""

from __future__ import annotations

from typing import Any

import pytest

from bots.discord.sink import buttons_view
from core.events import Action, Button
from core.texts import text
from tests.fakes.discord import FakeDiscord
from tests.fixtures.platforms import BotFor

GUILD_INSTALL, USER_INSTALL = 0, 1
GUILD, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2


def command(fake: FakeDiscord, name: str) -> dict[str, Any]:
    (found,) = [c for c in fake.world.commands(None) if c["name"] == name]
    return found


async def test_the_synced_commands_carry_their_translations(
    discord_bot: BotFor, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    async with discord_bot():
        await fake.wait_for(lambda: fake.world.commands(None))

    export = command(fake, "export")
    assert export["name_localizations"]["es-ES"] == text("discord.export", "es")
    assert export["name_localizations"]["pt-BR"] == text("discord.export", "pt")
    assert export["description_localizations"]["ja"] == text("discord.export.about", "ja")
    assert export["description_localizations"]["zh-CN"] == text("discord.export.about", "zh")
    # English is Discord's default; a locale the bot has no catalog for keeps the default.
    assert not {"en-US", "en-GB", "pl", "uk"} & set(export["name_localizations"])

    explain = command(fake, "explain")
    image = next(o for o in explain["options"] if o["name"] == "image")
    assert image["name_localizations"]["de"] == text("discord.option.image", "de")
    assert image["description_localizations"]["ko"] == text("discord.explain.image", "ko")

    lang = command(fake, "lang")
    scope = next(o for o in lang["options"] if o["name"] == "for")
    server = next(c for c in scope["choices"] if c["value"] == "group")
    assert server["name_localizations"]["fr"] == text("discord.choice.server", "fr")
    languages = next(o for o in lang["options"] if o["name"] == "language")
    assert {c["value"] for c in languages["choices"]} >= {"en", "zh", "ar", "hi", "vi"}

    menu = next(c for c in fake.world.commands(None) if c["type"] == 3)
    assert menu["name_localizations"]["tr"] == text("discord.explain_message", "tr")

    for synced in fake.world.commands(None):
        assert synced["integration_types"] == [GUILD_INSTALL, USER_INSTALL], synced["name"]
        assert synced["contexts"] == [GUILD, BOT_DM, PRIVATE_CHANNEL], synced["name"]


def foreign_server(fake: FakeDiscord, user: dict[str, Any]) -> dict[str, Any]:
    """A channel of a server the bot is not in, where `user` uses the app they installed."""
    guild = fake.add_guild("Elsewhere")
    bot_id = fake.bot_user["id"]
    guild["members"] = [m for m in guild["members"] if m["user"]["id"] != bot_id]
    fake.add_member(guild, user)
    channel: dict[str, Any] = guild["channels"][0]
    return channel


@pytest.mark.parametrize("where", ["server without the bot", "bot DM", "group DM"])
async def test_a_person_installed_app_answers_in_every_context(
    discord_bot: BotFor, fake_discord: FakeDiscord, where: str
) -> None:
    fake = fake_discord
    ada, bob = fake.add_user("ada"), fake.add_user("bob")
    async with discord_bot():
        if where == "server without the bot":
            channel = foreign_server(fake, ada)
        elif where == "bot DM":
            channel = fake.open_dm(ada)
        else:
            channel = fake.add_group_dm("weekend", ada, bob)
        asked = await fake.invoke(
            "help", channel=channel, user=ada, user_install=True, locale="es-ES"
        )
        context = asked["context"]
        await fake.wait_for(lambda: fake.records_for(asked))

    expected = {"server without the bot": GUILD, "bot DM": BOT_DM, "group DM": PRIVATE_CHANNEL}
    assert context == expected[where]
    answers = [r.content for r in fake.records_for(asked)]
    assert text("help", "es") in answers
    posted = [c for c in fake.rest_calls if c.path == f"/channels/{channel['id']}/messages"]
    assert not posted, "answered through the interaction, not with the bot's own token"


async def test_the_refine_form_asks_in_the_persons_language(
    discord_bot: BotFor, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    guild = fake.add_guild("Clips")
    user = fake.add_user("kenji")
    fake.add_member(guild, user)
    buttons = tuple(Button(action, action.value.title()) for action in Action)
    view = buttons_view(buttons, user["id"])
    assert view is not None
    message = fake.add_message(
        guild["channels"][0], fake.bot_user, content="🎬", components=view.to_components()
    )
    async with discord_bot():
        pressed = await fake.press(message, f"cb:refine:{user['id']}", user, locale="ja")
        await fake.wait_for(lambda: [c for c in fake.callbacks if c.token == pressed["token"]])

    (modal,) = [c for c in fake.callbacks if c.token == pressed["token"]]
    assert modal.data["title"] == text("button.refine", "ja")
    (label,) = modal.data["components"]
    assert label["label"] == text("form.refine_label", "ja")
