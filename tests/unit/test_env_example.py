"""`.env.example` documents every setting, and only real ones."""

from __future__ import annotations

import re
from pathlib import Path

from bots.settings import setting_names
from core.settings import Settings
from engine.settings import EngineSettings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def documented() -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", EXAMPLE.read_text(), re.MULTILINE))


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    assert documented() == setting_names()


def test_env_example_loads_as_valid_settings(tmp_path: Path) -> None:
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.nemo_api_base == "local"
    assert settings.nemo_token is None
    engine = EngineSettings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert engine.port == 8700
