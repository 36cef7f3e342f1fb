"""At LOG_LEVEL=DEBUG the chat libraries print what they send and receive; none of it may carry
a token. The real discord.py against the fake Discord, logging set up as `clipbridge` does."""

from __future__ import annotations

from pathlib import Path

from bots.runtime import open_runtime, platforms_registered
from engine.api.server import RunningEngine
from tests.fakes.discord import FakeDiscord, pointed_at
from tests.fixtures.core import settings_for
from tests.fixtures.platforms import discord_settings
from tests.fixtures.program_logs import program_logs


async def test_discord_debug_lines_show_no_interaction_or_bot_token(
    fake_discord: FakeDiscord,
    redis_url: str,
    key_prefix: str,
    engine: RunningEngine,
    tmp_path: Path,
) -> None:
    fake = fake_discord
    guild = fake.add_guild("Clips")
    user = fake.add_user("ada")
    fake.add_member(guild, user)
    notes = fake.add_attachment(b"just words", filename="notes.txt", content_type="text/plain")
    settings = settings_for(redis_url, key_prefix, engine.base_url, tmp_path)
    discord = discord_settings(fake)
    with program_logs("DEBUG", discord.secrets()) as logs, pointed_at(fake):
        async with (
            open_runtime(settings, {}) as runtime,
            platforms_registered(runtime, None, discord, ingress=frozenset({"discord"})),
        ):
            interaction = await fake.invoke(
                "explain",
                channel=guild["channels"][0],
                user=user,
                guild=guild,
                options={"image": notes},
            )
            await fake.wait_for(
                lambda: [c for c in fake.callbacks if c.token == interaction["token"]]
            )

    assert interaction["token"] not in logs.text
    assert fake.token not in logs.text
    # The lines are there, with the token's place marked.
    callback = f"/interactions/{interaction['id']}/[redacted]/callback"
    lines = [e for e in logs.entries() if e["logger"].startswith("discord.")]
    assert any(callback in e["message"] for e in lines), logs.text[-3000:]
    assert any(
        "INTERACTION_CREATE" in e["message"] and "'token': '[redacted]'" in e["message"]
        for e in logs.of("discord.gateway")
    )
