"""Video evidence bench: clip streaming, clip CPU, thumbnails, search under downloads.

    .venv/bin/python -m bench.video              # measured run (about 3-4 minutes)
    .venv/bin/python -m bench.video --quick      # smoke run (under a minute)

Every figure is a ratio against a baseline measured in the same run on the same machine,
because absolute timings on a shared 2-core VM move with whatever else runs:

1. **Clip time-to-first-byte**: GETs (whole file and 1 MiB ``Range`` requests, a few at a
   time) of a READY clip through the signed route ``/video/<token>/clip.mp4`` of the real
   server (``domcctv serve``, SQLite, its own process), against the same bytes served by a
   plain Starlette ``FileResponse`` app under uvicorn (also its own process). The two sides
   run the same request plan in ABBA order, so drift of the machine cancels out.
2. **Clip CPU**: process CPU seconds of ``cut_clip`` (stream copy, what capture does) against
   ``transcode_variant`` of the same span at the source's own size (libx264 ``veryfast``),
   on a 30 s 1280x720 25 fps source with a 2 s GOP rendered at the start (the simulator's
   yard with trucks passing, plus temporal sensor noise so the encoder pays what it pays on
   camera footage). Measured in this process before any server runs.
3. **Thumbnails**: ``/video/<token>/thumb.jpg?at=X`` for moments that are not cached yet
   (cold: decode from the previous keyframe, scale, JPEG, store), then the same moments again
   (warm), against a static GET of a JPEG of the same size. The cold requests are also set
   against ``thumbnail_jpeg`` called directly on the same file (the work the route must do).
4. **Search while clips download**: the dashboard's ``SearchEvents`` (``events(first: 50)``)
   over a few thousand events, one at a time, idle vs while five clients stream five clips
   in a loop (unthrottled, then paced like playback); idle is measured before and after.

URLs are minted by the server's own GraphQL (``event(id) { clips { playbackUrl
thumbnailUrl(at:) } }``) for an operator whose session is opened without bcrypt, as
``tests/graphql_client.token_for`` does, so every request takes production's path: token
check, access decision, audit of views, blob store, streaming. Clips are stored the way
capture stores them (``tests/clips/conftest.py`` ``make_ready_clip``: MP4, HLS, plate still
under ``VIDEO_DIR`` through ``LocalBlobStore``).

Results: a table on stderr, the JSON in ``bench/results/video-<UTC time>.json`` and, as every
bench does, one compact JSON line on stdout. Helper processes (the static server and the
downloaders) are this module run with a hidden first argument; they are stopped by pid.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import random
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import aiohttp

from bench._common import (
    REPO,
    Backend,
    CpuMeter,
    HostMeter,
    ServerProcess,
    cleanup_backend,
    domcctv_serve_argv,
    free_port,
    helper_env,
    orm,
    prepare_backend,
    print_summary,
    ratio,
    run_main,
    server_env,
    stats_ms,
    temp_dir,
    unique_plates,
)

RESULTS_DIR = REPO / "bench" / "results"
STATIC_SERVER_ARG = "_static-server"
DOWNLOADER_ARG = "_downloader"

# Targets of the video work (the numbers).
TTFB_P95_TARGET_MS = 100.0
TTFB_STATIC_RATIO_TARGET = 2.0
CUT_CPU_FRACTION_TARGET = 1 / 80
THUMB_WARM_P95_TARGET_MS = 50.0
SEARCH_LOADED_RATIO_TARGET = 1.5

# The source: what an ANPR camera's main stream looks like.
WIDTH, HEIGHT, FPS, GOP_FRAMES = 1280, 720, 25, 50
SOURCE_BITRATE = 3_000_000  # bits/s, a typical 720p main stream
SENSOR_NOISE = 5  # libavfilter ``noise`` strength, temporal: no two frames are alike
TRANSCODE_BITRATE = 3_000_000
RANGE_BYTES = 1 << 20
PLAYBACK_RATE_FACTOR = 1.5  # paced downloaders read at 1.5x the clip's bit rate (a player)
CLIPS = 5
GIGABIT_BYTES_PER_SECOND = 125_000_000  # five downloads sharing one 1 Gbit/s link
LOADED_PHASES = ("fast_downloads", "gigabit_downloads", "paced_downloads")
DOWNLOAD_WARMUP_SECONDS = 1.0

SEARCH_DOCUMENT_NAME = "SearchEvents"


# --------------------------------------------------------------------------- statistics


def _machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": affinity or os.cpu_count(),
        "cpu_model": model,
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def _p(stats: dict[str, Any], key: str) -> float | None:
    value = stats.get(key)
    return float(value) if isinstance(value, int | float) else None


# --------------------------------------------------------------------------- the source


def make_source(path: Path, seconds: int) -> dict[str, Any]:
    """A camera-like H.264 MP4: the simulator's yard, a truck every 5 s, temporal noise."""
    import av
    from av.filter import Graph
    from av.video.format import VideoFormat

    from integrations.hikvision.simulator.video.render import Osd, TruckPass, YardRenderer

    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    trucks = [
        TruckPass(
            start + timedelta(seconds=3 + 5 * i),
            plate,
            ("white", "red", "blue", "yellow")[i % 4],
            "forward",
            f"bench-{i}",
        )
        for i, plate in enumerate(unique_plates(seconds // 5 + 2))
    ]
    osd = Osd(UTC, 0.0, "PORTON BENCH")
    renderer = YardRenderer(WIDTH, HEIGHT)
    rate = Fraction(1, FPS)
    wall, cpu = time.perf_counter(), time.process_time()
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = rate
        stream.codec_context.options = {
            "preset": "veryfast",
            "b": str(SOURCE_BITRATE),
            "maxrate": str(SOURCE_BITRATE * 7 // 6),
            "bufsize": str(SOURCE_BITRATE * 2),
            "x264-params": f"keyint={GOP_FRAMES}:min-keyint={GOP_FRAMES}:scenecut=0:bframes=0",
        }
        graph = Graph()
        source = graph.add_buffer(
            width=WIDTH, height=HEIGHT, format=VideoFormat("yuv420p"), time_base=rate
        )
        noise = graph.add("noise", f"alls={SENSOR_NOISE}:allf=t")
        sink = graph.add("buffersink")
        source.link_to(noise)
        noise.link_to(sink)
        graph.configure()
        for index, frame in enumerate(renderer.frames(start, seconds * FPS, FPS, trucks, osd)):
            frame.pts, frame.time_base = index, rate
            graph.push(frame)
            noisy = graph.pull()
            assert isinstance(noisy, av.VideoFrame)
            noisy.pts = index
            for packet in stream.encode(noisy):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    size = path.stat().st_size
    return {
        "seconds": seconds,
        "width": WIDTH,
        "height": HEIGHT,
        "fps": FPS,
        "gop_frames": GOP_FRAMES,
        "size_bytes": size,
        "bit_rate": round(size * 8 / seconds),
        "made_in_s": round(time.perf_counter() - wall, 1),
        "made_cpu_s": round(time.process_time() - cpu, 1),
    }


def measure_clip_cpu(
    source: Path, work: Path, seconds: int, cuts: int, transcodes: int
) -> dict[str, Any]:
    """Process CPU of ``cut_clip`` vs ``transcode_variant`` over the same span, alternated.

    Nothing else runs in this process (no server, the event loop idle), so
    ``time.process_time()`` is the work's own CPU, libx264's threads included."""
    from domcctv.infra.video.cut import cut_clip
    from domcctv.infra.video.variants import transcode_variant

    cut_cpu: list[float] = []
    cut_wall: list[float] = []
    tx_cpu: list[float] = []
    tx_wall: list[float] = []
    facts: dict[str, Any] = {}
    per_round = max(1, cuts // max(1, transcodes))
    done_cuts = 0
    for round_index in range(max(cuts, transcodes)):
        for _ in range(per_round if done_cuts < cuts else 0):
            dst = work / f"cut-{done_cuts}.mp4"
            wall, cpu = time.perf_counter(), time.process_time()
            result = cut_clip(source, dst, 0.0, float(seconds))
            cut_cpu.append(time.process_time() - cpu)
            cut_wall.append(time.perf_counter() - wall)
            facts = {"frames": result.frame_count, "size_bytes": result.size_bytes}
            dst.unlink()
            done_cuts += 1
        if round_index < transcodes:
            dst = work / f"transcode-{round_index}.mp4"
            wall, cpu = time.perf_counter(), time.process_time()
            encoded = transcode_variant(source, dst, HEIGHT, TRANSCODE_BITRATE)
            tx_cpu.append(time.process_time() - cpu)
            tx_wall.append(time.perf_counter() - wall)
            facts["transcode_frames"] = encoded.frame_count
            dst.unlink()
        if done_cuts >= cuts and round_index + 1 >= transcodes:
            break
    cut_median = sorted(cut_cpu)[len(cut_cpu) // 2]
    tx_median = sorted(tx_cpu)[len(tx_cpu) // 2]
    return {
        "span_seconds": seconds,
        "cut": {
            "runs": len(cut_cpu),
            "cpu_s_median": round(cut_median, 4),
            "cpu_s_all": [round(v, 4) for v in cut_cpu],
            "wall_s_median": round(sorted(cut_wall)[len(cut_wall) // 2], 4),
            "frames": facts.get("frames"),
            "size_bytes": facts.get("size_bytes"),
        },
        "transcode": {
            "runs": len(tx_cpu),
            "how": f"transcode_variant at {HEIGHT} lines, {TRANSCODE_BITRATE} b/s, veryfast",
            "cpu_s_median": round(tx_median, 3),
            "cpu_s_all": [round(v, 3) for v in tx_cpu],
            "wall_s_median": round(sorted(tx_wall)[len(tx_wall) // 2], 3),
            "frames": facts.get("transcode_frames"),
        },
        "cut_over_transcode": round(cut_median / tx_median, 5) if tx_median > 0 else None,
        "transcode_over_cut": round(tx_median / cut_median, 1) if cut_median > 0 else None,
    }


# --------------------------------------------------------------------------- helper processes


def _static_server_main(argv: Sequence[str]) -> int:
    """The baseline: plain Starlette ``FileResponse`` routes under uvicorn (same loop/http
    implementations as ``domcctv serve``: uvloop + httptools when installed)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, PlainTextResponse, Response
    from starlette.routing import Route

    parser = argparse.ArgumentParser(prog="bench.video _static-server")
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    root: Path = args.root

    async def clip(_: Request) -> Response:
        return FileResponse(root / "clip.mp4", media_type="video/mp4")

    async def thumb(_: Request) -> Response:
        return FileResponse(root / "thumb.jpg", media_type="image/jpeg")

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[
            Route("/static/clip.mp4", clip, methods=["GET", "HEAD"]),
            Route("/static/thumb.jpg", thumb, methods=["GET", "HEAD"]),
            Route("/health", health),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", server_header=False)
    return 0


def _downloader_main(argv: Sequence[str]) -> int:
    """Five (or N) clients GETting whole clips in a loop until SIGTERM or ``--max-seconds``;
    writes what they moved to ``--out``. Its own process, so its reading does not share the
    event loop (or the GIL) of the bench's timed search client."""
    parser = argparse.ArgumentParser(prog="bench.video _downloader")
    parser.add_argument("--urls", type=Path, required=True, help="JSON list of URLs")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bytes-per-second", type=float, default=0.0, help="per client; 0: fast")
    parser.add_argument("--max-seconds", type=float, default=600.0)
    args = parser.parse_args(argv)
    urls = json.loads(args.urls.read_text())
    result = run_main(_download(urls, args.bytes_per_second, args.max_seconds))
    args.out.write_text(json.dumps(result))
    return 0


async def _download(urls: list[str], rate: float, max_seconds: float) -> dict[str, Any]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    totals = {"complete": 0, "bytes": 0, "errors": 0}
    started = time.perf_counter()

    async def client(url: str) -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=60)
        async with aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session:
            while not stop.is_set():
                try:
                    async with session.get(url) as resp:
                        if resp.status != 200:
                            totals["errors"] += 1
                            await asyncio.sleep(0.2)
                            continue
                        begun, got = time.perf_counter(), 0
                        async for chunk in resp.content.iter_chunked(64 * 1024):
                            got += len(chunk)
                            totals["bytes"] += len(chunk)
                            if stop.is_set():
                                break
                            if rate > 0:
                                delay = begun + got / rate - time.perf_counter()
                                if delay > 0:
                                    await asyncio.sleep(delay)
                        else:
                            totals["complete"] += 1
                except (aiohttp.ClientError, TimeoutError):
                    totals["errors"] += 1
                    await asyncio.sleep(0.2)

    tasks = [asyncio.create_task(client(url)) for url in urls]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), max_seconds)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - started
    return {
        **totals,
        "seconds": round(elapsed, 2),
        "mb_per_s": round(totals["bytes"] / 1e6 / elapsed, 1),
    }


# --------------------------------------------------------------------------- data


@dataclass
class World:
    """What the bench created in the database: the viewer's token and the clip events."""

    token: str
    clip_event_ids: list[int]
    events: int
    clip_size: int
    plate_offset: float
    duration: float


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


async def prepare_world(
    backend: Backend, video_dir: Path, clip_file: Path, work: Path, jwt_secret: str, events: int
) -> World:
    """Events (bulk), five READY clips stored as capture stores them, one operator session."""
    from domcctv.config import Settings
    from domcctv.domain.access import Role
    from domcctv.domain.lifecycle import EventStatus
    from domcctv.domain.plates import parse_plate
    from domcctv.domain.rut import check_digit
    from domcctv.infra.storage.local import LocalBlobStore
    from domcctv.infra.video.probe import probe
    from domcctv.infra.video.runner import VideoWorkers
    from domcctv.models import CameraRole, ClipStatus, Company, Event, User, VideoClip
    from domcctv.services.auth import RequestInfo, _open_session
    from domcctv.services.clip_capture import store_clip_files
    from domcctv.services.security import AccessTokens

    settings = Settings(
        _env_file=None,
        jwt_secret=jwt_secret,
        database_url=backend.database_url,
        seed_demo_data=False,
    )
    info = await asyncio.to_thread(probe, clip_file)
    duration = float(info.duration_seconds)
    plate_offset = round(duration / 2, 2)
    size, digest = await asyncio.to_thread(_size_and_sha256, clip_file)
    store = LocalBlobStore(video_dir)
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    async with orm(backend.database_url):
        companies = []
        for n in range(5):
            body = 76_100_000 + n * 7919
            companies.append(
                await Company.create(rut=f"{body}-{check_digit(body)}", name=f"Bench Video {n}")
            )
        cameras = ("GATE-1-IN", "GATE-1-OUT", "GATE-2-IN", "WEIGHBRIDGE")
        rows = []
        for i, plate in enumerate(unique_plates(events)):
            parsed = parse_plate(plate)
            camera = cameras[i % len(cameras)]
            rows.append(
                Event(
                    company_id=companies[rng.randrange(len(companies))].id if i % 7 else None,
                    plate=parsed.normalized,
                    plate_raw=plate,
                    plate_skeleton=parsed.skeleton,
                    plate_format=parsed.format,
                    event_time=now - timedelta(seconds=(events - i) * 600 + rng.randrange(300)),
                    confidence=90.0 + rng.random() * 9,
                    camera_code=camera,
                    primary_camera={
                        "code": camera,
                        "name": camera.replace("-", " "),
                        "plateReading": plate,
                        "confidence": 95.0,
                        "source": "push",
                        "pictures": [],
                    },
                    status=EventStatus.DETECTED,
                )
            )
        for start in range(0, len(rows), 500):
            await Event.bulk_create(rows[start : start + 500])
        newest = await Event.all().order_by("-event_time").limit(CLIPS)
        workers = VideoWorkers(2)
        clip_ids = []
        for event in newest:
            clip = await VideoClip.create(
                event_id=event.id,
                camera_code=event.camera_code,
                role=CameraRole.PRIMARY,
                anchor_time=event.event_time,
                next_attempt_at=now,
                status=ClipStatus.PENDING,
            )
            files = await store_clip_files(
                store, workers, clip, clip_file, plate_offset, work / f"hls-{clip.id}"
            )
            await VideoClip.filter(id=clip.id).update(
                status=ClipStatus.READY,
                source="bench",
                storage_key=files.storage_key,
                hls_prefix=files.hls_prefix,
                still_key=files.still_key,
                size_bytes=size,
                sha256=digest,
                duration_seconds=duration,
                plate_offset_seconds=plate_offset,
                width=WIDTH,
                height=HEIGHT,
                codec="h264",
                fps=float(FPS),
                start_time=event.event_time - timedelta(seconds=plate_offset),
                end_time=event.event_time + timedelta(seconds=duration - plate_offset),
                ready_at=now,
                variants_pending=False,  # no background transcode during the measurements
            )
            clip_ids.append(event.id)
        user = await User.create(
            email="bench.video@example.cl",
            password_hash="!bench-no-login",
            first_name="Bench",
            last_name="Video",
            role=Role.OPERATOR,
        )
        tokens = AccessTokens(jwt_secret, settings.access_token_ttl_seconds)
        pair = await _open_session(user, settings, tokens, RequestInfo("127.0.0.1", "bench-video"))
    return World(pair.access_token, clip_ids, events, size, plate_offset, duration)


def search_document() -> str:
    """The dashboard's list query (web/graphql/events.graphql ``SearchEvents`` with
    ``EventRow`` and ``PageInfoFields``), verbatim."""
    from bench.search import _block

    events = (REPO / "web/graphql/events.graphql").read_text()
    fragments = (REPO / "web/graphql/fragments.graphql").read_text()
    return "\n\n".join(
        [
            _block(events, f"query {SEARCH_DOCUMENT_NAME}"),
            _block(events, "fragment EventRow on Event"),
            _block(fragments, "fragment PageInfoFields on PageInfo"),
        ]
    )


# --------------------------------------------------------------------------- HTTP client


@dataclass(frozen=True, slots=True)
class Fetch:
    """One timed GET: time to the first body byte and to the last, bytes, whether it was right."""

    kind: str
    ttfb: float
    total: float
    nbytes: int
    ok: bool


def _session(concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False)


async def fetch(
    session: aiohttp.ClientSession, url: str, kind: str, range_header: str | None, expect: int
) -> Fetch:
    """GET ``url`` (with ``Range``), reading the whole body; ``expect`` bytes, 200 or 206."""
    headers = {"Range": range_header} if range_header else {}
    started = time.perf_counter()
    try:
        async with session.get(url, headers=headers) as resp:
            first = await resp.content.readany()
            ttfb = time.perf_counter() - started
            nbytes = len(first)
            while chunk := await resp.content.readany():
                nbytes += len(chunk)
            total = time.perf_counter() - started
            wanted = 206 if range_header else 200
            return Fetch(kind, ttfb, total, nbytes, resp.status == wanted and nbytes == expect)
    except (aiohttp.ClientError, TimeoutError):
        elapsed = time.perf_counter() - started
        return Fetch(kind, elapsed, elapsed, 0, False)


@dataclass(frozen=True, slots=True)
class Req:
    """One planned GET."""

    kind: str
    url: str
    range_header: str | None
    expect: int  # body bytes


def clip_plan(url: str, requests: int, size: int, seed: int) -> list[Req]:
    """Half whole-file GETs, half 1 MiB ranges at random offsets (a player seeking)."""
    rng = random.Random(seed)
    plan: list[Req] = []
    for i in range(requests):
        if i % 2 == 0 or size <= RANGE_BYTES:
            plan.append(Req("whole", url, None, size))
        else:
            first = rng.randrange(0, size - RANGE_BYTES)
            header = f"bytes={first}-{first + RANGE_BYTES - 1}"
            plan.append(Req("range", url, header, RANGE_BYTES))
    return plan


def retarget(plan: Sequence[Req], url: str, expect: int | None = None) -> list[Req]:
    """The same requests against another URL (the baseline)."""
    return [Req(r.kind, url, r.range_header, r.expect if expect is None else expect) for r in plan]


async def run_plan(
    session: aiohttp.ClientSession, plan: Sequence[Req], concurrency: int
) -> list[Fetch]:
    """``concurrency`` clients working through ``plan`` (closed loop)."""
    items = iter(plan)
    results: list[Fetch] = []

    async def worker() -> None:
        for req in items:
            results.append(await fetch(session, req.url, req.kind, req.range_header, req.expect))

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return results


async def abba(
    a: tuple[aiohttp.ClientSession, Sequence[Req]],
    b: tuple[aiohttp.ClientSession, Sequence[Req]],
    concurrency: int,
    blocks: int = 8,
) -> tuple[list[Fetch], list[Fetch]]:
    """Both plans whole, cut into ``blocks`` parts run A B B A A B B A ...: a machine that
    speeds up or slows down during the phase (other jobs on it) affects both sides alike."""
    (session_a, plan_a), (session_b, plan_b) = a, b
    got_a: list[Fetch] = []
    got_b: list[Fetch] = []

    def part(plan: Sequence[Req], index: int) -> Sequence[Req]:
        size = -(-len(plan) // blocks)
        return plan[index * size : (index + 1) * size]

    for index in range(blocks):
        first_a = index % 2 == 0
        for side_a in (first_a, not first_a):
            if side_a:
                got_a += await run_plan(session_a, part(plan_a, index), concurrency)
            else:
                got_b += await run_plan(session_b, part(plan_b, index), concurrency)
    return got_a, got_b


def fetch_stats(results: Sequence[Fetch], what: str = "ttfb") -> dict[str, Any]:
    good = [r for r in results if r.ok]
    values = [r.ttfb if what == "ttfb" else r.total for r in good]
    return {**stats_ms(values), "errors": len(results) - len(good)}


async def graphql(
    session: aiohttp.ClientSession, base: str, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    async with session.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        body: dict[str, Any] = await resp.json()
    if resp.status != 200 or body.get("errors"):
        raise RuntimeError(f"GraphQL failed ({resp.status}): {str(body)[:500]}")
    return body


def thumbnail_moments(duration: float, plate_offset: float, count: int, seed: int) -> list[float]:
    """``count`` moments on distinct frames, none the plate frame (that one is pre-made)."""
    rng = random.Random(seed)
    frames: set[int] = {round(plate_offset * FPS)}
    moments: list[float] = []
    step = (duration - 0.2) / max(1, count)
    for i in range(count):
        for _ in range(50):
            at = round(0.1 + step * (i + rng.random()), 3)
            frame = round(at * FPS)
            if frame not in frames and at < duration - 0.05:
                frames.add(frame)
                moments.append(at)
                break
    return moments


async def sign_urls(
    session: aiohttp.ClientSession,
    base: str,
    world: World,
    moments: Sequence[float],
) -> tuple[list[str], list[str]]:
    """Playback URLs of the clip events, and thumbnail URLs of the first clip at ``moments``:
    minted by the server's own ``event { clips { ... } }`` for the bench operator."""
    from schema.relay import to_global_id

    aliases = "\n".join(f"t{i}: thumbnailUrl(at: {at})" for i, at in enumerate(moments))
    query = (
        "query($id: ID!) { event(id: $id) { clips { status playbackUrl "
        f"thumbnailUrl(at: 1.5)\n{aliases} }} }} }}"
    )
    playback: list[str] = []
    thumbs: list[str] = []
    for n, event_id in enumerate(world.clip_event_ids):
        body = await graphql(
            session, base, world.token, query, {"id": str(to_global_id("Event", event_id))}
        )
        clips = body["data"]["event"]["clips"]
        if not clips or clips[0]["status"] != "READY" or not clips[0]["playbackUrl"]:
            raise RuntimeError(f"event {event_id}: no playable clip in {clips}")
        playback.append(base + clips[0]["playbackUrl"])
        if n == 0:
            thumbs = [base + clips[0][f"t{i}"] for i in range(len(moments))]
    return playback, thumbs


# --------------------------------------------------------------------------- phases


async def measure_clip_ttfb(
    app_url: str, static_url: str, size: int, requests: int, concurrency: int
) -> dict[str, Any]:
    plan = clip_plan(app_url, requests, size, seed=11)
    baseline = retarget(plan, static_url)
    async with _session(concurrency) as app, _session(concurrency) as static:
        warm = clip_plan(app_url, 8, size, seed=3)
        await run_plan(app, warm, concurrency)
        await run_plan(static, retarget(warm, static_url), concurrency)
        app_results, static_results = await abba((app, plan), (static, baseline), concurrency)
    out: dict[str, Any] = {"requests": requests, "concurrency": concurrency, "size_bytes": size}
    for label, results in (("app", app_results), ("static", static_results)):
        out[label] = {
            "ttfb_ms": fetch_stats(results),
            "ttfb_whole_ms": fetch_stats([r for r in results if r.kind == "whole"]),
            "ttfb_range_ms": fetch_stats([r for r in results if r.kind == "range"]),
            "whole_total_ms": fetch_stats([r for r in results if r.kind == "whole"], "total"),
        }
    for key in ("ttfb_ms", "ttfb_whole_ms", "ttfb_range_ms"):
        out[f"ratio_p95_{key}"] = ratio(out["app"][key]["p95"], out["static"][key]["p95"])
        out[f"ratio_p50_{key}"] = ratio(out["app"][key]["p50"], out["static"][key]["p50"])
    return out


async def measure_thumbnails(
    thumb_urls: Sequence[str],
    moments: Sequence[float],
    clip_file: Path,
    static_root: Path,
    static_url: str,
    requests: int,
    concurrency: int,
) -> dict[str, Any]:
    """Cold (one each, in turn), direct ``thumbnail_jpeg`` for the same moments (the floor of
    a cold request), then warm against a static JPEG of the same size, ABBA."""
    from domcctv.http.video_catalog import THUMB_MAX_WIDTH, THUMB_QUALITY
    from domcctv.infra.video.thumbnail import thumbnail_jpeg

    cold: list[Fetch] = []
    sizes: list[int] = []
    direct: list[float] = []
    async with _session(concurrency) as app, _session(concurrency) as static:
        # Per moment: the cold GET, then the same still made directly (same file, same
        # frame): the work a cold request cannot avoid, measured next to it.
        for url, at in zip(thumb_urls, moments, strict=True):
            started = time.perf_counter()
            async with app.get(url) as resp:
                body = await resp.read()
            elapsed = time.perf_counter() - started
            ok = resp.status == 200 and body[:2] == b"\xff\xd8"
            cold.append(Fetch("cold", elapsed, elapsed, len(body), ok))
            sizes.append(len(body))
            frame_at = round(at * FPS) / FPS  # the catalog quantises to frames the same way
            started = time.perf_counter()
            await asyncio.to_thread(
                thumbnail_jpeg, clip_file, frame_at, THUMB_MAX_WIDTH, THUMB_QUALITY
            )
            direct.append(time.perf_counter() - started)
        typical = sorted(sizes)[len(sizes) // 2]
        # Same bytes as a real thumbnail of the median size: same size, same content type.
        async with app.get(thumb_urls[sizes.index(typical)]) as resp:
            (static_root / "thumb.jpg").write_bytes(await resp.read())
        rng = random.Random(5)
        expected = dict(zip(thumb_urls, sizes, strict=True))
        plan = [
            Req("warm", url, None, expected[url])
            for url in (rng.choice(thumb_urls) for _ in range(requests))
        ]
        baseline = retarget(plan, static_url, typical)
        warm_app, warm_static = await abba((app, plan), (static, baseline), concurrency)
    out: dict[str, Any] = {
        "moments": list(moments),
        "sizes_bytes": {"min": min(sizes), "median": typical, "max": max(sizes)},
        "cold_ms": fetch_stats(cold, "total"),
        "direct_thumbnail_jpeg_ms": stats_ms(direct),
        "warm_ms": fetch_stats(warm_app, "total"),
        "static_ms": fetch_stats(warm_static, "total"),
        "requests": requests,
        "concurrency": concurrency,
    }
    out["ratio_p95_warm_over_static"] = ratio(out["warm_ms"]["p95"], out["static_ms"]["p95"])
    out["ratio_p50_cold_over_direct"] = ratio(
        out["cold_ms"]["p50"], out["direct_thumbnail_jpeg_ms"]["p50"]
    )
    return out


@dataclass
class Phase:
    """Timed searches of one condition, summed over its blocks, and what the machine did."""

    name: str
    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    foreign_core_s: float = 0.0
    downloader_cpu_s: float = 0.0
    downloads: dict[str, float] = field(default_factory=dict)

    def add_block(
        self, latencies: list[float], cpu: dict[str, float] | None, host: dict[str, Any]
    ) -> None:
        self.latencies += latencies
        self.wall_s += float(host["wall_s"])
        self.server_cpu_s += cpu["total_s"] if cpu else 0.0
        self.foreign_core_s += float(host.get("foreign_cores", 0.0)) * float(host["wall_s"])
        self.downloader_cpu_s += float(host["cpu_s"].get("downloader", 0.0))

    def add_downloads(self, moved: dict[str, Any]) -> None:
        for key in ("complete", "bytes", "errors", "seconds"):
            self.downloads[key] = self.downloads.get(key, 0) + moved.get(key, 0)

    def summary(self) -> dict[str, Any]:
        wall = max(self.wall_s, 1e-9)
        out: dict[str, Any] = {
            "ms": stats_ms(self.latencies),
            "wall_s": round(self.wall_s, 2),
            "server_cpu_s": round(self.server_cpu_s, 2),
            "server_busy_cores": round(self.server_cpu_s / wall, 2),
            "foreign_cores": round(self.foreign_core_s / wall, 2),
        }
        if self.downloads:
            seconds = max(float(self.downloads["seconds"]), 1e-9)
            out["downloads"] = {
                **self.downloads,
                "mb_per_s": round(float(self.downloads["bytes"]) / 1e6 / seconds, 1),
                "views_per_s": round(float(self.downloads["complete"]) / seconds, 1),
                "downloader_cpu_s": round(self.downloader_cpu_s, 2),
            }
        return out


async def run_searches(
    session: aiohttp.ClientSession, base: str, token: str, document: str, count: int
) -> list[float]:
    """``count`` searches one after another; each must return a full page of 50."""
    payload = {"query": document, "variables": {"first": 50}}
    headers = {"Authorization": f"Bearer {token}"}
    out: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        async with session.post(f"{base}/graphql", json=payload, headers=headers) as resp:
            raw = await resp.read()
        out.append(time.perf_counter() - started)
        body = json.loads(raw)
        if resp.status != 200 or body.get("errors") or len(body["data"]["events"]["edges"]) != 50:
            raise RuntimeError(f"search failed ({resp.status}): {raw[:300]!r}")
    return out


async def measure_search(
    base: str,
    world: World,
    playback_urls: Sequence[str],
    server_pid: int | None,
    tmp: Path,
    searches: int,
    rounds: int,
    paced_bytes_per_second: float,
) -> dict[str, Any]:
    """The same query idle and while five clients download the five clips in a loop
    (unthrottled over loopback; capped at a gigabit link shared by the five; paced like a
    player at 1.5x the clip's bit rate), in ``rounds`` rounds of short blocks with idle
    blocks between the loaded ones."""
    document = search_document()
    urls_file = tmp / "download-urls.json"
    urls_file.write_text(json.dumps(list(playback_urls)))
    rates = {
        "fast_downloads": 0.0,
        "gigabit_downloads": GIGABIT_BYTES_PER_SECOND / len(playback_urls),
        "paced_downloads": paced_bytes_per_second,
    }
    phases = {name: Phase(name) for name in ("idle", *LOADED_PHASES)}
    block = max(2, searches // rounds)
    async with _session(1) as session:
        await run_searches(session, base, world.token, document, 10)  # warm-up, untimed

        async def run_block(name: str, count: int) -> None:
            downloader: ServerProcess | None = None
            result = tmp / f"downloads-{secrets.token_hex(4)}.json"
            if name in rates:
                argv = [
                    sys.executable,
                    "-m",
                    "bench.video",
                    DOWNLOADER_ARG,
                    "--urls",
                    str(urls_file),
                    "--out",
                    str(result),
                    "--bytes-per-second",
                    str(rates[name]),
                    "--max-seconds",
                    "300",
                ]
                downloader = ServerProcess(
                    f"downloader-{name}", argv, helper_env(), REPO, tmp / f"{name}.log"
                )
                await downloader.start(None)
                await asyncio.sleep(DOWNLOAD_WARMUP_SECONDS)  # all five streaming by now
            pid = downloader.proc.pid if downloader and downloader.proc else None
            meter, host = CpuMeter(server_pid), HostMeter({"server": server_pid, "downloader": pid})
            try:
                latencies = await run_searches(session, base, world.token, document, count)
            finally:
                cpu, usage = meter.read(), host.read()
                if downloader is not None:
                    await downloader.stop()
            phases[name].add_block(latencies, cpu, usage)
            if downloader is not None:
                try:
                    moved = json.loads(result.read_text())
                except (OSError, ValueError):
                    moved = {}
                if not moved.get("bytes"):  # a loaded block without load measures nothing
                    raise RuntimeError(
                        f"{name}: the downloaders moved nothing:\n{downloader.log_tail()}"
                    )
                phases[name].add_downloads(moved)

        # Idle blocks between the loaded ones: a slow minute of the shared machine hits both.
        for round_index in range(rounds):
            for name in LOADED_PHASES:
                await run_block("idle", max(1, block // 2))
                await run_block(name, block)
            await run_block("idle", max(1, block // 2))
            print(
                f"[video] search round {round_index + 1}/{rounds}: p95 "
                + ", ".join(f"{n} {stats_ms(p.latencies)['p95']}" for n, p in phases.items()),
                file=sys.stderr,
            )
    out: dict[str, Any] = {
        "query": f"{SEARCH_DOCUMENT_NAME} (web/graphql/events.graphql), first: 50, no filter",
        "events": world.events,
        "rounds": rounds,
        "paced_bytes_per_second_per_client": round(paced_bytes_per_second),
        "gigabit_bytes_per_second_per_client": round(rates["gigabit_downloads"]),
        "phases": {name: phase.summary() for name, phase in phases.items()},
    }
    idle = out["phases"]["idle"]["ms"]
    for name in LOADED_PHASES:
        loaded = out["phases"][name]["ms"]
        out[f"ratio_p95_{name}_over_idle"] = ratio(loaded["p95"], idle["p95"])
        out[f"ratio_p50_{name}_over_idle"] = ratio(loaded["p50"], idle["p50"])
    return out


# --------------------------------------------------------------------------- nginx


def nginx_argv(work: Path, listen_port: int, app_port: int, video_dir: Path) -> list[str]:
    """A private nginx in front of the app, from the shipped template (deploy/nginx): the app
    authorises and audits, nginx sends clip bytes from VIDEO_DIR (X-Accel-Redirect)."""
    from string import Template

    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    template = Template((REPO / "deploy/nginx/domcctv.conf.template").read_text())
    (work / "domcctv.conf").write_text(
        template.safe_substitute(
            LISTEN=f"127.0.0.1:{listen_port}",
            UPSTREAM=f"127.0.0.1:{app_port}",
            VIDEO_DIR=str(video_dir.resolve()),
            ACCEL_PREFIX=ACCEL_PREFIX,
        )
    )
    user = "user root root;" if os.geteuid() == 0 else ""
    temps = "\n".join(
        f"    {kind}_temp_path {work}/{kind};" for kind in ("proxy", "fastcgi", "uwsgi", "scgi")
    )
    (work / "nginx.conf").write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {work}/body;
{temps}
    include {work}/domcctv.conf;
}}
"""
    )
    return [binary, "-p", str(work), "-c", str(work / "nginx.conf")]


ACCEL_PREFIX = "/_video_files/"


# --------------------------------------------------------------------------- the run


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from domcctv.db import migrate_database

    summary: dict[str, Any] = {"bench": "video", "quick": args.quick, "machine": _machine()}
    with temp_dir("domcctv-bench-video-") as tmp:
        print(
            f"[video] rendering a {args.source_seconds} s {WIDTH}x{HEIGHT} source", file=sys.stderr
        )
        source = tmp / "source.mp4"
        summary["source"] = await asyncio.to_thread(make_source, source, args.source_seconds)
        print(f"[video] source: {summary['source']}", file=sys.stderr)
        work = tmp / "work"
        work.mkdir()
        cpu = measure_clip_cpu(source, work, args.source_seconds, args.cuts, args.transcodes)
        summary["clip_cpu"] = cpu
        print(
            f"[video] cut {cpu['cut']['cpu_s_median']} s CPU, transcode "
            f"{cpu['transcode']['cpu_s_median']} s CPU",
            file=sys.stderr,
        )
        # The stored clip is the stream copy of the whole source, as capture makes it.
        from domcctv.infra.video.cut import cut_clip

        clip_file = tmp / "clip.mp4"
        await asyncio.to_thread(cut_clip, source, clip_file, 0.0, float(args.source_seconds))

        backend = await prepare_backend("sqlite", tmp)
        jwt_secret = secrets.token_urlsafe(40)
        video_dir = tmp / "video"
        static_root = tmp / "static"
        static_root.mkdir()
        shutil.copyfile(clip_file, static_root / "clip.mp4")
        servers: list[ServerProcess] = []
        try:
            await migrate_database(backend.database_url)
            world = await prepare_world(
                backend, video_dir, clip_file, work, jwt_secret, args.events
            )
            port, static_port = free_port(), free_port()
            env = server_env(
                backend, port=port, media_dir=tmp / "media", jwt_secret=jwt_secret, tmp=tmp
            )
            env["VIDEO_DIR"] = str(video_dir)
            if args.nginx:
                env["VIDEO_ACCEL_REDIRECT"] = ACCEL_PREFIX
            app = ServerProcess("domcctv", domcctv_serve_argv(), env, tmp, tmp / "domcctv.log")
            servers.append(app)
            await app.start(f"http://127.0.0.1:{port}/health")
            if args.nginx:
                nginx_work = tmp / "nginx"
                nginx_work.mkdir()
                nginx_port = free_port()
                proxy = ServerProcess(
                    "nginx",
                    nginx_argv(nginx_work, nginx_port, port, video_dir),
                    helper_env(),
                    nginx_work,
                    tmp / "nginx.log",
                )
                servers.append(proxy)
                await proxy.start(f"http://127.0.0.1:{nginx_port}/health")
                port = nginx_port  # every request below goes through nginx
                summary["nginx"] = True
            static = ServerProcess(
                "static",
                [
                    sys.executable,
                    "-m",
                    "bench.video",
                    STATIC_SERVER_ARG,
                    "--root",
                    str(static_root),
                    "--port",
                    str(static_port),
                ],
                helper_env(),
                REPO,
                tmp / "static.log",
            )
            servers.append(static)
            await static.start(f"http://127.0.0.1:{static_port}/health")
            base = f"http://127.0.0.1:{port}"
            static_base = f"http://127.0.0.1:{static_port}"
            server_pid = app.proc.pid if app.proc else None

            moments = thumbnail_moments(world.duration, world.plate_offset, args.thumbs, seed=9)
            async with _session(2) as session:
                playback, thumbs = await sign_urls(session, base, world, moments)
            print(
                f"[video] signed {len(playback)} clips, {len(thumbs)} thumbnails", file=sys.stderr
            )

            meter, host = CpuMeter(server_pid), HostMeter({"server": server_pid})
            summary["clip_ttfb"] = await measure_clip_ttfb(
                playback[0],
                f"{static_base}/static/clip.mp4",
                world.clip_size,
                args.requests,
                args.concurrency,
            )
            summary["clip_ttfb"]["server_cpu"] = meter.read()
            summary["clip_ttfb"]["host"] = host.read()
            host = HostMeter({"server": server_pid})
            print(
                f"[video] TTFB p95 app {summary['clip_ttfb']['app']['ttfb_ms']['p95']} ms, static "
                f"{summary['clip_ttfb']['static']['ttfb_ms']['p95']} ms",
                file=sys.stderr,
            )
            summary["thumbnails"] = await measure_thumbnails(
                thumbs,
                moments,
                clip_file,
                static_root,
                f"{static_base}/static/thumb.jpg",
                args.thumb_requests,
                args.concurrency,
            )
            summary["thumbnails"]["host"] = host.read()
            print(
                f"[video] thumbnails warm p95 {summary['thumbnails']['warm_ms']['p95']} ms, "
                f"cold p50 {summary['thumbnails']['cold_ms']['p50']} ms",
                file=sys.stderr,
            )
            paced = world.clip_size / world.duration * PLAYBACK_RATE_FACTOR
            summary["search"] = await measure_search(
                base, world, playback, server_pid, tmp, args.searches, args.rounds, paced
            )
            summary["server_log_problems"] = app.log_problems()
        finally:
            for process in reversed(servers):
                await process.stop()
            await cleanup_backend(backend)
    summary["targets"] = targets(summary)
    return summary


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Row:
    metric: str
    value: str
    baseline: str
    ratio: str
    target: str
    met: bool | None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def rows(summary: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    ttfb = summary["clip_ttfb"]
    for key, label in (
        ("ttfb_ms", "clip TTFB p95 (all)"),
        ("ttfb_whole_ms", "clip TTFB p95 (whole)"),
        ("ttfb_range_ms", "clip TTFB p95 (1 MiB range)"),
    ):
        app, static = _p(ttfb["app"][key], "p95"), _p(ttfb["static"][key], "p95")
        r = ttfb[f"ratio_p95_{key}"]
        met = (
            app is not None
            and r is not None
            and app <= TTFB_P95_TARGET_MS
            and r <= TTFB_STATIC_RATIO_TARGET
        )
        out.append(Row(label, _ms(app), f"{_ms(static)} static", _x(r), "<=100 ms, <=2x", met))
    app50, static50 = _p(ttfb["app"]["ttfb_ms"], "p50"), _p(ttfb["static"]["ttfb_ms"], "p50")
    out.append(
        Row(
            "clip TTFB p50 (all)",
            _ms(app50),
            f"{_ms(static50)} static",
            _x(ttfb["ratio_p50_ttfb_ms"]),
            "-",
            None,
        )
    )
    cpu = summary["clip_cpu"]
    frac = cpu["cut_over_transcode"]
    out.append(
        Row(
            "clip CPU: cut (stream copy)",
            f"{cpu['cut']['cpu_s_median']:.4f} s",
            f"{cpu['transcode']['cpu_s_median']:.2f} s transcode",
            "-" if frac is None else f"1/{1 / frac:.0f}",
            "<=1/80",
            frac is not None and frac <= CUT_CPU_FRACTION_TARGET,
        )
    )
    th = summary["thumbnails"]
    warm, st = _p(th["warm_ms"], "p95"), _p(th["static_ms"], "p95")
    out.append(
        Row(
            "thumb warm p95",
            _ms(warm),
            f"{_ms(st)} static",
            _x(th["ratio_p95_warm_over_static"]),
            "<=50 ms",
            warm is not None and warm <= THUMB_WARM_P95_TARGET_MS,
        )
    )
    for q in ("p50", "p95"):
        cold, direct = _p(th["cold_ms"], q), _p(th["direct_thumbnail_jpeg_ms"], q)
        out.append(
            Row(
                f"thumb cold {q}",
                _ms(cold),
                f"{_ms(direct)} direct",
                _x(ratio(cold, direct)),
                "-",
                None,
            )
        )
    se = summary["search"]
    idle = _p(se["phases"]["idle"]["ms"], "p95")
    for name in LOADED_PHASES:
        label = name.removesuffix("_downloads")
        loaded = _p(se["phases"][name]["ms"], "p95")
        r = se[f"ratio_p95_{name}_over_idle"]
        out.append(
            Row(
                f"search p95, 5 {label} downloads",
                _ms(loaded),
                f"{_ms(idle)} idle",
                _x(r),
                "<=1.5x",
                r is not None and r <= SEARCH_LOADED_RATIO_TARGET,
            )
        )
    return out


def targets(summary: dict[str, Any]) -> dict[str, bool]:
    names = {
        "clip TTFB p95 (all)": "clip_ttfb_p95_le_100ms_and_2x_static",
        "clip CPU: cut (stream copy)": "cut_cpu_le_1_80_of_transcode",
        "thumb warm p95": "thumb_warm_p95_le_50ms",
        "search p95, 5 fast downloads": "search_p95_fast_downloads_le_1_5x_idle",
        "search p95, 5 gigabit downloads": "search_p95_gigabit_downloads_le_1_5x_idle",
        "search p95, 5 paced downloads": "search_p95_paced_downloads_le_1_5x_idle",
    }
    return {names[r.metric]: bool(r.met) for r in rows(summary) if r.metric in names}


def table(summary: dict[str, Any]) -> str:
    header = ("metric", "value", "baseline", "ratio", "target", "met?")
    lines = [
        (
            r.metric,
            r.value,
            r.baseline,
            r.ratio,
            r.target,
            "-" if r.met is None else ("yes" if r.met else "NO"),
        )
        for r in rows(summary)
    ]
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    fmt = " | ".join(f"{{:<{w}}}" for w in widths)
    text = [fmt.format(*header), "-+-".join("-" * w for w in widths)]
    text += [fmt.format(*line) for line in lines]
    phases = summary["search"]["phases"]
    foreign = {
        "clip TTFB": summary["clip_ttfb"].get("host", {}).get("foreign_cores"),
        "thumbnails": summary["thumbnails"].get("host", {}).get("foreign_cores"),
        **{f"search {name}": phase.get("foreign_cores") for name, phase in phases.items()},
    }
    text.append(
        "other jobs' CPU (cores) meanwhile: "
        + ", ".join(f"{name} {value}" for name, value in foreign.items())
    )
    return "\n".join(text)


# --------------------------------------------------------------------------- CLI


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.video",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=400, help="clip GETs per side")
    parser.add_argument("--concurrency", type=int, default=4, help="clip/thumbnail clients")
    parser.add_argument("--thumbs", type=int, default=20, help="distinct cold thumbnail moments")
    parser.add_argument("--thumb-requests", type=int, default=400, help="warm GETs per side")
    parser.add_argument("--searches", type=int, default=400, help="timed searches per phase")
    parser.add_argument("--rounds", type=int, default=16, help="search rounds (blocks each)")
    parser.add_argument("--events", type=int, default=3000, help="events in the database")
    parser.add_argument("--source-seconds", type=int, default=30, help="length of the source")
    parser.add_argument("--cuts", type=int, default=10, help="timed stream-copy cuts")
    parser.add_argument("--transcodes", type=int, default=2, help="timed transcodes")
    parser.add_argument(
        "--out", type=Path, help="JSON file (default bench/results/video-<time>.json)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run, under a minute")
    parser.add_argument(
        "--nginx",
        action="store_true",
        help="put a private nginx (deploy/nginx template) in front of the app with "
        "VIDEO_ACCEL_REDIRECT: nginx sends the clip bytes",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.thumbs = min(args.requests, 40), min(args.thumbs, 4)
        args.thumb_requests, args.searches = min(args.thumb_requests, 40), min(args.searches, 20)
        args.events, args.source_seconds = min(args.events, 500), min(args.source_seconds, 8)
        args.cuts, args.transcodes, args.rounds = min(args.cuts, 3), 1, 1
    if not (2 <= args.requests <= 5000 and 1 <= args.concurrency <= 64):
        parser.error("requests must be in [2, 5000], concurrency in [1, 64]")
    if not (1 <= args.thumbs <= 200 and 2 <= args.thumb_requests <= 5000):
        parser.error("thumbs must be in [1, 200], thumb-requests in [2, 5000]")
    if not (4 <= args.searches <= 2000 and CLIPS <= args.events <= 200_000):
        parser.error(f"searches must be in [4, 2000], events in [{CLIPS}, 200000]")
    if not (
        4 <= args.source_seconds <= 120 and 1 <= args.cuts <= 100 and 1 <= args.transcodes <= 5
    ):
        parser.error("source-seconds in [4, 120], cuts in [1, 100], transcodes in [1, 5]")
    if not 1 <= args.rounds <= 20:
        parser.error("rounds must be in [1, 20]")
    if args.events < 50:
        parser.error("events must be >= 50 (a full page of 50)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == STATIC_SERVER_ARG:
        return _static_server_main(argv[1:])
    if argv and argv[0] == DOWNLOADER_ARG:
        return _downloader_main(argv[1:])
    args = parse_args(argv)
    started = time.perf_counter()
    summary = run_main(run(args))
    summary["run_seconds"] = round(time.perf_counter() - started, 1)
    out: Path = args.out or RESULTS_DIR / (
        f"video-{'quick-' if args.quick else ''}{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(table(summary), file=sys.stderr)
    print(f"[video] {summary['run_seconds']} s; results in {out}", file=sys.stderr)
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
