"""Shared plumbing of the benchmarks: backends, server processes, push bodies, statistics.

Everything here is bounded (counts and deadlines) and owns what it creates: the MariaDB
database ``domcctv_bench_<random>``, the Redis database it picked (only when it was empty),
the temporary directory and the child processes it started (stopped by pid, never by name).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PUSH_CONTENT_TYPE = "multipart/form-data; boundary=boundary"
DEFAULT_MYSQL_URL = "mysql://root:@127.0.0.1:3306"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
BENCH_MARKER_KEY = "domcctv:bench:owner"
CURRENT_LETTERS = "BCDFGHJKLPRSTVWXYZ"  # domcctv.domain.plates.CURRENT_LETTERS


# --------------------------------------------------------------------------- statistics


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def stats_ms(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """Count, p50/p95/p99/max/mean of durations given in seconds, reported in milliseconds."""
    values = sorted(seconds)
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50) * 1000, 2),
        "p95": round(percentile(values, 95) * 1000, 2),
        "p99": round(percentile(values, 99) * 1000, 2),
        "max": round(values[-1] * 1000, 2),
        "mean": round(sum(values) / len(values) * 1000, 2),
    }


def ratio(a: float | int | None, b: float | int | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return round(float(a) / float(b), 2)


def machine_note() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def run_main(coro: Any) -> Any:
    """Run the bench on uvloop (like the servers under uvicorn): the stdlib loop adds
    client-side tail latency at 200 connections/s that would be charged to the server."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] ships it
        return asyncio.run(coro)
    return asyncio.run(coro, loop_factory=uvloop.new_event_loop)


def freeze_heap() -> None:
    """Move everything built so far (bodies, rows) out of the GC's sight before timing."""
    gc.collect()
    gc.freeze()


def print_summary(summary: dict[str, Any]) -> None:
    """The compact one-line JSON summary every bench ends with."""
    print(json.dumps(summary, separators=(",", ":"), sort_keys=False), flush=True)


def _stat_cpu(path: Path) -> float | None:
    try:
        fields = path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of a child process, split into its main thread (the event loop) and the
    other threads (to_thread work: multipart parse, picture writes, aiosqlite), from /proc."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self._start = self._sample()

    def _sample(self) -> tuple[float, float] | None:
        if self.pid is None:
            return None
        main = _stat_cpu(Path(f"/proc/{self.pid}/task/{self.pid}/stat"))
        total = _stat_cpu(Path(f"/proc/{self.pid}/stat"))
        if main is None or total is None:
            return None
        return main, total

    def read(self) -> dict[str, float] | None:
        end = self._sample()
        if self._start is None or end is None:
            return None
        main, total = end[0] - self._start[0], end[1] - self._start[1]
        return {
            "total_s": round(total, 2),
            "loop_thread_s": round(main, 2),
            "other_threads_s": round(total - main, 2),
        }


def _host_busy_seconds() -> float | None:
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _pids_by_name(names: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            comm = (entry / "comm").read_text().strip()
            if comm in names and comm not in found:
                found[comm] = int(entry.name)
    return found


class HostMeter:
    """Where the machine's CPU went during a timed window: the processes of the system under
    test (server, helpers, MariaDB, Redis, this bench) and everything else ("foreign": other
    jobs sharing the 2 cores). A large foreign share means the run was disturbed."""

    def __init__(self, children: dict[str, int | None]) -> None:
        self.pids = {name: pid for name, pid in children.items() if pid is not None}
        self.pids.update(_pids_by_name(("mariadbd", "mysqld", "redis-server")))
        self.pids["bench"] = os.getpid()
        self._start = self._sample()

    def _sample(self) -> tuple[float, float | None, dict[str, float | None]]:
        return (
            time.perf_counter(),
            _host_busy_seconds(),
            {name: _stat_cpu(Path(f"/proc/{pid}/stat")) for name, pid in self.pids.items()},
        )

    def read(self) -> dict[str, Any]:
        wall0, busy0, procs0 = self._start
        wall1, busy1, procs1 = self._sample()
        wall = max(1e-9, wall1 - wall0)
        used = {
            name: round(end - procs0[name], 2)  # type: ignore[operator]
            for name, end in procs1.items()
            if end is not None and procs0.get(name) is not None
        }
        out: dict[str, Any] = {"wall_s": round(wall, 2), "cpu_s": used}
        if busy0 is not None and busy1 is not None:
            busy = busy1 - busy0
            out["host_busy_cores"] = round(busy / wall, 2)
            out["foreign_cores"] = round(max(0.0, busy - sum(used.values())) / wall, 2)
        return out


# --------------------------------------------------------------------------- backends


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Backend:
    """Where the server under test keeps its data; ``cleanup`` removes what was created."""

    kind: str
    database_url: str
    redis_url: str | None = None
    mysql_admin_url: str | None = None
    mysql_database: str | None = None
    redis_base_url: str | None = None
    redis_db: int | None = None
    redis_namespace: str | None = None  # REDIS_NAMESPACE: pub/sub is not per Redis database


async def _mysql_execute(admin_url: str, statement: str) -> None:
    import asyncmy

    parts = urlsplit(admin_url)
    conn = await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        connect_timeout=10,
    )
    try:
        async with conn.cursor() as cur:
            await cur.execute(statement)
    finally:
        conn.close()


