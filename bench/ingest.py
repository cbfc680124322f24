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

``--db NAME`` (MariaDB + Redis) runs the same bench against a database kept by
``bench/search.py`` (e.g. ``domcctv_bench_10m``) instead of a fresh one: the run's cameras get
codes of their own, the rows the run adds (reads, events, audit, outbox, clip requests, its
cameras and site) are deleted at the end by id high-water marks taken before it (``--keep-rows``
leaves them), the database itself is never dropped. ``--buffer-pool SIZE`` sets MariaDB's
``innodb_buffer_pool_size`` for the run with ``bench.search``'s mechanism and restores it.
``--servers N`` runs N API processes (cameras spread over them, as a load balancer would);
with ``--external-worker`` they only receive and one ``domcctv worker`` process consumes
(``--worker-nice`` lowers its CPU priority so receiving, which acknowledges, goes first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
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


def _cpu_total(meters: Sequence[CpuMeter]) -> dict[str, float] | None:
    """The CPU of every server process of the run, summed (None when unreadable)."""
    readings = [m.read() for m in meters]
    if not readings or any(r is None for r in readings):
        return None
    keys = ("total_s", "loop_thread_s", "other_threads_s")
    return {k: round(sum(r[k] for r in readings if r is not None), 2) for k in keys}


async def drive(
    base_urls: Sequence[str],
    pushes: Sequence[Push],
    rate: float,
    *,
    keepalive: bool,
    request_timeout: float,
    check_key: bool,
    server_pids: Sequence[int | None] = (),
) -> LoadResult:
    """Send ``pushes`` on a fixed open-loop schedule; ack latency is measured from the due time.

    Camera ``i`` pushes to ``base_urls[i % len(base_urls)]`` (one receiver per camera, as a
    load balancer with sticky upstreams would spread them)."""
    result = LoadResult(scheduled=len(pushes))
    connector = aiohttp.TCPConnector(limit=0, force_close=not keepalive)
    timeout = aiohttp.ClientTimeout(total=request_timeout)
    headers = {"Content-Type": PUSH_CONTENT_TYPE}
    last_done = 0.0

    async def one(session: aiohttp.ClientSession, push: Push, due: float) -> None:
        nonlocal last_done
        result.send_lag.append(time.perf_counter() - due)
        base_url = base_urls[push.camera.index % len(base_urls)]
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

    meters = [CpuMeter(pid) for pid in server_pids if pid is not None]
    host = HostMeter({f"server{i + 1}": pid for i, pid in enumerate(server_pids)})
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
    result.server_cpu = _cpu_total(meters)
    if result.server_cpu and result.ok:
        result.server_cpu["ms_per_push"] = round(result.server_cpu["total_s"] * 1e3 / result.ok, 2)
        loop_ms = result.server_cpu["loop_thread_s"] * 1e3 / result.ok
        result.server_cpu["loop_ms_per_push"] = round(loop_ms, 2)
    result.host = host.read()
    return result


async def _stored_count(above_id: int) -> int:
    """Reads stored by this run: ids above the high-water mark taken before it (0 when the
    database is the run's own), a primary-key range even in a kept database."""
    from domcctv.models import PlateReadRecord

    return int(await PlateReadRecord.filter(id__gt=above_id).count())


async def drain_and_verify(
    database_url: str,
    acked: Sequence[str],
    failed: Sequence[str],
    drain_timeout: float,
    *,
    above_id: int = 0,
) -> dict[str, Any]:
    """Wait (bounded) until every acknowledged read is processed, then check exactly-once."""
    from domcctv.models import PlateReadRecord

    expected = set(acked)
    started = time.perf_counter()
    async with orm(database_url):
        at_load_end = await _stored_count(above_id)
        stored = at_load_end
        polls = int(drain_timeout / 0.25) + 1
        for _ in range(polls):
            if stored >= len(expected) or time.perf_counter() - started > drain_timeout:
                break
            await asyncio.sleep(0.25)
            stored = await _stored_count(above_id)
        drain_seconds = time.perf_counter() - started
        rows = PlateReadRecord.filter(id__gt=above_id).values_list("natural_key", flat=True)
        keys: Counter[str] = Counter(str(k) for k in await rows)
        # Every acknowledged key, wherever it is: one stored under a lower id would be a
        # read the run did not add (impossible with fresh UUIDs, but checked, not assumed).
        anywhere = PlateReadRecord.filter(natural_key__in=sorted(expected))
        everywhere = Counter(str(k) for k in await anywhere.values_list("natural_key", flat=True))
    for key, count in everywhere.items():
        keys[key] = max(keys[key], count)
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


def _null_server(tmp: Path, index: int) -> tuple[ServerProcess, str]:
    port = free_port()
    server = ServerProcess(
        f"null-server-{index}",
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
        tmp / f"null-server-{index}.log",
    )
    return server, f"http://127.0.0.1:{port}"


async def run_null_baseline(
    args: argparse.Namespace, pushes: Sequence[Push], warmup: Sequence[Push], tmp: Path
) -> LoadResult:
    """The same load against ``--servers`` null handlers (nothing durable, no worker)."""
    started: list[ServerProcess] = []
    try:
        bases = []
        for index in range(args.servers):
            server, base = _null_server(tmp, index + 1)
            started.append(server)
            await server.start(f"{base}/health")
            bases.append(base)
        pids = [server.proc.pid if server.proc else None for server in started]
        await drive(
            bases, warmup, args.rate, keepalive=args.keepalive, request_timeout=10, check_key=True
        )
        return await drive(
            bases,
            pushes,
            args.rate,
            keepalive=args.keepalive,
            request_timeout=args.request_timeout,
            check_key=True,
            server_pids=pids,
        )
    finally:
        for server in started:
            await server.stop()


def _api_servers(
    args: argparse.Namespace, backend: Backend, tmp: Path
) -> tuple[list[ServerProcess], list[str]]:
    """``--servers`` API processes on their own ports, one media directory and JWT secret."""
    secret = secrets.token_urlsafe(40)
    servers, bases = [], []
    for index in range(args.servers):
        port = free_port()
        env = server_env(backend, port=port, media_dir=tmp / "media", jwt_secret=secret, tmp=tmp)
        if args.external_worker:
            # The API only receives; a separate `domcctv worker` process runs the consumer.
            env["INGEST_CONSUMER_IN_PROCESS"] = "false"
        name = "domcctv" if args.servers == 1 else f"domcctv-{index + 1}"
        servers.append(ServerProcess(name, domcctv_serve_argv(), env, tmp, tmp / f"{name}.log"))
        bases.append(f"http://127.0.0.1:{port}")
    return servers, bases


def _worker_process(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> ServerProcess:
    argv = [*domcctv_serve_argv()[:-1], "worker"]
    if args.worker_nice:
        # Lower CPU priority: on a saturated host the receivers (which acknowledge) go first
        # and the durable queue absorbs the burst.
        argv = ["nice", "-n", str(args.worker_nice), *argv]
    return ServerProcess("worker", argv, dict(env), tmp, tmp / "worker.log")


async def run_ingest(
    args: argparse.Namespace,
    backend: Backend,
    pushes: Sequence[Push],
    warmup: Sequence[Push],
    tmp: Path,
    *,
    reads_above_id: int = 0,
) -> tuple[LoadResult, LoadResult, dict[str, Any]]:
    servers, bases = _api_servers(args, backend, tmp)
    worker = _worker_process(args, servers[0].env, tmp) if args.external_worker else None
    started: list[ServerProcess] = []
    try:
        if worker is not None:
            started.append(worker)
            await worker.start(None)
        for server, base in zip(servers, bases, strict=True):
            started.append(server)
            await server.start(f"{base}/health")
        pids = [server.proc.pid if server.proc else None for server in servers]
        warm = await drive(
            bases, warmup, args.rate, keepalive=args.keepalive, request_timeout=10, check_key=True
        )
        # Let the consumer catch up with the warm-up so the timed run starts from an empty queue.
        await asyncio.sleep(min(5.0, 0.5 + len(warmup) / 50))
        worker_cpu = CpuMeter(worker.proc.pid if worker and worker.proc else None)
        load = await drive(
            bases,
            pushes,
            args.rate,
            keepalive=args.keepalive,
            request_timeout=args.request_timeout,
            check_key=True,
            server_pids=pids,
        )
        worker_during_load = worker_cpu.read()
        drain_cpu = [CpuMeter(pid) for pid in pids]
        verify = await drain_and_verify(
            backend.database_url,
            [*warm.acked_keys, *load.acked_keys],
            [*warm.failed_keys, *load.failed_keys],
            args.drain_timeout,
            above_id=reads_above_id,
        )
        verify["server_cpu_during_drain"] = _cpu_total(drain_cpu)
        verify["worker_cpu_during_load"] = worker_during_load
        processed_during_load = max(0, verify["stored_at_load_end"] - warm.ok)
        verify["consumer_rate_during_load"] = round(
            processed_during_load / load.wall_seconds if load.wall_seconds > 0 else 0.0, 1
        )
        total_time = load.wall_seconds + verify["drain_seconds"]
        verify["consumer_rate_overall"] = round(load.ok / total_time if total_time else 0.0, 1)
        verify["server_log_problems"] = {s.name: s.log_problems() for s in started}
        verify["consumer"] = (
            f"external worker process (nice {args.worker_nice})" if worker else "in the API process"
        )
    finally:
        for process in reversed(started):
            await process.stop()
    return warm, load, verify


# --------------------------------------------------------------------------- kept database

KEPT_DB_NAME = re.compile(r"domcctv_bench_[A-Za-z0-9_]{1,40}")


@contextlib.asynccontextmanager
async def _kept_connection(backend: Backend) -> Any:
    """A plain asyncmy connection to the kept database (closed afterwards)."""
    from urllib.parse import urlsplit

    import asyncmy

    parts = urlsplit(backend.database_url)
    conn = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=parts.path.lstrip("/"),
        connect_timeout=10,
    )
    try:
        yield conn
    finally:
        conn.close()


async def _kept_query(backend: Backend, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    async with _kept_connection(backend) as conn:
        async with conn.cursor() as cur:
            await cur.execute(sql, params or None)
            rows = list(await cur.fetchall() or [])
        await conn.commit()
        return rows


async def _id_tables(backend: Backend) -> list[str]:
    """Tables of the kept database with an auto-increment ``id``: where a run adds rows."""
    rows = await _kept_query(
        backend,
        "SELECT table_name FROM information_schema.columns WHERE table_schema = DATABASE() "
        "AND column_name = 'id' AND extra LIKE '%%auto_increment%%' ORDER BY table_name",
    )
    return [str(r[0]) for r in rows]


async def kept_marks(backend: Backend) -> dict[str, int]:
    """Highest id of every such table before the run (rows above it are the run's)."""
    marks = {}
    for table in await _id_tables(backend):
        rows = await _kept_query(backend, f"SELECT COALESCE(MAX(id), 0) FROM `{table}`")  # noqa: S608
        marks[table] = int(rows[0][0])
    return marks


async def kept_event_count(backend: Backend) -> int:
    rows = await _kept_query(backend, "SELECT COUNT(*) FROM events")
    return int(rows[0][0])


async def kept_cleanup(backend: Backend, marks: dict[str, int]) -> dict[str, Any]:
    """What the run did to the kept data, then delete every row it added (above the marks).

    ``reads_on_kept_events``: reads of this run that merged into or attached to an event that
    was there before it (those events' secondary camera changed; expected 0: the bench's
    plates and times do not meet the generated passes within the merge window)."""
    on_kept = await _kept_query(
        backend,
        "SELECT COUNT(*) FROM plate_reads WHERE id > %s AND event_id <= %s",
        (marks.get("plate_reads", 0), marks.get("events", 0)),
    )
    added: dict[str, int] = {}
    for table, mark in marks.items():
        rows = await _kept_query(backend, f"SELECT COUNT(*) FROM `{table}` WHERE id > %s", (mark,))  # noqa: S608
        if int(rows[0][0]):
            added[table] = int(rows[0][0])
    deleted: dict[str, int] = {}
    if added:
        async with _kept_connection(backend) as conn:
            async with conn.cursor() as cur:
                # Every row above the marks goes, children and parents alike: nothing dangles.
                await cur.execute("SET SESSION foreign_key_checks = 0")
                for table in added:
                    sql = f"DELETE FROM `{table}` WHERE id > %s"  # noqa: S608
                    deleted[table] = int(await cur.execute(sql, (marks[table],)) or 0)
            await conn.commit()
    return {
        "reads_on_kept_events": int(on_kept[0][0]),
        "rows_added": added,
        "rows_deleted": deleted,
    }


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
    parser.add_argument(
        "--servers", type=int, default=1, help="API processes receiving (cameras spread)"
    )
    parser.add_argument(
        "--worker-nice", type=int, default=0, help="nice value of the external worker (0-19)"
    )
    parser.add_argument(
        "--db",
        metavar="NAME",
        help="run against this database kept by bench/search.py (mariadb-redis only)",
    )
    parser.add_argument(
        "--keep-rows", action="store_true", help="with --db: leave the rows the run added"
    )
    parser.add_argument(
        "--buffer-pool",
        metavar="SIZE",
        help="SET GLOBAL innodb_buffer_pool_size for the run (bench.search's), restored after",
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
    if not (1 <= args.servers <= 4 and args.servers <= args.cameras):
        parser.error("servers must be in [1, 4] and at most the number of cameras")
    if not 0 <= args.worker_nice <= 19 or (args.worker_nice and not args.external_worker):
        parser.error("--worker-nice must be in [0, 19] and needs --external-worker")
    if args.db is not None:
        if args.backend != "mariadb-redis":
            parser.error("--db needs --backend mariadb-redis")
        if not KEPT_DB_NAME.fullmatch(args.db):
            parser.error("--db must name a database kept by bench/search.py (domcctv_bench_*)")
    if args.keep_rows and args.db is None:
        parser.error("--keep-rows needs --db")
    if args.buffer_pool is not None:
        from bench.search import parse_size

        try:
            args.buffer_pool = parse_size(args.buffer_pool)
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))
        if args.backend != "mariadb-redis" or not 128 << 20 <= args.buffer_pool <= 16 << 30:
            parser.error("--buffer-pool needs mariadb-redis and a size from 128M to 16G")
    return args


@contextlib.asynccontextmanager
async def buffer_pool(args: argparse.Namespace, backend: Backend) -> Any:
    """``--buffer-pool``: bench.search's mechanism (set for the run, recorded, restored)."""
    if not args.buffer_pool:
        yield None
        return
    from bench.search import mysql_target, server_variable, set_buffer_pool

    target = mysql_target(args.mysql_url, backend.database_url.rsplit("/", 1)[-1])
    original = int(await server_variable(target, "innodb_buffer_pool_size"))
    record: dict[str, Any] = {
        "original_bytes": original,
        "used_bytes": args.buffer_pool,
        "mechanism": "bench.search.set_buffer_pool (SET GLOBAL innodb_buffer_pool_size)",
    }
    await set_buffer_pool(target, args.buffer_pool)
    record["set_to"] = int(await server_variable(target, "innodb_buffer_pool_size"))
    print(f"[ingest] innodb_buffer_pool_size {original} -> {record['set_to']}", file=sys.stderr)
    try:
        yield record
    finally:
        await set_buffer_pool(target, original)
        now = int(await server_variable(target, "innodb_buffer_pool_size"))
        record["restored"] = now == original
        print(f"[ingest] innodb_buffer_pool_size restored to {now}", file=sys.stderr)


async def _prepare_database(
    args: argparse.Namespace, backend: Backend
) -> tuple[list[Any], dict[str, Any] | None, dict[str, int]]:
    """Cameras for the run; with ``--db``, what the kept database held before it."""
    from domcctv.db import migrate_database

    if args.db is None:
        await migrate_database(backend.database_url)
        async with orm(backend.database_url):
            return await register_bench_cameras(args.cameras), None, {}
    marks = await kept_marks(backend)
    started = time.perf_counter()
    events = await kept_event_count(backend)
    kept: dict[str, Any] = {
        "database": args.db,
        "events_before": events,
        "count_seconds": round(time.perf_counter() - started, 1),
    }
    print(f"[ingest] kept database {args.db}: {events} events", file=sys.stderr)
    async with orm(backend.database_url):
        prefix = f"BENCH-{secrets.token_hex(3).upper()}"
        cameras = await register_bench_cameras(args.cameras, prefix=prefix)
    return cameras, kept, marks


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    total = round(args.rate * args.seconds)
    with temp_dir("domcctv-bench-ingest-") as tmp:
        backend = await prepare_backend(
            args.backend,
            tmp,
            mysql_url=args.mysql_url,
            redis_url=args.redis_url,
            existing_database=args.db,
        )
        kept: dict[str, Any] | None = None
        marks: dict[str, int] = {}
        try:
            async with buffer_pool(args, backend) as pool:
                cameras, kept, marks = await _prepare_database(args, backend)
                try:
                    build_started = time.perf_counter()
                    plates = unique_plates(total + args.warmup)
                    everything = build_pushes(cameras, plates, picture_bytes=args.picture_bytes)
                    warmup, pushes = everything[: args.warmup], everything[args.warmup :]
                    build_seconds = time.perf_counter() - build_started
                    assert len({p.key for p in everything}) == len(everything), "keys must differ"
                    body_avg = sum(len(p.body) for p in pushes) / max(1, len(pushes))
                    freeze_heap()
                    print(
                        f"[ingest] {args.backend}: {len(pushes)} pushes of "
                        f"~{body_avg / 1e6:.2f} MB built in {build_seconds:.1f}s; target "
                        f"{args.rate:g}/s for {args.seconds:g}s, {args.servers} API process(es)",
                        file=sys.stderr,
                    )
                    null = None
                    if not args.no_baseline:
                        null = await run_null_baseline(args, pushes, warmup, tmp)
                        print(f"[ingest] null baseline: {null.summary()}", file=sys.stderr)
                    _, load, verify = await run_ingest(
                        args,
                        backend,
                        pushes,
                        warmup,
                        tmp,
                        reads_above_id=marks.get("plate_reads", 0),
                    )
                    print(f"[ingest] domcctv: {load.summary()}", file=sys.stderr)
                finally:
                    if kept is not None:
                        if args.keep_rows:
                            kept["rows_left"] = True
                        else:
                            kept.update(await kept_cleanup(backend, marks))
                            kept["events_after_cleanup"] = await kept_event_count(backend)
                        print(f"[ingest] kept database after the run: {kept}", file=sys.stderr)
        finally:
            await cleanup_backend(backend)
    ingest_summary = load.summary()
    null_summary = null.summary() if null else None
    p99 = ingest_summary["ack_ms"]["p99"]
    return {
        "bench": "ingest",
        "backend": args.backend,
        "database": (
            {"kind": "kept", **kept} if kept is not None else {"kind": "fresh (created, dropped)"}
        ),
        "buffer_pool": pool,
        "servers": args.servers,
        "external_worker": args.external_worker,
        "worker_nice": args.worker_nice,
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
