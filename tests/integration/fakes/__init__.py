# Imported first so that discord.py is loaded with its audioop DeprecationWarning silenced.
import tests.fakes.discord.api  # noqa: F401
