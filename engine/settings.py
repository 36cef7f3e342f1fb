"""Settings of the local engine, read once from the environment (prefix ``ENGINE_``) and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EngineSettings(BaseSettings):
    """Everything the engine can be told; every field is listed in `.env.example`."""

    model_config = SettingsConfigDict(env_prefix="ENGINE_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8700
    # Root URL that clients use to fetch rendered files; empty means "the address I listen on".
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
    max_duration_s: float = 60.0

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
    url_upload_timeout_s: float = 30.0

    # Test hooks: the fault-injection and clock admin endpoints under /_admin.
    admin_enabled: bool = False
