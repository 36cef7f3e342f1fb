"""One of two processes flooding one group for the fair-use test: submits N messages from the
same user at once and prints, as JSON lines, the problems the chat was told and then a count."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

from bots.console import ConsoleSink, ConsoleSource
from bots.runtime import open_runtime
from core.messages import ChatRef, Inbound, Sender
from core.ports import PlatformPorts
from core.settings import Settings
from tests.fixtures.core import PLATFORM


async def main(count: int) -> None:
    sink = ConsoleSink(__import__("pathlib").Path("."), json_lines=True, stream=sys.stdout)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    async with open_runtime(settings, {PLATFORM: PlatformPorts(ConsoleSource(), sink)}) as rt:
        chat = ChatRef(PLATFORM, "group-1")

        async def send(n: int) -> bool:
            inbound = Inbound(
                uuid.uuid4().hex,
                chat,
                Sender("flooder"),
                f"status {n}",
                is_group=True,
                language="en",
            )
            return not (await rt.core.submit(inbound)).refused

        accepted = sum(await asyncio.gather(*(send(n) for n in range(count))))
    print(json.dumps({"type": "accepted", "count": accepted}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
