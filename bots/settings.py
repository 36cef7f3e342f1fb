"""Everything one clipbridge process is told: the core's settings and each chat platform's,
read once (from the environment and `.env`) and passed down, each to its owner."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic_settings import BaseSettings

from bots.discord.settings import DiscordSettings
from bots.telegram.settings import TelegramSettings
from core.settings import Settings
from engine.settings import EngineSettings

# Every kind of settings a process reads, each with its own prefix in the environment.
KINDS: tuple[type[BaseSettings], ...] = (
    Settings,
    TelegramSettings,
    DiscordSettings,
    EngineSettings,
)


@dataclass(frozen=True)
class ProcessSettings:
    core: Settings
    telegram: TelegramSettings = field(default_factory=lambda: TelegramSettings(_env_file=None))  # type: ignore[call-arg]
    discord: DiscordSettings = field(default_factory=lambda: DiscordSettings(_env_file=None))  # type: ignore[call-arg]

    @classmethod
    def read(cls) -> ProcessSettings:
        return cls(Settings(), TelegramSettings(), DiscordSettings())

    def secrets(self) -> list[str]:
        """Every secret value, for the log redactor."""
        return self.core.secrets() + self.telegram.secrets() + self.discord.secrets()

    @property
    def platforms(self) -> frozenset[str]:
        """The chat platforms with a bot token."""
        configured = {"telegram": self.telegram.bot_token, "discord": self.discord.bot_token}
        return frozenset(name for name, token in configured.items() if token is not None)


def prefix_of(kind: type[BaseSettings]) -> str:
    return str(kind.model_config.get("env_prefix") or "")


def setting_names() -> set[str]:
    """Every setting's name as the environment spells it (`TELEGRAM_BOT_TOKEN`)."""
    return {f"{prefix_of(kind)}{name}".upper() for kind in KINDS for name in kind.model_fields}


def by_owner(values: dict[str, str]) -> dict[type[BaseSettings], dict[str, str]]:
    """Environment values grouped by the settings that read them, under their field names; a
    name no settings read is left out."""
    grouped: dict[type[BaseSettings], dict[str, str]] = {}
    for name, value in values.items():
        for kind in KINDS:
            field = name.lower().removeprefix(prefix_of(kind).lower())
            if name.upper().startswith(prefix_of(kind)) and field in kind.model_fields:
                grouped.setdefault(kind, {})[field] = value
                break
    return grouped
