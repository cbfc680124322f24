"""On SQLite the inbox lives in its own file: a camera push (an inbox insert) never waits for
the consumer's transactions on the main database, and reads queued in the main database's
table before the split are adopted, not stranded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

from domcctv.db import (
    INBOX_CONNECTION,
    inbox_database_url,
    migrate_database,
    open_database,
)
from domcctv.models import Event, IngestInbox

from factories import make_event


def _sqlite_only(url: str) -> None:
    if inbox_database_url(url) is None:
        pytest.skip("the separate inbox file is SQLite's (MariaDB has a pool of connections)")


def test_the_inbox_file_sits_next_to_the_database() -> None:
    assert (
        inbox_database_url("sqlite://var/domcctv.sqlite3") == "sqlite://var/domcctv-inbox.sqlite3"
    )
    assert (
        inbox_database_url("sqlite:///tmp/x/app.db?synchronous=NORMAL")
        == "sqlite:///tmp/x/app-inbox.db?synchronous=NORMAL"
    )
    assert inbox_database_url("sqlite://:memory:") is None
    assert inbox_database_url("mysql://u:p@h:3306/d") is None


async def test_a_push_does_not_wait_for_a_transaction_on_the_main_database(db: str) -> None:
    _sqlite_only(db)
    release = asyncio.Event()
    started = asyncio.Event()

    async def long_consumer_transaction() -> None:
        async with in_transaction("default") as conn:
            await make_event(using_db=conn)
            started.set()
            await release.wait()  # holds the main database's only connection

    holder = asyncio.create_task(long_consumer_transaction())
    await started.wait()
    try:
        # Completes while the main database is held; it would deadlock-wait otherwise.
        await asyncio.wait_for(IngestInbox.create(natural_key="k1", payload={"v": 1}), 5)
    finally:
        release.set()
        await holder
    assert await IngestInbox.filter(natural_key="k1").exists()
    assert await Event.all().count() == 1


async def test_reads_queued_in_the_main_database_are_adopted(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    await migrate_database(url)
    await open_database(url)
    main = connections.get("default")
    await main.execute_query(
        "INSERT INTO ingest_inbox (natural_key, payload, received_at, attempts) "
        "VALUES ('uuid:CAM-1:waiting', '{\"v\": 1}', '2026-01-01 00:00:00+00:00', 0)"
    )
    await Tortoise.close_connections()

    await open_database(url)  # the next start adopts it
    try:
        adopted = await IngestInbox.get(natural_key="uuid:CAM-1:waiting")
        assert adopted.payload == {"v": 1}
        assert adopted.processed_at is None
        left = await connections.get("default").execute_query_dict(
            "SELECT COUNT(*) AS n FROM ingest_inbox"
        )
        assert left[0]["n"] == 0
        files = await connections.get(INBOX_CONNECTION).execute_query_dict(
            "SELECT COUNT(*) AS n FROM ingest_inbox"
        )
        assert files[0]["n"] == 1
    finally:
        await Tortoise.close_connections()
