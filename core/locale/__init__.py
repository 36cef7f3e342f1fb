"""The translations of everything the bot says: clipbridge.pot (the English, extracted from the
code by `make i18n`) and, per language, LC_MESSAGES/clipbridge.po (edited by translators) and
clipbridge.mo (compiled from it, read at run time)."""
