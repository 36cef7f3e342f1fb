"""An export after the edit: render steps as durable jobs, delivery to the chat, and fitting a
video to what the platform accepts."""

from __future__ import annotations

from core.exports.delivery import Delivery
from core.exports.fit import ffmpeg_path
from core.exports.steps import RenderJobs, RenderTiming

__all__ = [
    "Delivery",
    "RenderJobs",
    "RenderTiming",
    "ffmpeg_path",
]
