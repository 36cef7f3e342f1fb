"""The Discord adapter's settings: `DISCORD_*` in the environment or `.env`."""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import http_url, real_secret


class DiscordSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DISCORD_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    # REST base and gateway URL: Discord's by default; a REST proxy (nirn-proxy) for large
    # deployments shares one view of the rate limits between every process.
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str = ""  # empty: discord.py's default gateway
    guild_ids: str = ""  # comma-separated: sync commands to these guilds at once (dev)
    sync_commands: bool = True
    shard_count: int | None = None  # with shard ids, split the gateway across processes
    shard_ids: str = ""  # comma-separated shard ids this process runs

    @field_validator("bot_token")
    @classmethod
    def _reject_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return real_secret(value)

    @field_validator("shard_count", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("api_base")
    @classmethod
    def _check_base(cls, value: str) -> str:
        return http_url(value)

    def secrets(self) -> list[str]:
        return [self.bot_token.get_secret_value()] if self.bot_token else []
