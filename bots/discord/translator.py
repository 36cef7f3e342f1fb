"""The slash commands in every language the bot speaks: discord.py asks a Translator for each
command's, option's and choice's name and description in each of Discord's locales as the
commands are synced, and sends them as `name_localizations` and `description_localizations`.

The texts come from the catalogs like everything else the bot says (`localized` declares the
English, `make i18n` finds it). A translated name Discord would refuse (its names are lower case,
without spaces) is left out, so one bad translation cannot fail the whole sync."""

from __future__ import annotations

import re

import discord
from discord import app_commands

from core.languages import language_of
from core.texts import msg, text

_Location = app_commands.TranslationContextLocation
# Discord's rule for command and option names ("CHAT_INPUT" commands): letters of any script,
# digits, "-" and "_", 1 to 32 of them, lower case where the script has case.
_NAME = re.compile(r"^[-_\w\u0900-\u097f\u0e00-\u0e7f]{1,32}$")
_NAMES = frozenset({_Location.command_name, _Location.group_name, _Location.parameter_name})
NAME_LIMIT, TEXT_LIMIT = 32, 100  # a context menu's name may have spaces; descriptions 100


def localized(key: str, english: str) -> app_commands.locale_str:
    """A command's text: `english` as Discord's default, the catalogs' `key` for the rest."""
    return app_commands.locale_str(english, key=msg(key, english))


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name)) and name == name.lower()


class CatalogTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        language = language_of(locale.value)
        if not key or language == "en":
            return None  # English, or a locale the bot has no catalog for: Discord's default
        said = text(key, language)
        if said == string.message:
            return None
        if isinstance(context.data, app_commands.ContextMenu):
            return said if len(said) <= NAME_LIMIT else None
        if context.location in _NAMES:
            return said if valid_name(said) else None
        return said if len(said) <= TEXT_LIMIT else None
