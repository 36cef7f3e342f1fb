"""The Telegram adapter's settings: `TELEGRAM_*` in the environment or `.env`."""

from __future__ import annotations

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import http_url, real_secret

OFFICIAL_SERVER = "https://api.telegram.org"


class TelegramSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELEGRAM_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    # The Bot API server's root; a self-hosted telegram-bot-api (e.g. http://127.0.0.1:8081)
    # started with --local lifts the 20 MB download and 50 MB upload limits to 2000 MB.
    api_base: str = OFFICIAL_SERVER
    local_mode: bool = False
    upload_limit_mb: float = 0  # 0: what the server allows (50, or 2000 when local)
    webhook_url: str = ""  # public HTTPS URL of the webhook; empty: long polling
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - the webhook must be reachable
    webhook_port: int = 8443
    album_quiet_s: float = 1.0  # an album is complete after this long without items
    # Telegram's flood limits, enforced in each process by PTB's rate limiter: about 30 messages
    # a second across chats and 20 a minute per group. Raise only for a server that allows it.
    max_rate: float = 30.0
    group_max_per_minute: float = 20.0

    @field_validator("bot_token", "webhook_secret")
    @classmethod
    def _reject_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return real_secret(value)

    @field_validator("api_base")
    @classmethod
    def _check_base(cls, value: str) -> str:
        return http_url(value)

    @model_validator(mode="after")
    def _check_webhook(self) -> TelegramSettings:
        # Telegram's own servers call webhooks over HTTPS only; a self-hosted Bot API server
        # may call plain HTTP.
        official = "api.telegram.org" in self.api_base
        url = self.webhook_url
        if url and not url.startswith("https://") and (official or not url.startswith("http://")):
            raise ValueError(
                "TELEGRAM_WEBHOOK_URL must be a public https:// URL (Telegram calls webhooks "
                "over HTTPS only), or empty for long polling"
            )
        return self

    def secrets(self) -> list[str]:
        found = (self.bot_token, self.webhook_secret)
        return [secret.get_secret_value() for secret in found if secret is not None]
