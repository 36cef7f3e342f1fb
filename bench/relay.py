"""Upload relay benchmark: a large attachment streamed from a platform's file URL to the backend.

    python -m bench.relay [--mb 200] [--runs 2]

The product's path (bots.downloads.streamed from the file URL, framed by the core's
MultipartFile, sent by NemoClient.upload) against a raw loopback copy of the same bytes (GET
streamed straight into a POST), both against bench.fake_nemo in its own process. Reported: the
throughput of each (the fastest run kept) and the growth of this process' RSS while the
product's path runs (sampled every 20 ms).

Targets: RSS growth <= 32 MiB, relay throughput >= 50% of the raw copy. The last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from bench.core import fake_backend
from bots.downloads import streamed
from core.backend.nemo.client import Attribution, NemoClient
from core.backend.nemo.multipart import MultipartFile

MIB = 1 << 20
TARGET_RSS_MIB, TARGET_SHARE = 32.0, 0.5
UPLOAD_PATH = "/api/upload-video/nemo_agent/me/bench-session"


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def raw_copy(http: httpx.AsyncClient, backend: str, mb: int) -> float:
    """Seconds to copy the bytes in the relay's chunks with no framing and no checks: the
    loopback's own speed."""
    started = time.perf_counter()
    async with http.stream("GET", f"{backend}/big/{mb}") as response:

        async def body() -> AsyncIterator[bytes]:
            async for chunk in response.aiter_bytes(MIB):  # the relay's chunk size
                yield chunk

        answer = await http.post(f"{backend}{UPLOAD_PATH}", content=body())
        answer.raise_for_status()
    return time.perf_counter() - started


async def relay(http: httpx.AsyncClient, backend: str, mb: int) -> tuple[float, int]:
    """Seconds through the product's path, and this process' RSS growth meanwhile."""
    client = NemoClient(http, backend, Attribution(version="bench"))
    part = MultipartFile(
        streamed(http, f"{backend}/big/{mb}", "telegram"),
        filename="clip.mp4",
        content_type="video/mp4",
        size=mb * MIB,
    )
    baseline, peak = rss_bytes(), 0
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_bytes())
            await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    try:
        await client.upload("bench-token", "bench-session", part)
    finally:
        took = time.perf_counter() - started
        done.set()
        await sampler
    return took, max(0, peak - baseline)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    with fake_backend() as backend:
        async with httpx.AsyncClient(timeout=120) as http:
            await raw_copy(http, backend, 8)  # warm both paths' connections up
            relays, raws, growth = [], [], 0
            for _ in range(args.runs):  # alternating, so load from elsewhere hits both
                took, grew = await relay(http, backend, args.mb)
                relays.append(took)
                growth = max(growth, grew)
                raws.append(await raw_copy(http, backend, args.mb))
    relay_mbs, raw_mbs = args.mb / min(relays), args.mb / min(raws)
    share = relay_mbs / raw_mbs
    print(f"{args.mb} MiB, {args.runs} run(s) each, fastest kept")
    print(f"{'':22}{'MiB/s':>8}{'seconds':>9}")
    print(f"{'relay (product path)':22}{relay_mbs:8.0f}{min(relays):9.2f}")
    print(f"{'raw loopback copy':22}{raw_mbs:8.0f}{min(raws):9.2f}")
    print(f"RSS growth during the relay: {growth / MIB:.1f} MiB; relay/raw: {share:.2f}")
    met = growth / MIB <= TARGET_RSS_MIB and share >= TARGET_SHARE
    verdict = "met" if met else "MISSED"
    print(
        f"targets (RSS growth <= {TARGET_RSS_MIB:g} MiB, >= {TARGET_SHARE:.0%} of raw): {verdict}"
    )
    figures = {
        "mb": args.mb,
        "relay_mib_per_s": round(relay_mbs, 1),
        "raw_mib_per_s": round(raw_mbs, 1),
        "relay_to_raw_ratio": round(share, 3),
        "rss_growth_mib": round(growth / MIB, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
