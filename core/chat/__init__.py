"""A chat's turn: the next message through the conversation (its intent, the agent's stream
and its GUI words) to the answer."""

from __future__ import annotations

from core.chat.agent_stream import StreamLimits
from core.chat.commands import ChatCommands
from core.chat.conversation import Conversation, ConversationConfig
from core.chat.turns import TurnConfig, Turns

__all__ = [
    "ChatCommands",
    "Conversation",
    "ConversationConfig",
    "StreamLimits",
    "TurnConfig",
    "Turns",
]
