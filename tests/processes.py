"""Real subprocesses for end-to-end tests: the server, the ingest worker, the simulated site,
and a private redis-server, each with its output in a log file the failure message can quote.

Processes are started with explicit environments (never the developer's ``.env``: they run in
a temporary directory) and are always stopped by the fixture that started them, by pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Process:
    """One subprocess with its combined output in ``log``."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    log: Path
    stdin_pipe: bool = False
    stdout_pipe: bool = False
    proc: asyncio.subprocess.Process | None = field(default=None, repr=False)
    starts: int = 0

    async def start(self) -> None:
        assert not self.alive, f"{self.name} is already running"
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"\n===== start #{self.starts}: {' '.join(self.argv)}\n".encode())
            out.flush()
            # The child gets its own copy of the descriptor; ours closes with the block.
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv,
                env=dict(self.env),
                cwd=self.cwd,
                stdin=asyncio.subprocess.PIPE if self.stdin_pipe else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if self.stdout_pipe else out,
                stderr=out,
                start_new_session=True,  # a terminal's Ctrl-C does not reach it; we stop it
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def signal(self, sig: signal.Signals) -> None:
        if self.alive:
            os.kill(self.pid, sig)

    async def kill9(self) -> None:
        """SIGKILL: no shutdown code runs (a crash, an OOM kill, a pulled plug)."""
        if self.alive:
            self.signal(signal.SIGKILL)
        await self.wait(10)

    async def stop(self, grace: float = 15) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit in time; returns the exit code."""
        if self.proc is None:
            return None
        if self.alive:
            self.signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                self.signal(signal.SIGKILL)
        await self.wait(10)
        return self.proc.returncode

    async def wait(self, seconds: float) -> int | None:
        if self.proc is None:
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.proc.wait(), seconds)
        return self.proc.returncode

    def tail(self, lines: int = 60) -> str:
        if not self.log.exists():
            return f"({self.name}: no output)"
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"----- {self.name} ({self.log}) last {len(text)} lines:\n" + "\n".join(text)


def python_process(
    name: str, args: Sequence[str], env: Mapping[str, str], workdir: Path, **kwargs: bool
) -> Process:
    """``python <args>`` from this virtualenv, with the repository importable."""
    full_env = {**env, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    return Process(
        name, [sys.executable, *args], full_env, workdir, workdir / f"{name}.log", **kwargs
    )


def base_env() -> dict[str, str]:
    """The parent's environment minus anything that would configure the app behind our back."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SSL_CERT_FILE", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k in keep}


async def wait_until_healthy(url: str, process: Process, limit: float = 60) -> None:
    """Poll ``url`` until it answers 200; fail early if the process died."""
    deadline = asyncio.get_running_loop().time() + limit
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            if not process.alive:
                raise AssertionError(f"{process.name} exited early\n{process.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{url} never became healthy\n{process.tail()}")
            await asyncio.sleep(0.2)


@dataclass
class RedisServer:
    """A private redis-server on its own port and directory (never the shared one).

    ``appendonly=True`` is the production configuration (AOF, fsync every second, as in
    docker-compose.yml): the stream, its consumer group and the acknowledgements survive a
    restart, even a SIGKILL (the AOF is written before a command is answered; only a host
    crash can lose the last second). ``appendonly=False`` is a Redis without persistence.
    """

    port: int
    workdir: Path
    appendonly: bool = True
    process: Process | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.process is None:
            argv = [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.workdir),
                "--save", "",
                "--appendonly", "yes" if self.appendonly else "no",
                "--daemonize", "no",
                "--protected-mode", "yes",
            ]  # fmt: skip
            self.process = Process(
                "redis", argv, base_env(), self.workdir, self.workdir / "redis.log"
            )
        await self.process.start()
        await self.wait_ready()

    async def wait_ready(self, limit: float = 15) -> None:
        import redis.asyncio as redis_asyncio

        assert self.process is not None
        deadline = asyncio.get_running_loop().time() + limit
        while True:
            client = redis_asyncio.from_url(self.url, socket_connect_timeout=1)
            try:
                # PING answers LOADING while the AOF is replayed; wait for a real answer.
                if await client.ping():
                    return
            except Exception:  # connection refused or LOADING: not ready yet
                if not self.process.alive:
                    raise AssertionError(f"redis-server died\n{self.process.tail()}") from None
                if asyncio.get_running_loop().time() > deadline:
                    raise
            finally:
                await client.aclose()
            await asyncio.sleep(0.05)

    async def kill9(self) -> None:
        assert self.process is not None
        await self.process.kill9()

    async def stop(self) -> None:
        if self.process is not None:
            await self.process.stop()

    async def restart(self) -> None:
        """Stop and start again on the same port (without persistence: every key is gone)."""
        await self.stop()
        await self.start()
