"""The Discord adapter, on discord.py 2.7."""

import warnings

with warnings.catch_warnings():
    # discord.py imports audioop (voice), deprecated since Python 3.11; clipbridge uses no voice.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

# clipbridge uses no voice: tell discord.py not to warn about voice libraries on every start.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False
