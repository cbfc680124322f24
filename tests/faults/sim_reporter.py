"""The simulated Hikvision site as its own process, reporting every push it made.

Same flags as ``python -m integrations.hikvision.simulator`` (its parser is reused; ``--rate``
is ignored here), but reads are generated on command and each one's push result is written to
stdout, so a test knows exactly which reads the server acknowledged:

    stdout  {"site": <the simulator's start-up description>}
            {"read": {"uuid", "camera", "plate", "status", "error", "sent_at", "done_at"}}
                                         one per read, when its push is over (epoch seconds)
            {"stopped": {"reads": N, "acknowledged": M}}
    stdin   "start <reads per second>"   steady pushes, cameras in turn
            "stop"                       stop generating, finish the pushes in flight, exit

A push counts as acknowledged only if it got HTTP 200 (cameras do not retry). Reads are started
on a fixed schedule whatever the server's latency (bounded in-flight pushes), as cameras do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from typing import Any

from integrations.hikvision.simulator.__main__ import _parser, config_from_args, describe
from integrations.hikvision.simulator.camera.device import SimulatedCamera
from integrations.hikvision.simulator.site import SimulatedSite

MAX_IN_FLIGHT = 64


def emit(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


async def one_read(
    camera: SimulatedCamera, gate: asyncio.Semaphore, counts: dict[str, int]
) -> None:
    async with gate:
        sent_at = time.time()
        try:
            read = await camera.emit_read()
        except Exception as exc:  # report, never die: the test decides what it means
            emit({"read": {"uuid": None, "camera": camera.index_code, "error": repr(exc)}})
            return
    counts["reads"] += 1
    counts["acknowledged"] += read.push_status == 200
    emit(
        {
            "read": {
                "uuid": read.uuid,
                "camera": camera.index_code,
                "plate": read.plate_text,
                "status": read.push_status,
                "error": read.push_error,
                "sent_at": sent_at,
                "done_at": time.time(),
            }
        }
    )


async def generate(
    site: SimulatedSite, rate: float, stop: asyncio.Event, counts: dict[str, int]
) -> None:
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    start, n = loop.time(), 0
    while not stop.is_set():
        camera = site.cameras[n % len(site.cameras)]
        task = asyncio.create_task(one_read(camera, gate, counts))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, start + n / rate - loop.time()))
    if tasks:
        await asyncio.gather(*tasks)


async def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    counts = {"reads": 0, "acknowledged": 0}
    stop = asyncio.Event()
    async with SimulatedSite(config_from_args(args)) as site:
        emit({"site": json.loads(describe(site))})
        generator: asyncio.Task[None] | None = None
        while True:
            line = (await reader.readline()).decode().strip()
            command, _, value = line.partition(" ")
            if command == "start" and generator is None:
                generator = asyncio.create_task(generate(site, float(value), stop, counts))
            elif command == "stop" or not line:  # "stop", or our parent closed stdin
                stop.set()
                if generator is not None:
                    await generator
                break
    emit({"stopped": counts})


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
