"""Tortoise configuration and lifecycle, shared by the app, the CLI and the tests.

Tortoise 1.x keeps its state in a ContextVar. Uvicorn runs the ASGI lifespan in a different
task from the requests, so an init done in the lifespan is invisible to requests unless it is
registered as the global fallback context; ``open_database`` does that (and closes it again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.context import TortoiseContext

from domcctv.config import database_url_from_env
from domcctv.infra.transaction_fix import install_begin_failure_cleanup

MODELS_MODULES = ["domcctv.models"]
MIGRATIONS_MODULE = "migrations"


def _with_pool(url: str, pool_max: int) -> str:
    if url.startswith("mysql://") and "maxsize=" not in url:
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}minsize=1&maxsize={pool_max}"
    return url


def tortoise_config(database_url: str, *, pool_max: int = 10) -> dict[str, Any]:
    """The TORTOISE_ORM dict for a database URL (one app, ``models``, with migrations)."""
    return {
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
    return await Tortoise.init(
        config=tortoise_config(database_url, pool_max=pool_max),
        _enable_global_fallback=global_fallback,
    )


async def migrate_database(database_url: str) -> None:
    """Apply Tortoise's native migrations from ``migrations/`` (idempotent)."""
    from tortoise.migrations.api.migrate import migrate

    ensure_sqlite_dir(database_url)
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


def database_kind(database_url: str) -> str:
    return urlsplit(database_url).scheme


TORTOISE_ORM = tortoise_config(database_url_from_env())
