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

from bots.failures import OperatorError, explain, port_error
from bots.logs import Redactor, configure
from bots.redis_urls import check_redis_url
from core.fit import ffmpeg_path
from core.settings import Settings

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

    engine = add("engine", help="run the local NemoVideo-compatible engine")
    engine.add_argument("--host", default=None)
    engine.add_argument("--port", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = read_settings()
        configure(settings.log_level, settings.log_format, settings.secrets())
        return _run(args, settings)
    except KeyboardInterrupt:  # Ctrl-C: what was running has stopped; nothing more to say
        return 130
    except Exception as exc:
        return _fail(exc, settings, verbose=args.verbose)


def read_settings() -> Settings:
    """The settings, or an OperatorError naming each value that is wrong (never the value)."""
    try:
        return Settings()
    except ValidationError as exc:
        wrong = []
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"][:1]).upper()
            said = error["msg"].removeprefix("Value error, ")
            if not name:  # a rule over several settings names them itself
                wrong.append(said)
            else:
                wrong.append(f"{name} {said}" if said[:1].islower() else f"{name}: {said}")
        raise OperatorError(
            "a setting is not valid: " + "; ".join(wrong),
            "correct it in .env or the environment (.env.example documents each one)",
        ) from None


def _fail(exc: Exception, settings: Settings | None, *, verbose: bool) -> int:
    """One line on stderr for a failure; its traceback too with -v, scrubbed of secrets."""
    if verbose:
        shown = "".join(traceback.format_exception(exc))
        print(Redactor(settings.secrets() if settings else ()).scrub(shown), file=sys.stderr)
    failure = explain(exc, settings)
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


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command in FFMPEG_USERS:
        need_ffmpeg(settings.ffmpeg_binary, "FFMPEG_BINARY")
    if args.command == "engine" or (args.command in FFMPEG_USERS and _local(settings)):
        from engine.settings import EngineSettings

        need_ffmpeg(EngineSettings().ffmpeg_binary, "ENGINE_FFMPEG_BINARY")
    if args.command == "engine":
        return _engine(settings, args.host, args.port)
    if args.command == "doctor":
        from bots.doctor import doctor

        return asyncio.run(doctor(settings))
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
    if ingress and not any(_configured(settings, name) for name in ingress):
        print(nothing_to_run(args.command))
        return 2
    return asyncio.run(run_role(settings, ingress=ingress, workers=workers))


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


def _configured(settings: Settings, platform: str) -> bool:
    token = settings.telegram_bot_token if platform == "telegram" else settings.discord_bot_token
    return token is not None


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
    from engine.server import serve
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