async def _claim_redis_db(base_url: str) -> int:
    """An empty Redis database (1..n-1), claimed with a marker key so runs do not collide."""
    import redis.asyncio as redis_asyncio

    admin = redis_asyncio.from_url(f"{base_url.rstrip('/')}/0", socket_timeout=5)
    try:
        raw = await admin.config_get("databases")
        count = int(raw.get("databases") or 16) if isinstance(raw, dict) else 16
        keyspace = await admin.info("keyspace")
    finally:
        await admin.aclose()
    candidates = [i for i in range(1, count) if f"db{i}" not in keyspace]
    secrets.SystemRandom().shuffle(candidates)
    for index in candidates[:8]:
        client = redis_asyncio.from_url(f"{base_url.rstrip('/')}/{index}", socket_timeout=5)
        try:
            if await client.dbsize() == 0 and await client.set(
                BENCH_MARKER_KEY, str(os.getpid()), nx=True
            ):
                return index
        finally:
            await client.aclose()
    raise RuntimeError("no empty Redis database to run the bench in (keyspace is full)")


async def prepare_backend(
    kind: str,
    tmp: Path,
    *,
    mysql_url: str = DEFAULT_MYSQL_URL,
    redis_url: str = DEFAULT_REDIS_URL,
    existing_database: str | None = None,
) -> Backend:
    """``sqlite``: a file in ``tmp``, no Redis. ``mariadb-redis``: a fresh database + Redis db.

    ``existing_database`` (MariaDB only): run against that database instead of a fresh one; it
    is never created or dropped here (``mysql_database`` stays None, so ``cleanup_backend``
    cannot drop it). The Redis database and namespace are still the run's own."""
    if kind == "sqlite":
        if existing_database:
            raise ValueError("an existing database needs the mariadb-redis backend")
        return Backend(kind, f"sqlite://{tmp / 'bench.sqlite3'}")
    if kind != "mariadb-redis":
        raise ValueError(f"unknown backend {kind!r}")
    server = mysql_url.rstrip("/")
    run_name = f"domcctv_bench_{secrets.token_hex(4)}"
    if existing_database:
        name, owned = existing_database, None
    else:
        name, owned = run_name, run_name
        await _mysql_execute(server, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    backend = Backend(
        kind,
        f"{server}/{name}",
        mysql_admin_url=server,
        mysql_database=owned,
        redis_base_url=redis_url.rstrip("/"),
        redis_namespace=run_name.replace("_", "-"),
    )
    try:
        backend.redis_db = await _claim_redis_db(redis_url)
    except BaseException:
        await cleanup_backend(backend)
        raise
    backend.redis_url = f"{backend.redis_base_url}/{backend.redis_db}"
    return backend


async def cleanup_backend(backend: Backend) -> None:
    """Drop the bench database and empty the Redis database this run claimed."""
    if backend.mysql_admin_url and backend.mysql_database:
        with contextlib.suppress(Exception):
            await _mysql_execute(
                backend.mysql_admin_url, f"DROP DATABASE IF EXISTS `{backend.mysql_database}`"
            )
    if backend.redis_url and backend.redis_db:
        import redis.asyncio as redis_asyncio

        client = redis_asyncio.from_url(backend.redis_url, socket_timeout=5)
        try:
            with contextlib.suppress(Exception):
                # The db was empty when claimed: everything in it is ours (stream + marker).
                keys = [k async for k in client.scan_iter(match="*", count=500)][:10_000]
                if keys:
                    await client.delete(*keys)
        finally:
            await client.aclose()


@contextlib.asynccontextmanager
async def orm(database_url: str) -> AsyncIterator[None]:
    """Tortoise opened on the bench database for setup/verification, closed afterwards."""
    from tortoise import Tortoise

    from domcctv.db import open_database

    await open_database(database_url, pool_max=4)
    try:
        yield
    finally:
        await Tortoise.close_connections()


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- processes


@dataclass
class ServerProcess:
    """A child process (uvicorn / helper) with its output in a log file; stopped by pid."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    log_path: Path
    proc: asyncio.subprocess.Process | None = None
    _log: Any = field(default=None, repr=False)

    async def start(self, ready_url: str | None, *, limit_seconds: float = 60.0) -> None:
        self._log = self.log_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + limit_seconds
        async with aiohttp.ClientSession() as session:
            for _ in range(int(limit_seconds / 0.1) + 1):
                if self.proc.returncode is not None:
                    break
                if ready_url is None:
                    return
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(
                        ready_url, timeout=aiohttp.ClientTimeout(total=2)
                    ) as resp:
                        if resp.status == 200:
                            return
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
        tail = self.log_tail()
        await self.stop()
        raise RuntimeError(f"{self.name} did not become ready at {ready_url}:\n{tail}")

    async def stop(self, grace_seconds: float = 15.0) -> None:
        proc = self.proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace_seconds)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await asyncio.wait_for(proc.wait(), 5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_problems(self, sample: int = 5) -> dict[str, Any]:
        """WARNING/ERROR lines the child logged (minus migrate's harmless re-run notice)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return {"count": 0, "sample": []}
        lines = [
            line
            for line in text.splitlines()
            if any(word in line for word in ("WARNING", "ERROR", "CRITICAL", "Traceback"))
            and "tortoise_migrations' already exists" not in line
        ]
        return {"count": len(lines), "sample": [line[:300] for line in lines[:sample]]}

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def server_env(
    backend: Backend, *, port: int, media_dir: Path, jwt_secret: str, tmp: Path
) -> dict[str, str]:
    """Environment of ``domcctv serve`` (the production entry point), no demo data/simulator.

    APP_ENV=development: the bench's MariaDB is the local passwordless root account, which the
    production start-up checks rightly refuse; nothing else differs for what is measured."""
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "development",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": backend.database_url,
            "REDIS_URL": backend.redis_url or "",
            "JWT_SECRET": jwt_secret,
            "SEED_DEMO_DATA": "false",
            "SIMULATOR_ENABLED": "false",
            "HIKCENTRAL_URL": "",
            "MEDIA_DIR": str(media_dir),
            "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
            "GRAPHIQL": "false",
            "REDIS_NAMESPACE": backend.redis_namespace or "domcctv",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def helper_env() -> dict[str, str]:
    """Environment of bench helper processes (they import ``bench.*`` from the repo)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def domcctv_serve_argv() -> list[str]:
    entry = VENV_BIN / "domcctv"
    if entry.exists():
        return [str(entry), "serve"]
    code = "import sys; from domcctv.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, "serve"]


# --------------------------------------------------------------------------- bench data


@dataclass(frozen=True, slots=True)
class BenchCamera:
    index: int
    code: str
    name: str
    token: str
    serial: str
    mac: str


@dataclass(frozen=True, slots=True)
class Push:
    """One pre-built camera push: distinct UUID (natural key) and plate."""

    camera: BenchCamera
    key: str
    plate: str
    body: bytes


async def register_bench_cameras(count: int, *, prefix: str = "BENCH") -> list[BenchCamera]:
    """Camera rows with per-camera push tokens (sha256 in the DB), as devsite does.

    ``prefix`` makes the codes unique per run in a database that outlives it."""
    from domcctv.models import Camera, CameraSource, Site

    site, _ = await Site.get_or_create(name="Bench yard")
    cameras = []
    for index in range(count):
        token = secrets.token_urlsafe(24)
        camera = BenchCamera(
            index=index,
            code=f"{prefix}-{index + 1:02d}",
            name=f"BENCH CAM {index + 1}",
            token=token,
            serial=f"DS-2CD7A26G0-IZHS2025BENCH{index + 1:05d}",
            mac=f"44:a6:42:be:{(index >> 8) & 0xFF:02x}:{index & 0xFF:02x}",
        )
        await Camera.create(
            code=camera.code,
            site_id=site.id,
            name=camera.name,
            source=CameraSource.MANUAL,
            channel=1,
            serial_number=camera.serial,
            mac_address=camera.mac,
            push_token_hash=hashlib.sha256(token.encode()).hexdigest(),
            is_active=True,
        )
        cameras.append(camera)
    return cameras


def unique_plates(count: int) -> list[str]:
    """``count`` distinct current-format plates (BBBB·12) from a random starting point."""
    letters = len(CURRENT_LETTERS)
    space = letters**4 * 90
    if count > space:
        raise ValueError("too many plates requested")
    start = secrets.randbelow(space)
    out = []
    for i in range(count):
        n = (start + i * 7919) % space  # 7919 is prime and coprime with the space: distinct
        number, rest = 10 + n % 90, n // 90
        chars = []
        for _ in range(4):
            rest, digit = divmod(rest, letters)
            chars.append(CURRENT_LETTERS[digit])
        out.append("".join(chars) + str(number))
    return out


def build_pushes(
    cameras: Sequence[BenchCamera],
    plates: Sequence[str],
    *,
    picture_bytes: int | None,
    picture_pool: int = 32,
) -> list[Push]:
    """The exact multipart bodies a camera sends (simulator payload functions).

    Every push has its own event UUID and plate, and its own plate picture; the ~0.5 MB
    detection pictures come from a pool of ``picture_pool`` distinct renders (rendering one per
    push would take longer than the run), which does not matter to the server: it stores
    pictures under the read's natural key and never compares their content.
    """
    from integrations.hikvision.simulator.camera import payloads
    from integrations.hikvision.simulator.pictures import PictureRenderer
    from integrations.hikvision.simulator.records import SimulatedRead

    renderer = PictureRenderer(target_bytes=picture_bytes, seed=secrets.randbelow(1000) + 1)
    now = datetime.now(UTC)
    pool = [
        renderer.detection_picture(f"POOL{i:02d}", now, "BENCH")
        for i in range(max(1, min(picture_pool, len(plates))))
    ]
    identities = [
        payloads.Identity(c.name, c.serial, c.mac, "127.0.0.1", 80, 1, "hikvision") for c in cameras
    ]
    pushes = []
    for i, plate in enumerate(plates):
        camera = cameras[i % len(cameras)]
        event_uuid = str(uuid.uuid4())
        read = SimulatedRead(
            camera_index=camera.index,
            camera_index_code=camera.code,
            camera_name=camera.name,
            channel=1,
            uuid=event_uuid,
            syscode=secrets.token_hex(16).upper(),
            pic_name=f"{i:018d}",
            plate_text=plate,
            true_plate=plate,
            confidence=96.0,
            char_confidences=(96,) * len(plate),
            misread=False,
            occurred_at=now,
            created_at=now,
            direction="forward",
            vehicle_type="truck",
            vehicle_color="white",
            list_name="otherList",
            pic_uri="",
            plate_picture=renderer.plate_picture(plate),
            detection_picture=pool[i % len(pool)],
        )
        body = payloads.push_body(
            payloads.anpr_alert(identities[camera.index], read), payloads.pictures_of(read)
        )
        # Natural keys are per camera (uuid:<camera code>:<UUID>), as the receiver builds them.
        pushes.append(Push(camera, f"uuid:{camera.code}:{event_uuid}", plate, body))
    return pushes
