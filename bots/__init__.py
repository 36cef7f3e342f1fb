"""Adapters (Telegram, Discord, console) and the composition root (`bots.cli`)."""
