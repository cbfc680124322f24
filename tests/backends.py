"""Are the MariaDB and Redis the second test stage needs reachable? Checked once, up front.

Without this, a missing MariaDB shows up as the same connection error on every test of the run.
Used by tests/conftest.py (any pytest run with TEST_DB_URL / TEST_REDIS_URL) and by scripts/test
before its MariaDB + Redis stage: ``python tests/backends.py MYSQL_URL REDIS_URL``.
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 5
HOW_TO_SKIP = (
    "Start the service, or skip the MariaDB + Redis stage: SKIP_MARIADB=1 scripts/test "
    "(pytest alone: unset TEST_DB_URL and TEST_REDIS_URL)."
)


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or ''}".rstrip(":")


def mariadb_problem(url: str) -> str | None:
    """None when a connection and ``SELECT 1`` succeed, else what went wrong."""
    import asyncmy  # type: ignore[import-untyped]

    parts = urlsplit(url)

    async def probe() -> None:
        conn = await asyncmy.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
            connect_timeout=TIMEOUT_SECONDS,
        )
        try:
            async with conn.cursor() as cur:
                await cur.execute("SELECT 1")
        finally:
            conn.close()

    try:
        asyncio.run(asyncio.wait_for(probe(), TIMEOUT_SECONDS * 2))
    except Exception as exc:  # any failure is the answer: report it, never raise
        return f"MariaDB at {_where(url)} is not reachable ({type(exc).__name__}: {exc})"
    return None


def redis_problem(url: str) -> str | None:
    """None when PING succeeds, else what went wrong (read-only: nothing is written)."""
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except Exception as exc:  # any failure is the answer: report it, never raise
        return f"Redis at {_where(url)} is not reachable ({type(exc).__name__}: {exc})"
    finally:
        client.close()
    return None


def backend_problems(mysql_url: str | None, redis_url: str | None) -> list[str]:
    problems = []
    if mysql_url and (issue := mariadb_problem(mysql_url)):
        problems.append(issue)
    if redis_url and (issue := redis_problem(redis_url)):
        problems.append(issue)
    return problems


def main(argv: list[str]) -> int:
    problems = backend_problems(
        argv[1] if len(argv) > 1 else None, argv[2] if len(argv) > 2 else None
    )
    if problems:
        sys.stderr.write("\n".join([*problems, HOW_TO_SKIP]) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
