"""`clipbridge`: the command line, and the place where settings are read (once)."""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import shutil
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from bots.discord.settings import DiscordSettings
from bots.failures import OperatorError, explain, port_error
from bots.logs import Redactor, configure
from bots.settings import ProcessSettings
from bots.telegram.settings import TelegramSettings
from core.exports import ffmpeg_path
from core.settings import Settings
from core.store import check_redis_url

log = logging.getLogger("clipbridge")
FFMPEG_USERS = frozenset({"demo", "chat", "run", "worker"})  # they render or shrink videos
VERBOSE_HELP = "with a failure, show its traceback too"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clipbridge",
        description="Turn a photo sent to a chat bot into a 1080p explainer video.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    # -v after the command works too; SUPPRESS keeps a command from resetting one given before
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = functools.partial(commands.add_parser, parents=[verbose])

    demo = add("demo", help="photo in, MP4 out, on embedded defaults")
    demo.add_argument("photo", nargs="?", type=Path, help="a picture (default: a generated one)")
    demo.add_argument("prompt", nargs="?", default="", help="what you want (default: explain)")
    demo.add_argument("--out", type=Path, default=Path("out/demo.mp4"), help="where the MP4 goes")

    chat = add("chat", help="chat with the bot in this terminal")
    chat.add_argument("--json", action="store_true", help="JSON lines in and out, for scripts")
    chat.add_argument("--out", type=Path, default=Path("out"), help="folder for the videos")

    add("run", help="every configured adapter and the job workers")
    add("worker", help="run job workers only")
    add("telegram", help="the Telegram ingress only (polling or webhook)")
    add("discord", help="the Discord ingress only (gateway, shards)")

    add("doctor", help="check the settings, Redis, the backend and the bots")

    provenance = add("provenance", help="what each picture's own record says of its making")
    provenance.add_argument("files", nargs="+", type=Path, metavar="FILE")
    provenance.add_argument("--json", action="store_true", help="the finding as JSON lines")
    provenance.add_argument("--lang", default="en", help="the card's language: en, zh, es...")

    engine = add("engine", help="run the local NemoVideo-compatible engine")
    engine.add_argument("--host", default=None)
    engine.add_argument("--port", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    process: ProcessSettings | None = None
    try:
        process = read_settings()
        configure(_log_level(args, process), process.core.log_format, process.secrets())
        return _run(args, process)
    except KeyboardInterrupt:  # Ctrl-C: what was running has stopped; nothing more to say
        return 130
    except BrokenPipeError:  # the reader went away (| head): it has read all it wanted
        from bots.console import quiet_stdout

        quiet_stdout(sys.stdout)
        return 0
    except Exception as exc:
        return _fail(exc, process, verbose=args.verbose)


# Commands a person reads in the terminal: log lines would land between the bot's own lines, so
# they show only with -v or a LOG_LEVEL set on purpose (warnings and errors always do).
CONVERSATIONS = frozenset({"demo", "chat"})


def _log_level(args: argparse.Namespace, process: ProcessSettings) -> str:
    if args.command in CONVERSATIONS and "log_level" not in process.core.model_fields_set:
        return "INFO" if getattr(args, "verbose", False) else "WARNING"
    return process.core.log_level


def read_settings() -> ProcessSettings:
    """The settings, or an OperatorError naming each value that is wrong (never the value)."""
    wrong: list[str] = []
    read: list[BaseSettings] = []
    for kind in (Settings, TelegramSettings, DiscordSettings):
        try:
            read.append(kind())
        except ValidationError as exc:
            wrong += _wrong(exc, str(kind.model_config.get("env_prefix") or ""))
    if wrong:
        raise OperatorError(
            "a setting is not valid: " + "; ".join(wrong),
            "correct it in .env or the environment (.env.example documents each one)",
        )
    core, telegram, discord = read
    assert isinstance(core, Settings)
    assert isinstance(telegram, TelegramSettings) and isinstance(discord, DiscordSettings)
    return ProcessSettings(core, telegram, discord)


def _wrong(exc: ValidationError, prefix: str) -> list[str]:
    """Each error as "NAME what is wrong", with the name as set in the environment."""
    wrong = []
    for error in exc.errors():
        field = "_".join(str(part) for part in error["loc"][:1])
        said = error["msg"].removeprefix("Value error, ")
        if not field:  # a rule over several settings names them itself
            wrong.append(said)
            continue
        name = f"{prefix}{field}".upper()
        wrong.append(f"{name} {said}" if said[:1].islower() else f"{name}: {said}")
    return wrong


def _fail(exc: Exception, process: ProcessSettings | None, *, verbose: bool) -> int:
    """One line on stderr for a failure; its traceback too with -v, scrubbed of secrets."""
    if verbose:
        shown = "".join(traceback.format_exception(exc))
        print(Redactor(process.secrets() if process else ()).scrub(shown), file=sys.stderr)
    failure = explain(exc, process)
    if failure is not None:
        print(failure.line(), file=sys.stderr)
    else:
        log.debug("unexpected failure", exc_info=exc)
        print(
            f"clipbridge: stopped by an unexpected {type(exc).__name__}. Fix: run the same "
            "command with -v to see where, and report it",
            file=sys.stderr,
        )
    return 1


def _run(args: argparse.Namespace, process: ProcessSettings) -> int:
    settings = process.core
    if args.command in FFMPEG_USERS:
        need_ffmpeg(settings.ffmpeg_binary, "FFMPEG_BINARY")
    if args.command == "engine" or (args.command in FFMPEG_USERS and _local(settings)):
        from engine.settings import EngineSettings

        need_ffmpeg(EngineSettings().ffmpeg_binary, "ENGINE_FFMPEG_BINARY")
    if args.command == "engine":
        return _engine(settings, args.host, args.port)
    if args.command == "doctor":
        from bots.doctor import doctor

        return asyncio.run(doctor(process))
    if args.command == "provenance":
        from bots.provenance_cli import show_provenance

        return show_provenance(
            args.files, as_json=args.json, language=args.lang, anchors=settings.c2pa_trust_anchors
        )
    check_redis_url(settings.redis_url or "redis://")
    from bots import console_app

    if args.command == "demo":
        return asyncio.run(console_app.demo(settings, args.photo, args.prompt, args.out))
    if args.command == "chat":
        return asyncio.run(console_app.chat(settings, json_lines=args.json, out_dir=args.out))
    from bots.roles import run_role

    both = frozenset({"telegram", "discord"})
    roles = {
        "run": (both, True),
        "worker": (frozenset(), True),
        "telegram": (frozenset({"telegram"}), False),
        "discord": (frozenset({"discord"}), False),
    }
    ingress, workers = roles[args.command]
    if ingress and not ingress & process.platforms:
        print(nothing_to_run(args.command))
        return 2
    return asyncio.run(run_role(process, ingress=ingress, workers=workers))


def _local(settings: Settings) -> bool:
    return settings.nemo_api_base == "local"


def need_ffmpeg(configured: str, setting: str) -> None:
    """The FFmpeg `setting` names (or the bundled one) is there and runs; else OperatorError."""
    binary = ffmpeg_path(configured)
    if shutil.which(binary) is None:
        raise OperatorError(
            f"there is no FFmpeg at {binary} ({setting})",
            f"unset {setting} to use the FFmpeg bundled with clipbridge, or name an FFmpeg "
            "built with libx264",
        )


def nothing_to_run(command: str) -> str:
    """What `clipbridge <command>` needs before it has anything to do."""
    lines = [f"clipbridge {command} needs a chat platform. Set, in .env or the environment:"]
    if command in ("run", "telegram"):
        lines.append("  TELEGRAM_BOT_TOKEN  the token @BotFather gives your bot (/newbot)")
    if command in ("run", "discord"):
        lines.append("  DISCORD_BOT_TOKEN   your application's bot token (Developer Portal, Bot)")
    lines += [
        'Then `clipbridge doctor` checks them. README.md, "Go live", has every step.',
        "To try the bot first with no platform at all: `clipbridge chat`.",
    ]
    return "\n".join(lines)


def _engine(settings: Settings, host: str | None, port: int | None) -> int:
    from engine.api.server import serve
    from engine.settings import EngineSettings

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    engine = EngineSettings().model_copy(update=overrides)
    try:
        serve(engine)
    except OSError as exc:
        setting = "--port" if port is not None else "ENGINE_PORT"
        failure = port_error(exc, engine.host, engine.port, setting)
        if failure is None:
            raise
        raise failure from exc
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
