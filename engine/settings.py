"""Settings of the local engine, read once from the environment (prefix ``ENGINE_``) and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class EngineSettings(BaseSettings):
    """Everything the engine can be told; every field is listed in `.env.example`."""

    model_config = SettingsConfigDict(env_prefix="ENGINE_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8700
    # Root of every URL the engine hands out (uploads, renders); empty means "the address I
    # listen on". Never taken from a request's Host header.
    public_url: str = ""
    data_dir: Path = Path("var/engine")
    ffmpeg_binary: str = ""  # empty: the static binary of the imageio-ffmpeg wheel

    # Rendering.
    render_workers: int = Field(default=1, ge=1)
    x264_preset: str = "veryfast"
    x264_crf: int = Field(default=23, ge=0, le=51)
    fps: int = Field(default=30, ge=1, le=60)
    default_duration_s: float = Field(default=15.0, ge=5.0, le=60.0)
    min_duration_s: float = 5.0
    # The longest video the engine renders: every draft is clamped to it at submit and again
    # by the renderer.
    max_duration_s: float = Field(default=60.0, gt=0.0)
    # A voice reads the explainer's script (eSpeak NG, offline), and the script sets the video's
    # length. off: silent captions over the music, at DEFAULT_DURATION_S.
    narration: Literal["on", "off"] = "on"

    # The simulated agent.
    seed: int = 7
    think_s: float = Field(default=1.0, ge=0.0)  # simulated work per edit step
    heartbeat_s: float = Field(default=5.0, gt=0.0)  # heartbeat period while a step runs
    silent_edit_ratio: float = Field(default=0.3, ge=0.0, le=1.0)
    edit_cost: int = Field(default=5, ge=0)  # credits per SSE message
    sse_shape: Literal["reference", "adk", "plain"] = "reference"
    render_shape: Literal["reference", "seed"] = "reference"

    # Accounts and limits.
    anonymous_credits: int = 100
    token_ttl_s: int = 7 * 24 * 3600
    # Anonymous tokens per client IP per hour; 0 disables the limit (the cloud allows about 5).
    anonymous_tokens_per_ip_per_hour: int = 0
    # Registered tokens for tests of NEMO_TOKEN: "token=credits[:scope+scope],..." .
    registered_tokens: str = ""
    session_idle_s: int = 24 * 3600
    max_upload_mb: int = 200
    # Uploads given as URLs ({"urls": [...]}): off by default. When on, only public addresses
    # are fetched (`engine.state.url_fetch`).
    url_upload: bool = False
    url_upload_timeout_s: float = 30.0

    # Test hooks: the fault-injection and clock admin endpoints under /_admin.
    admin_enabled: bool = False

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise ValueError("must be empty or an http(s) URL such as https://engine.example")
        if parts.query or parts.fragment:
            raise ValueError("must be a root URL, without a query or a fragment")
        return value
