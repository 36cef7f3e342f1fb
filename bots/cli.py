"""`clipbridge`: the command line, and the place where settings are read (once)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bots.logs import configure
from core.settings import Settings

log = logging.getLogger("clipbridge")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clipbridge",
        description="Turn a photo sent to a chat bot into a 1080p explainer video.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="photo in, MP4 out, on embedded defaults")
    demo.add_argument("photo", nargs="?", type=Path, help="a picture (default: a generated one)")
    demo.add_argument("prompt", nargs="?", default="", help="what you want (default: explain)")
    demo.add_argument("--out", type=Path, default=Path("out/demo.mp4"), help="where the MP4 goes")

    chat = commands.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--json", action="store_true", help="JSON lines in and out, for scripts")
    chat.add_argument("--out", type=Path, default=Path("out"), help="folder for the videos")

    commands.add_parser("run", help="every configured adapter and the job workers")
    commands.add_parser("worker", help="run job workers only")
    commands.add_parser("telegram", help="the Telegram ingress only (polling or webhook)")
    commands.add_parser("discord", help="the Discord ingress only (gateway, shards)")

    commands.add_parser("doctor", help="check the settings, Redis, the backend and the bots")

    engine = commands.add_parser("engine", help="run the local NemoVideo-compatible engine")
    engine.add_argument("--host", default=None)
    engine.add_argument("--port", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"clipbridge: the settings are not valid:\n{exc}", file=sys.stderr)
        return 2
    configure(settings.log_level, settings.log_format, settings.secrets())
    if args.command == "engine":
        from engine.server import serve
        from engine.settings import EngineSettings

        overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
        serve(EngineSettings().model_copy(update=overrides))
        return 0
    if args.command == "doctor":
        from bots.doctor import doctor

        return asyncio.run(doctor(settings))
    from bots.redis_urls import RedisUrlError, check_redis_url

    try:
        check_redis_url(settings.redis_url or "redis://")
    except RedisUrlError as exc:  # its text never holds the URL, which may carry a password
        print(f"clipbridge: REDIS_URL cannot be used: {exc}", file=sys.stderr)
        return 2
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
    return asyncio.run(run_role(settings, ingress=ingress, workers=workers))


if __name__ == "__main__":
    raise SystemExit(main())
