"""The FFmpeg renderer (`engine.render.renderer`) behind the render jobs' `RenderBackend` port."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from engine.draft import Draft
from engine.render.narration import EspeakNarrator
from engine.render.renderer import RenderError, RenderOptions, render_draft
from engine.settings import EngineSettings
from engine.state.renders import JobFailed, RenderBackend


def ffmpeg_backend(settings: EngineSettings, ffmpeg: str) -> RenderBackend:
    """Renders with `engine.render.renderer.render_draft`; its RenderError becomes a failed job."""
    # Split the cores between the workers so parallel renders do not fight over them.
    threads = max(1, (os.cpu_count() or 1) // settings.render_workers)
    options = RenderOptions(
        ffmpeg=ffmpeg,
        preset=settings.x264_preset,
        crf=settings.x264_crf,
        fps=settings.fps,
        threads=threads,
        max_duration_s=settings.max_duration_s,
        narrator=EspeakNarrator() if settings.narration == "on" else None,
    )

    async def render(
        draft: Draft,
        media: Mapping[str, Path],
        out: Path,
        on_progress: Callable[[float], None],
    ) -> None:
        try:
            await render_draft(draft, media, out, options, on_progress=on_progress)
        except RenderError as exc:
            raise JobFailed(exc.reason) from exc

    return render
