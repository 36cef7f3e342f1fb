"""What the chat is told: progress, replies and problems, each in the user's language."""

from __future__ import annotations

from core.outbound.notifier import Notifier
from core.outbound.problems import Reporter

__all__ = [
    "Notifier",
    "Reporter",
]
