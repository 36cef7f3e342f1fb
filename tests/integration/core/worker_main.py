"""A worker in its own process, for the crash tests: the real composition root, with the chat
platform "test" printing JSON-line events to a file. Settings come from the environment."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from bots.console import ConsoleSink, ConsoleSource
from bots.logs import configure
from bots.runtime import open_runtime, running_worker
from core.ports import PlatformPorts
from core.settings import Settings
from tests.fixtures.core import FAST_JOBS, PLATFORM


async def main(events: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # `kill -USR1` a worker that seems stuck: where each of its tasks waits goes beside the events
    loop.add_signal_handler(signal.SIGUSR1, dump_tasks, events.with_suffix(".tasks"))
    with events.open("a", buffering=1) as stream:
        sink = ConsoleSink(events.parent / "videos", json_lines=True, stream=stream)
        platforms = {PLATFORM: PlatformPorts(ConsoleSource(), sink)}
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        configure(settings.log_level, settings.log_format, settings.secrets())
        logging.getLogger("saq").setLevel(logging.INFO)  # a swept job shows in the worker's log
        async with (
            open_runtime(settings, platforms, job_limits=FAST_JOBS) as runtime,
            running_worker(runtime.core, grace_s=1),
        ):
            stream.write('{"type": "ready"}\n')
            await stop.wait()


def dump_tasks(path: Path) -> None:
    with path.open("w") as out:
        for task in asyncio.all_tasks():
            print(f"--- {task.get_name()}", file=out)
            task.print_stack(file=out)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
