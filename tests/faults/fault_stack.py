"""The production shape on one machine, as real processes, for fault injection:

    simulated site (sim_reporter.py) --push--> server (domcctv serve, API only)
                                                  | XADD              ^ pub/sub
                                                  v                   |
                                            private redis-server <----+---- worker (domcctv worker)
    server, worker --TCP proxy (cuttable)--> MariaDB (a fresh domcctv_fault_<random> database)
    test process --graphql-transport-ws--> server (eventStream subscriber, as an administrator)

The test process also reads MariaDB directly (not through the proxy) and the private Redis, to
judge the outcome: every read acknowledged with 200 stored exactly once and pushed live exactly
once, and nothing left waiting (stream pending and lag, outbox, inbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncmy  # type: ignore[import-untyped]
import redis.asyncio as redis_asyncio
from processes import Process, RedisServer, base_env, python_process, wait_until_healthy
from tcp_proxy import TcpProxy
from tortoise import Tortoise
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from domcctv.config import Settings
from domcctv.db import migrate_database, open_database
from domcctv.domain.access import Role
from domcctv.models import (
    Camera,
    CameraSource,
    DeadLetterStatus,
    Event,
    IngestDeadLetter,
    IngestInbox,
    LiveOutbox,
    PlateReadRecord,
    Site,
)

from factories import make_user
from graphql_client import token_for
from live_server import free_port

HERE = Path(__file__).resolve().parent
STREAM = "subscription { eventStream { kind event { databaseId plate } } }"
SETTLE_TIMEOUT = 45.0  # a healthy stack settles in about a second; a stuck one never does


# ---------------------------------------------------------------- database


async def _mysql(server_url: str, statement: str) -> None:
    parts = urlsplit(server_url)
    conn = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    try:
        async with conn.cursor() as cur:
            await cur.execute(statement)
    finally:
        conn.close()


@contextlib.asynccontextmanager
async def fresh_database(base_url: str) -> AsyncIterator[str]:
    """CREATE DATABASE domcctv_fault_<random>, migrated; dropped afterwards."""
    name = f"domcctv_fault_{secrets.token_hex(4)}"
    server = base_url.rsplit("/", 1)[0]
    await _mysql(base_url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        url = f"{server}/{name}"
        await migrate_database(url)
        yield url
    finally:
        await _mysql(base_url, f"DROP DATABASE IF EXISTS `{name}`")


# ---------------------------------------------------------------- database link


class DatabaseLink(TcpProxy):
    """The TCP proxy between one process and MariaDB (``cut_at_next_begin`` included)."""


# ---------------------------------------------------------------- media directory faults


class MediaDisk:
    """The server's MEDIA_DIR on a small tmpfs that a test can fill up (ENOSPC), or, where
    mounting is not allowed, a directory link a test can break (every write fails)."""

    def __init__(self, root: Path, size_mb: int = 16) -> None:
        self.root = root
        self.size_mb = size_mb
        self.mode = ""
        self._filler = root / "zz-filler.bin"
        self._real = root.parent / "media-real"

    def setup(self) -> None:
        self.root.mkdir(parents=True)
        mounted = subprocess.run(  # noqa: S603 (fixed argv, our own temp path)
            ["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs", str(self.root)],  # noqa: S607
            capture_output=True,
            check=False,
        )
        if mounted.returncode == 0:
            self.mode = "tmpfs"
            return
        self.root.rmdir()
        self._real.mkdir()
        self.root.symlink_to(self._real)
        self.mode = "broken-link"

    def fill(self) -> None:
        if self.mode == "tmpfs":
            chunk = b"\0" * (1 << 20)
            with self._filler.open("wb") as fh:
                try:
                    while True:
                        fh.write(chunk)
                        fh.flush()
                except OSError:  # ENOSPC: the disk is full now
                    pass
        else:
            self.root.unlink()
            self.root.symlink_to(self.root.parent / "media-gone")

    def free(self) -> None:
        if self.mode == "tmpfs":
            self._filler.unlink()
        else:
            self.root.unlink()
            self.root.symlink_to(self._real)

    def teardown(self) -> None:
        if self.mode == "tmpfs":
            subprocess.run(["umount", "-l", str(self.root)], check=False)  # noqa: S603, S607


# ---------------------------------------------------------------- live subscriber


@dataclass
class Subscriber:
    """A graphql-transport-ws client holding one ``eventStream`` open, keeping every push."""

    url: str
    token: str
    pushes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _ws: ClientConnection | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._ws = await connect(self.url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        init = {"authorization": f"Bearer {self.token}"}
        await self._ws.send(json.dumps({"type": "connection_init", "payload": init}))
        ack = json.loads(await self._ws.recv())
        assert ack["type"] == "connection_ack", ack
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": STREAM}}
        await self._ws.send(json.dumps(subscribe))
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            while True:
                message = json.loads(await self._ws.recv())
                kind = message.get("type")
                if kind == "ping":
                    await self._ws.send(json.dumps({"type": "pong"}))
                elif kind == "next":
                    payload = message.get("payload") or {}
                    if payload.get("errors"):
                        self.problems.append(f"push with errors: {payload!r:.500}")
                    change = (payload.get("data") or {}).get("eventStream")
                    if change:
                        self.pushes.append(change)
                elif kind != "pong":
                    self.problems.append(f"unexpected message: {message!r:.500}")
        except ConnectionClosed as exc:
            self.problems.append(f"subscription closed by the server: {exc}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._ws is not None:
            await self._ws.close()


# ---------------------------------------------------------------- the stack


@dataclass
class Outcome:
    """What the system holds after the run, next to what the simulator was told."""

    acknowledged: list[str]
    refused: Counter[str]
    stored_by_uuid: Counter[str]
    reads_by_event: Counter[int]
    events: list[int]
    created: Counter[int]
    updated: Counter[int]
    outbox: int
    inbox_pending: int
    dead_letters: int
    stream: dict[str, Any]

    def missing(self) -> list[str]:
        return [u for u in self.acknowledged if self.stored_by_uuid[u] == 0]

    def duplicated(self) -> list[str]:
        return [u for u, n in self.stored_by_uuid.items() if n > 1]

    def live_missing(self) -> list[int]:
        return [e for e in self.events if self.created[e] == 0]

    def live_duplicated(self) -> list[int]:
        twice = [e for e, n in self.created.items() if n > 1]
        # An event of n reads may be updated n-1 times (merges); never more.
        over = [e for e, n in self.updated.items() if n > self.reads_by_event[e] - 1]
        return sorted(set(twice + over))

    def live_unknown(self) -> list[int]:
        known = set(self.events)
        return [e for e in [*self.created, *self.updated] if e not in known]

    def queue_empty(self) -> bool:
        return (
            self.outbox == 0
            and self.inbox_pending == 0
            and self.stream.get("pending") == 0
            and self.stream.get("caught_up") is True
        )

    def settled(self) -> bool:
        return (
            not self.missing()
            and self.queue_empty()
            and not self.live_missing()
            and not self.live_duplicated()
        )

    def summary(self) -> str:
        return (
            f"acknowledged {len(self.acknowledged)}, refused {dict(self.refused)}, "
            f"stored reads {sum(self.stored_by_uuid.values())}, events {len(self.events)}, "
            f"live CREATED {sum(self.created.values())} UPDATED {sum(self.updated.values())}, "
            f"missing {self.missing()[:10]}, duplicated {self.duplicated()[:10]}, "
            f"live missing {self.live_missing()[:10]}, "
            f"live duplicated {self.live_duplicated()[:10]}, "
            f"live unknown {self.live_unknown()[:10]}, outbox {self.outbox}, "
            f"inbox pending {self.inbox_pending}, dead letters {self.dead_letters}, "
            f"stream {self.stream}"
        )


class FaultStack:
    """Starts and stops every piece; the fault scenarios call its knobs."""

    def __init__(self, workdir: Path, database_url: str, *, redis_appendonly: bool = True) -> None:
        self.workdir = workdir
        self.database_url = database_url  # direct: what the test process uses
        self.redis = RedisServer(free_port(), workdir / "redis", appendonly=redis_appendonly)
        parts = urlsplit(database_url)
        # One link per process, so a fault can catch one of them at a precise moment.
        self.server_link = DatabaseLink(parts.hostname or "127.0.0.1", parts.port or 3306)
        self.worker_link = DatabaseLink(parts.hostname or "127.0.0.1", parts.port or 3306)
        self.namespace = f"fault-{secrets.token_hex(4)}"
        self.jwt_secret = secrets.token_urlsafe(40)
        self.port = free_port()
        self.media = MediaDisk(workdir / "media")
        self.timeline: list[str] = []
        self.reads: list[dict[str, Any]] = []
        self.site: dict[str, Any] = {}
        self.subscriber: Subscriber | None = None
        self._started = time.monotonic()
        self._sim_reader: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()
        self.server: Process
        self.worker: Process
        self.simulator: Process

    def note(self, what: str) -> None:
        self.timeline.append(f"{time.monotonic() - self._started:7.2f}s {what}")

    def through(self, link: DatabaseLink) -> str:
        """The database URL, reached through ``link``."""
        address = urlsplit(self.database_url).netloc.rsplit("@", 1)[-1]
        return self.database_url.replace(address, f"127.0.0.1:{link.port}")

    def app_env(self, link: DatabaseLink) -> dict[str, str]:
        return {
            **base_env(),
            "APP_ENV": "test",
            "DATABASE_URL": self.through(link),
            "REDIS_URL": self.redis.url,
            "REDIS_NAMESPACE": self.namespace,
            "JWT_SECRET": self.jwt_secret,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_LEVEL": "WARNING",
            "SEED_DEMO_DATA": "false",
            "SIMULATOR_ENABLED": "false",
            "ALERT_STREAM_ENABLED": "false",
            "INGEST_CONSUMER_IN_PROCESS": "false",
            "EVENT_MERGE_WINDOW_SECONDS": "1",
            "MEDIA_DIR": str(self.media.root),
            "MAIL_OUTBOX_DIR": str(self.workdir / "outbox"),
            "BCRYPT_ROUNDS": "4",
        }

    @property
    def settings(self) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None,
            app_env="test",
            database_url=self.database_url,
            jwt_secret=self.jwt_secret,
            bcrypt_rounds=4,
        )

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.media.setup()
        await self.redis.start()
        await self.server_link.start()
        await self.worker_link.start()
        await open_database(self.database_url, global_fallback=True)
        self.server = python_process(
            "server", ["-m", "domcctv.cli", "serve"], self.app_env(self.server_link), self.workdir
        )
        self.worker = python_process(
            "worker", ["-m", "domcctv.cli", "worker"], self.app_env(self.worker_link), self.workdir
        )
        await self.server.start()
        await wait_until_healthy(f"http://127.0.0.1:{self.port}/health", self.server)
        await self.worker.start()
        await self._start_simulator()
        admin = await make_user(Role.ADMINISTRATOR, email=f"{self.namespace}@faults.cl")
        self.subscriber = Subscriber(
            f"ws://127.0.0.1:{self.port}/graphql", await token_for(admin, self.settings)
        )
        await self.subscriber.start()
        self.note("stack up")

    async def _start_simulator(self) -> None:
        args = [
            str(HERE / "sim_reporter.py"),
            "--gateway-port", "0",
            "--camera-base-port", "0",
            "--cameras", "2",
            "--push-url", f"http://127.0.0.1:{self.port}/ingest/isapi/{{token}}",
            "--seed", "20250101",
            "--fleet-ratio", "0",
            "--misread-rate", "0",
            "--low-confidence-rate", "0",
            "--unknown-rate", "0",
            "--log-level", "WARNING",
        ]  # fmt: skip
        self.simulator = python_process(
            "simulator", args, base_env(), self.workdir, stdin_pipe=True, stdout_pipe=True
        )
        await self.simulator.start()
        first = await self._simulator_line(limit=30)
        self.site = first["site"]
        await self._register_cameras()
        self._sim_reader = asyncio.create_task(self._read_simulator())

    async def _simulator_line(self, limit: float) -> dict[str, Any]:
        proc = self.simulator.proc
        assert proc is not None
        assert proc.stdout is not None
        raw = await asyncio.wait_for(proc.stdout.readline(), limit)
        if not raw:
            raise AssertionError(f"simulator ended\n{self.simulator.tail()}")
        line: dict[str, Any] = json.loads(raw)
        return line

    async def _read_simulator(self) -> None:
        while True:
            line = await self._simulator_line(limit=3600)
            if "read" in line:
                self.reads.append(line["read"])
            if "stopped" in line:
                self._stopped.set()
                return

    async def _register_cameras(self) -> None:
        """What an operator does for a real site: each camera with its push token's hash."""
        yard = await Site.create(name=f"Patio {self.namespace}")
        for i, cam in enumerate(self.site["cameras"]):
            await Camera.create(
                code=cam["index_code"],
                name=f"PORTON {i + 1}",
                site_id=yard.id,
                source=CameraSource.HIKCENTRAL,
                hikcentral_index_code=cam["index_code"],
                serial_number=cam["serial"],
                mac_address=cam["mac"],
                channel=cam["channel"],
                push_token_hash=hashlib.sha256(cam["push_token"].encode()).hexdigest(),
                is_active=True,
            )

    async def start_pushing(self, rate: float) -> None:
        await self._command(f"start {rate}")
        self.note(f"simulator pushing {rate}/s")

    async def stop_pushing(self) -> None:
        await self._command("stop")
        await asyncio.wait_for(self._stopped.wait(), 30)
        self.note(f"simulator stopped after {len(self.reads)} reads")

    async def _command(self, text: str) -> None:
        proc = self.simulator.proc
        assert proc is not None
        assert proc.stdin is not None
        proc.stdin.write(f"{text}\n".encode())
        await proc.stdin.drain()

    async def close(self) -> None:
        if self.subscriber is not None:
            await self.subscriber.close()
        for process in ("simulator", "worker", "server"):
            if hasattr(self, process):
                await getattr(self, process).stop()
        if self._sim_reader is not None:
            self._sim_reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sim_reader
        await self.redis.stop()
        await self.server_link.close()
        await self.worker_link.close()
        if Tortoise._inited:
            await Tortoise.close_connections()
        self.media.teardown()

    # ------------------------------------------------------------ judging

    async def stream_state(self) -> dict[str, Any]:
        client = redis_asyncio.from_url(self.redis.url, socket_timeout=5)
        stream = f"{self.namespace}:ingest:reads"
        try:
            info = await client.xinfo_stream(stream)
            groups = await client.xinfo_groups(stream)
        except Exception as exc:  # Redis down or the stream gone: report, do not hide
            return {"error": repr(exc)}
        finally:
            await client.aclose()
        last = info.get("last-generated-id")
        group = next((g for g in groups if g.get("name") in (b"ingest", "ingest")), None)
        if group is None:
            return {"error": "no consumer group", "length": info.get("length")}
        return {
            "length": info.get("length"),
            "pending": group.get("pending"),
            "lag": group.get("lag"),
            "caught_up": group.get("last-delivered-id") == last,
            "consumers": group.get("consumers"),
        }

    async def outcome(self) -> Outcome:
        acknowledged = [r["uuid"] for r in self.reads if r.get("status") == 200]
        refused = Counter(
            str(r.get("status") or r.get("error")) for r in self.reads if r.get("status") != 200
        )
        rows = await PlateReadRecord.all().values_list("natural_key", "event_id")
        stored = Counter(str(key).rsplit(":", 1)[-1] for key, _ in rows)
        reads_by_event = Counter(int(event) for _, event in rows)
        events = [int(e) for e in await Event.all().values_list("id", flat=True)]
        pushes = self.subscriber.pushes if self.subscriber else []
        created = Counter(int(p["event"]["databaseId"]) for p in pushes if p["kind"] == "CREATED")
        updated = Counter(int(p["event"]["databaseId"]) for p in pushes if p["kind"] == "UPDATED")
        return Outcome(
            acknowledged=acknowledged,
            refused=refused,
            stored_by_uuid=stored,
            reads_by_event=reads_by_event,
            events=events,
            created=created,
            updated=updated,
            outbox=await LiveOutbox.filter(published_at__isnull=True).count(),
            inbox_pending=await IngestInbox.filter(processed_at__isnull=True).count(),
            dead_letters=await IngestDeadLetter.filter(status=DeadLetterStatus.PENDING).count(),
            stream=await self.stream_state(),
        )

    async def settle(self, limit: float = SETTLE_TIMEOUT) -> Outcome:
        """Wait (bounded) until the system has caught up; returns the final outcome."""
        deadline = asyncio.get_running_loop().time() + limit
        while True:
            for process in (self.server, self.worker):
                if not process.alive:
                    raise AssertionError(f"{process.name} died\n{self.report()}")
            outcome = await self.outcome()
            if outcome.settled() or asyncio.get_running_loop().time() > deadline:
                self.note(f"settled={outcome.settled()}: {outcome.summary()}")
                (self.workdir / "report.txt").write_text(self.report())  # kept with the logs
                return outcome
            await asyncio.sleep(0.5)

    def report(self) -> str:
        problems = self.subscriber.problems if self.subscriber else []
        return "\n".join(
            [
                "timeline:",
                *self.timeline,
                f"media fault mode: {self.media.mode}",
                f"subscriber problems: {problems[:5]}",
                self.server.tail(80),
                self.worker.tail(80),
                self.simulator.tail(20),
                self.redis.process.tail(20) if self.redis.process else "",
            ]
        )

    def assert_exactly_once(self, outcome: Outcome) -> None:
        assert outcome.acknowledged, f"no push was acknowledged at all\n{self.report()}"
        failures = []
        if outcome.missing():
            failures.append(f"acknowledged but not stored: {outcome.missing()}")
        if outcome.duplicated():
            failures.append(f"stored more than once: {outcome.duplicated()}")
        if outcome.live_missing():
            failures.append(f"stored but never pushed live: events {outcome.live_missing()}")
        if outcome.live_duplicated():
            failures.append(f"pushed live more than once: events {outcome.live_duplicated()}")
        if outcome.live_unknown():
            failures.append(f"pushed live but not stored: events {outcome.live_unknown()}")
        if not outcome.queue_empty():
            failures.append("something still waits in the queue")
        if outcome.dead_letters:
            failures.append(f"{outcome.dead_letters} dead letter(s)")
        server_errors = {
            k: n for k, n in outcome.refused.items() if k.startswith("5") and k != "503"
        }
        if server_errors:  # the push endpoint answers 503 for what is down, never a crash
            failures.append(f"pushes answered with server errors other than 503: {server_errors}")
        if self.subscriber and self.subscriber.problems:
            failures.append(f"subscriber: {self.subscriber.problems[:3]}")
        assert not failures, "\n".join([*failures, outcome.summary(), self.report()])
