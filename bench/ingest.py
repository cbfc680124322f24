"""Ingest bench: sustained camera pushes (~0.5 MB pictures) against the real server.

    .venv/bin/python -m bench.ingest --backend mariadb-redis            # 200/s for 20 s
    .venv/bin/python -m bench.ingest --backend sqlite --quick           # smoke run

The server runs as ``domcctv serve`` in its own process (production entry point, no demo data,
no simulator). The bench registers camera rows in a dedicated database, pre-builds one distinct
push body per request (own UUID = natural key, own plate), then drives an open-loop schedule
(request i is due at t0 + i/rate whatever happened to earlier ones) with aiohttp and records
each ack latency from the *scheduled* send time, so a stalled server cannot hide its queueing
(no coordinated omission). Baseline in the same run: ``bench.null_server`` (same uvicorn, same
multipart parse, nothing durable) under the same load; the headline is p99(ingest)/p99(null).
After the run it waits for the queue to drain and checks every acknowledged natural key is in
``plate_reads`` exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench._common import (
    PUSH_CONTENT_TYPE,
    REPO,
    Backend,
    CpuMeter,
    HostMeter,
    Push,
    ServerProcess,
    build_pushes,
    cleanup_backend,
    domcctv_serve_argv,
    free_port,
    freeze_heap,
    helper_env,
    machine_note,
    orm,
    prepare_backend,
    print_summary,
    ratio,
    register_bench_cameras,
    run_main,
    server_env,
    stats_ms,
    temp_dir,
    unique_plates,
)

ACK_P99_TARGET_MS = 100.0


@dataclass
class LoadResult:
    """What one open-loop run observed (latencies in seconds)."""

    scheduled: int
    ack_latency: list[float] = field(default_factory=list)
    send_lag: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    acked_keys: list[str] = field(default_factory=list)
    failed_keys: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    server_cpu: dict[str, float] | None = None
    host: dict[str, Any] | None = None

    @property
    def ok(self) -> int:
        return len(self.acked_keys)

    def summary(self) -> dict[str, Any]:
        achieved = self.ok / self.wall_seconds if self.wall_seconds > 0 else 0.0
        return {
            "scheduled": self.scheduled,
            "ok": self.ok,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "achieved_rate": round(achieved, 1),
            "ack_ms": stats_ms(self.ack_latency),
            "send_lag_ms": stats_ms(self.send_lag),
            "server_cpu": self.server_cpu,
            "client_cpu_s": round(self.client_cpu_seconds, 2),
            "host": self.host,
        }


async def drive(
    base_url: str,
    pushes: Sequence[Push],
    rate: float,
    *,
    keepalive: bool,
    request_timeout: float,
    check_key: bool,
    server_pid: int | None = None,
) -> LoadResult:
    """Send ``pushes`` on a fixed open-loop schedule; ack latency is measured from the due time."""
    result = LoadResult(scheduled=len(pushes))
    connector = aiohttp.TCPConnector(limit=0, force_close=not keepalive)
    timeout = aiohttp.ClientTimeout(total=request_timeout)
    headers = {"Content-Type": PUSH_CONTENT_TYPE}
    last_done = 0.0

    async def one(session: aiohttp.ClientSession, push: Push, due: float) -> None:
        nonlocal last_done
        result.send_lag.append(time.perf_counter() - due)
        url = f"{base_url}/ingest/isapi/{push.camera.token}"
        try:
            async with session.post(url, data=push.body, headers=headers) as resp:
                payload = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            result.errors[type(exc).__name__] += 1
            result.failed_keys.append(push.key)
            return
        done = time.perf_counter()
        last_done = max(last_done, done)
        result.statuses[status] += 1
        if status != 200:
            result.errors[f"http_{status}"] += 1
            result.failed_keys.append(push.key)
            return
        # The event UUID is echoed by both servers (the real one as uuid:<camera>:<UUID>).
        if check_key and push.key.rsplit(":", 1)[-1].encode() not in payload:
            result.errors["not_accepted"] += 1
            result.failed_keys.append(push.key)
            return
        result.ack_latency.append(done - due)
        result.acked_keys.append(push.key)

    cpu = CpuMeter(server_pid)
    host = HostMeter({"server": server_pid})
    client_cpu_before = time.process_time()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks: list[asyncio.Task[None]] = []
        t0 = time.perf_counter() + 0.05
        for i, push in enumerate(pushes):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, push, due)))
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=request_timeout + 10)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            result.errors["bench_timeout"] += len(pending)
            if not result.errors["bench_timeout"]:
                del result.errors["bench_timeout"]
        result.wall_seconds = (last_done or time.perf_counter()) - t0
    result.client_cpu_seconds = time.process_time() - client_cpu_before
    result.server_cpu = cpu.read()
    result.host = host.read()
    return result


async def _stored_count() -> int:
    from domcctv.models import PlateReadRecord

    return int(await PlateReadRecord.all().count())


async def drain_and_verify(
    database_url: str, acked: Sequence[str], failed: Sequence[str], drain_timeout: float
) -> dict[str, Any]:
    """Wait (bounded) until every acknowledged read is processed, then check exactly-once."""
    from domcctv.models import PlateReadRecord

    expected = set(acked)
    started = time.perf_counter()
    async with orm(database_url):
        at_load_end = await _stored_count()
        stored = at_load_end
        polls = int(drain_timeout / 0.25) + 1
        for _ in range(polls):
            if stored >= len(expected) or time.perf_counter() - started > drain_timeout:
                break
            await asyncio.sleep(0.25)
            stored = await _stored_count()
        drain_seconds = time.perf_counter() - started
        keys = Counter(await PlateReadRecord.all().values_list("natural_key", flat=True))
    found = expected & set(keys)
    failed_set = set(failed)
    return {
        "stored_at_load_end": at_load_end,
        "drain_seconds": round(drain_seconds, 2),
        "expected": len(expected),
        "found": len(found),
        "missing": len(expected - found),
        "missing_sample": sorted(expected - found)[:5],
        "duplicates": sum(1 for k in expected if keys.get(k, 0) > 1),
        "unexpected": len(set(keys) - expected - failed_set),
        "failed_but_stored": len(failed_set & set(keys)),
        "nothing_lost": not (expected - found) and all(keys[k] == 1 for k in found),
    }


async def run_null_baseline(
    args: argparse.Namespace, pushes: Sequence[Push], warmup: Sequence[Push], tmp: Path
) -> LoadResult:
    port = free_port()
    server = ServerProcess(
        "null-server",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.null_server:app",
            "--app-dir",
            str(REPO),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        helper_env(),
        tmp,
        tmp / "null-server.log",
    )
    base = f"http://127.0.0.1:{port}"
    worker: ServerProcess | None = None
    if args.external_worker:
        # The API only receives; a separate `domcctv worker` process runs the consumer.
        server.env["INGEST_CONSUMER_IN_PROCESS"] = "false"
        worker_argv = [*domcctv_serve_argv()[:-1], "worker"]
        worker = ServerProcess("worker", worker_argv, dict(server.env), tmp, tmp / "worker.log")
        await worker.start(None)
    await server.start(f"{base}/health")
    try:
        pid = server.proc.pid if server.proc else None
        await drive(
            base, warmup, args.rate, keepalive=args.keepalive, request_timeout=10, check_key=True
        )
        return await drive(
            base,
            pushes,
            args.rate,
            keepalive=args.keepalive,
            request_timeout=args.request_timeout,
            check_key=True,
            server_pid=pid,
        )
    finally:
        await server.stop()


async def run_ingest(
    args: argparse.Namespace,
    backend: Backend,
    pushes: Sequence[Push],
    warmup: Sequence[Push],
    tmp: Path,
) -> tuple[LoadResult, LoadResult, dict[str, Any]]:
    port = free_port()
    server = ServerProcess(
        "domcctv",
        domcctv_serve_argv(),
        server_env(
            backend,
            port=port,
            media_dir=tmp / "media",
            jwt_secret=secrets.token_urlsafe(40),
            tmp=tmp,
        ),
        tmp,
        tmp / "domcctv.log",
    )
    base = f"http://127.0.0.1:{port}"
    worker: ServerProcess | None = None
    if args.external_worker:
        # The API only receives; a separate `domcctv worker` process runs the consumer.
        server.env["INGEST_CONSUMER_IN_PROCESS"] = "false"
        worker_argv = [*domcctv_serve_argv()[:-1], "worker"]
        worker = ServerProcess("worker", worker_argv, dict(server.env), tmp, tmp / "worker.log")
        await worker.start(None)
    await server.start(f"{base}/health")
    try:
        pid = server.proc.pid if server.proc else None
        warm = await drive(
            base, warmup, args.rate, keepalive=args.keepalive, request_timeout=10, check_key=True
        )
        # Let the consumer catch up with the warm-up so the timed run starts from an empty queue.
        await asyncio.sleep(min(5.0, 0.5 + len(warmup) / 50))
        load = await drive(
            base,
            pushes,
            args.rate,
            keepalive=args.keepalive,
            request_timeout=args.request_timeout,
            check_key=True,
            server_pid=pid,
        )
        drain_cpu = CpuMeter(pid)
        verify = await drain_and_verify(
            backend.database_url,
            [*warm.acked_keys, *load.acked_keys],
            [*warm.failed_keys, *load.failed_keys],
            args.drain_timeout,
        )
        verify["server_cpu_during_drain"] = drain_cpu.read()
        processed_during_load = max(0, verify["stored_at_load_end"] - warm.ok)
        verify["consumer_rate_during_load"] = round(
            processed_during_load / load.wall_seconds if load.wall_seconds > 0 else 0.0, 1
        )
        total_time = load.wall_seconds + verify["drain_seconds"]
        verify["consumer_rate_overall"] = round(load.ok / total_time if total_time else 0.0, 1)
        verify["server_log_problems"] = server.log_problems()
        verify["consumer"] = "external worker process" if worker else "in the API process"
    finally:
        await server.stop()
        if worker is not None:
            await worker.stop()
    return warm, load, verify


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "mariadb-redis"), default="sqlite")
    parser.add_argument("--rate", type=float, default=200.0, help="pushes per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the timed run")
    parser.add_argument("--cameras", type=int, default=8, help="distinct camera tokens")
    parser.add_argument("--picture-bytes", type=int, default=500_000, help="detection JPEG size")
    parser.add_argument("--warmup", type=int, default=40, help="untimed pushes per server")
    parser.add_argument("--keepalive", action="store_true", help="reuse connections")
    parser.add_argument(
        "--external-worker",
        action="store_true",
        help="INGEST_CONSUMER_IN_PROCESS=false plus one `domcctv worker` process",
    )
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--no-baseline", action="store_true", help="skip the null-handler run")
    parser.add_argument("--quick", action="store_true", help="smoke run: 50/s for 3 s")
    parser.add_argument("--mysql-url", default="mysql://root:@127.0.0.1:3306")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    args = parser.parse_args(argv)
    if args.quick:
        args.rate, args.seconds, args.warmup = min(args.rate, 50.0), min(args.seconds, 3.0), 10
        args.drain_timeout = min(args.drain_timeout, 60.0)
    if not (0 < args.rate <= 2000 and 0 < args.seconds <= 600 and 1 <= args.cameras <= 64):
        parser.error("rate must be in (0, 2000], seconds in (0, 600], cameras in [1, 64]")
    return args


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from domcctv.db import migrate_database

    total = round(args.rate * args.seconds)
    with temp_dir("domcctv-bench-ingest-") as tmp:
        backend = await prepare_backend(
            args.backend, tmp, mysql_url=args.mysql_url, redis_url=args.redis_url
        )
        try:
            await migrate_database(backend.database_url)
            async with orm(backend.database_url):
                cameras = await register_bench_cameras(args.cameras)
            build_started = time.perf_counter()
            plates = unique_plates(total + args.warmup)
            everything = build_pushes(cameras, plates, picture_bytes=args.picture_bytes)
            warmup, pushes = everything[: args.warmup], everything[args.warmup :]
            build_seconds = time.perf_counter() - build_started
            assert len({p.key for p in everything}) == len(everything), "natural keys must differ"
            body_avg = sum(len(p.body) for p in pushes) / max(1, len(pushes))
            freeze_heap()
            print(
                f"[ingest] {args.backend}: {len(pushes)} pushes of ~{body_avg / 1e6:.2f} MB "
                f"built in {build_seconds:.1f}s; target {args.rate:g}/s for {args.seconds:g}s",
                file=sys.stderr,
            )
            null = None
            if not args.no_baseline:
                null = await run_null_baseline(args, pushes, warmup, tmp)
                print(f"[ingest] null baseline: {null.summary()}", file=sys.stderr)
            _, load, verify = await run_ingest(args, backend, pushes, warmup, tmp)
            print(f"[ingest] domcctv: {load.summary()}", file=sys.stderr)
        finally:
            await cleanup_backend(backend)
    ingest_summary = load.summary()
    null_summary = null.summary() if null else None
    p99 = ingest_summary["ack_ms"]["p99"]
    return {
        "bench": "ingest",
        "backend": args.backend,
        "target_rate": args.rate,
        "seconds": args.seconds,
        "pushes": len(pushes),
        "body_mb_avg": round(body_avg / 1e6, 3),
        "keepalive": args.keepalive,
        "null": null_summary,
        "ingest": ingest_summary,
        "verify": verify,
        "ratio_p99_ingest_over_null": ratio(p99, null_summary["ack_ms"]["p99"])
        if null_summary
        else None,
        "targets": {
            "rate_sustained": ingest_summary["errors"] == 0
            and ingest_summary["achieved_rate"] >= 0.98 * args.rate,
            "ack_p99_le_100ms": p99 is not None and p99 <= ACK_P99_TARGET_MS,
            "nothing_lost": verify["nothing_lost"],
            # Not a stated target, but "sustained" only holds if processing keeps up too:
            # otherwise the durable queue grows without bound under a longer run.
            "processing_keeps_up": verify["consumer_rate_during_load"] >= 0.95 * args.rate,
        },
        "machine": machine_note(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    summary = run_main(main_async(args))
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
