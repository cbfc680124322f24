"""Shared fixtures: settings, a migrated database per session, a clean one per test, the API.

The suite runs against SQLite by default; ``TEST_DB_URL=mysql://...`` (and ``TEST_REDIS_URL``)
switch the very same tests to MariaDB + Redis. The schema always comes from the real
migrations, never from ``generate_schemas``.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import Tortoise, connections

from domcctv.asgi import create_app
from domcctv.config import Settings, environment_flag
from domcctv.db import INBOX_CONNECTION, inbox_database_url, migrate_database, open_database

from backends import HOW_TO_SKIP, backend_problems

TABLES_IN_DELETE_ORDER = [
    "live_outbox",
    "ingest_dead_letters",
    "watchlist_entries",
    "ingest_inbox",
    "plate_reads",
    "audit_logs",
    "plate_corrections",
    "basic_event_metadata",
    "video_clips",
    "video_exports",
    "events",
    "vehicles",
    "password_reset_tokens",
    "spent_refresh_tokens",
    "auth_sessions",
    "user_preferences",
    "user_permissions",
    "users",
    "cameras",
    "sites",
    "companies",
]

BASE_DB_URL = environment_flag("TEST_DB_URL") or ""
REDIS_URL = environment_flag("TEST_REDIS_URL") or None
IS_MYSQL = BASE_DB_URL.startswith("mysql://")


def pytest_sessionstart(session: pytest.Session) -> None:
    """With TEST_DB_URL / TEST_REDIS_URL, check both servers once: one clear message instead
    of the same connection error on every test."""
    if session.config.option.collectonly:
        return
    problems = backend_problems(BASE_DB_URL if IS_MYSQL else None, REDIS_URL)
    if problems:
        pytest.exit("\n".join([*problems, HOW_TO_SKIP]), returncode=3)


def _mysql_admin(url: str, statement: str) -> None:
    from urllib.parse import urlsplit

    import asyncmy  # type: ignore[import-untyped]

    parts = urlsplit(url)

    async def run() -> None:
        conn = await asyncmy.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
        )
        async with conn.cursor() as cur:
            await cur.execute(statement)
        conn.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for this test session (file SQLite or a MariaDB schema)."""
    if IS_MYSQL:
        name = f"domcctv_test_{uuid.uuid4().hex[:8]}"
        server = BASE_DB_URL.rsplit("/", 1)[0]
        _mysql_admin(BASE_DB_URL, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        url = f"{server}/{name}"
        asyncio.run(migrate_database(url))
        yield url
        _mysql_admin(BASE_DB_URL, f"DROP DATABASE IF EXISTS `{name}`")
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        url = f"sqlite://{path}"
        asyncio.run(migrate_database(url))
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        app_env="test",
        database_url=database_url,
        redis_url=REDIS_URL,
        jwt_secret=secrets.token_urlsafe(40),
        redis_namespace=f"test-{uuid.uuid4().hex[:10]}",
        bcrypt_rounds=4,
        seed_demo_data=False,
        mail_outbox_dir=tmp_path / "outbox",
        media_dir=tmp_path / "media",
        video_dir=tmp_path / "video",
        # The capture, variants and retention loops poll the database; tests that count
        # queries or pushes must not see them. The video tests turn them on.
        video_capture_enabled=False,
        login_max_failures=3,
        login_lockout_seconds=60,
        max_page_size=50,
    )


async def _clean(url: str) -> None:
    conn = connections.get("default")
    for table in TABLES_IN_DELETE_ORDER:
        await conn.execute_script(f"DELETE FROM {table}")
    if inbox_database_url(url) is not None:  # SQLite: the inbox has a file of its own
        await connections.get(INBOX_CONNECTION).execute_script("DELETE FROM ingest_inbox")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """ORM initialised on the session database, emptied before each test."""
    await open_database(database_url, global_fallback=True)
    await _clean(database_url)
    try:
        yield database_url
    finally:
        await Tortoise.close_connections()


@pytest.fixture
def app(settings: Settings, db: str) -> Any:
    return create_app(settings, manage_database=False)


@pytest.fixture
async def api(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"user-agent": "pytest-client"}
    ) as client:
        yield client
