"""Tortoise configuration and lifecycle, shared by the app, the CLI and the tests.

Tortoise 1.x keeps its state in a ContextVar. Uvicorn runs the ASGI lifespan in a different
task from the requests, so an init done in the lifespan is invisible to requests unless it is
registered as the global fallback context; ``open_database`` does that (and closes it again).

On SQLite the ingest inbox (the no-Redis queue) lives in a file of its own
(``<database>-inbox.sqlite3``), routed there by ``InboxRouter``. SQLite has one writer at a
time and Tortoise serialises each database through one connection, so with the inbox in the
main file every camera push waited behind the consumer's event transactions (acks of seconds
at 200 pushes/s); in its own file a push only ever waits for other pushes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.context import TortoiseContext
from tortoise.exceptions import OperationalError

from domcctv.config import database_url_from_env
from domcctv.infra.sargable_like import install_sargable_prefix_lookup
from domcctv.infra.transaction_fix import install_begin_failure_cleanup

MODELS_MODULES = ["domcctv.models"]
MIGRATIONS_MODULE = "migrations"
INBOX_CONNECTION = "inbox"
INBOX_MODEL = "IngestInbox"


class InboxRouter:
    """Tortoise router: the ingest inbox model reads and writes through ``inbox``."""

    def db_for_read(self, model: type[Any]) -> str | None:
        return INBOX_CONNECTION if model.__name__ == INBOX_MODEL else None

    def db_for_write(self, model: type[Any]) -> str | None:
        return self.db_for_read(model)


def inbox_database_url(database_url: str) -> str | None:
    """The inbox's own SQLite file next to the database (None: not SQLite, no separate file)."""
    if not database_url.startswith("sqlite://"):
        return None
    path, _, query = database_url.removeprefix("sqlite://").partition("?")
    if path in ("", ":memory:"):
        return None
    file = Path(path)
    inbox = file.with_name(f"{file.stem}-inbox{file.suffix or '.sqlite3'}")
    return f"sqlite://{inbox}" + (f"?{query}" if query else "")


def _with_pool(url: str, pool_max: int) -> str:
    """Connection options: the MariaDB pool size; for SQLite, WAL with synchronous=NORMAL.

    SQLite runs every query through one connection, so a commit that waits for an fsync holds
    up every other request. In WAL mode, NORMAL syncs the log at checkpoints instead of at each
    commit: a crashed or killed process loses nothing, only a power loss can drop the last
    commits. The embedded default accepts that; production runs on MariaDB.
    """
    sep = "&" if "?" in url else "?"
    if url.startswith("mysql://") and "maxsize=" not in url:
        return f"{url}{sep}minsize=1&maxsize={pool_max}"
    if url.startswith("sqlite://") and "synchronous=" not in url:
        return f"{url}{sep}synchronous=NORMAL"
    return url


def tortoise_config(
    database_url: str, *, pool_max: int = 10, separate_inbox: bool = False
) -> dict[str, Any]:
    """The TORTOISE_ORM dict for a database URL (one app, ``models``, with migrations);
    ``separate_inbox`` routes the SQLite inbox to its own file (the running app does)."""
    config: dict[str, Any] = {
        "connections": {"default": _with_pool(database_url, pool_max)},
        "apps": {
            "models": {
                "models": MODELS_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }
    inbox = inbox_database_url(database_url) if separate_inbox else None
    if inbox is not None:
        config["connections"][INBOX_CONNECTION] = _with_pool(inbox, pool_max)
        config["routers"] = ["domcctv.db.InboxRouter"]
    return config


def ensure_sqlite_dir(database_url: str) -> None:
    """Create the parent folder of a file-based SQLite database (first start)."""
    if not database_url.startswith("sqlite://"):
        return
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def open_database(
    database_url: str, *, pool_max: int = 10, global_fallback: bool = True
) -> TortoiseContext:
    """Init Tortoise for this process; visible to every task when ``global_fallback``."""
    ensure_sqlite_dir(database_url)
    install_begin_failure_cleanup()  # a failed BEGIN must not leak its pooled connection
    install_sargable_prefix_lookup()  # startswith as a plain LIKE (index range) on MariaDB
    context = await Tortoise.init(
        config=tortoise_config(database_url, pool_max=pool_max, separate_inbox=True),
        _enable_global_fallback=global_fallback,
    )
    if inbox_database_url(database_url) is not None:
        await _prepare_inbox()
    return context


async def _prepare_inbox() -> None:
    """Create the inbox table in its own file, and adopt any read still waiting in the main
    database's copy of the table (written before the inbox had a file of its own)."""
    from domcctv.models import IngestInbox

    inbox = connections.get(INBOX_CONNECTION)
    # Tortoise's own DDL for the model, so the file's table always matches it (the method is
    # private in the pinned Tortoise; tests/ingest/test_inbox_file.py exercises it).
    ddl = inbox.schema_generator(inbox)._get_table_sql(IngestInbox, safe=True)
    await inbox.execute_script(ddl["table_creation_string"])
    main = connections.get("default")
    try:
        waiting = await main.execute_query_dict(
            "SELECT natural_key, payload, received_at FROM ingest_inbox WHERE processed_at IS NULL"
        )
    except OperationalError:  # the main database is not migrated (yet): nothing to adopt
        return
    for row in waiting:
        await inbox.execute_query(
            "INSERT OR IGNORE INTO ingest_inbox (natural_key, payload, received_at, attempts) "
            "VALUES (?, ?, ?, 0)",
            [row["natural_key"], row["payload"], row["received_at"]],
        )
    if waiting:
        await main.execute_query("DELETE FROM ingest_inbox WHERE processed_at IS NULL")


async def migrate_database(database_url: str) -> None:
    """Apply Tortoise's native migrations from ``migrations/`` (idempotent)."""
    from tortoise.migrations.api.migrate import migrate

    ensure_sqlite_dir(database_url)
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


def database_kind(database_url: str) -> str:
    return urlsplit(database_url).scheme


TORTOISE_ORM = tortoise_config(database_url_from_env())
