"""The Telegram adapter, on python-telegram-bot 22."""

import os

# PTB 22 warns on every RetryAfter unless it may hand out timedeltas; we use them.
os.environ.setdefault("PTB_TIMEDELTA", "1")
