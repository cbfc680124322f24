"""Migrations are the schema's source of truth: they match the models, they built the test
database correctly (columns, nullability, named indexes, unique keys), and they apply from zero
on a brand-new database, idempotently."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.api.migrate import migrate
from tortoise.models import Model

from domcctv.cli import _pending_model_changes
from domcctv.config import environment_flag
from domcctv.db import tortoise_config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
IS_SQLITE = not (environment_flag("TEST_DB_URL") or "").startswith("mysql://")


def _models() -> list[type[Model]]:
    apps = Tortoise.apps
    assert apps is not None
    return sorted(apps["models"].values(), key=lambda m: m._meta.db_table)


async def _columns(table: str) -> dict[str, bool]:
    """``{column: nullable}`` of a table on the current connection."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        rows = await conn.execute_query_dict(f"PRAGMA table_info('{table}')")
        return {r["name"]: not r["notnull"] and not r["pk"] for r in rows}
    rows = await conn.execute_query_dict(
        "SELECT column_name AS name, is_nullable AS nullable FROM information_schema.columns "
        "WHERE table_schema = DATABASE() AND table_name = %s",
        [table],
    )
    return {r["name"]: r["nullable"] == "YES" for r in rows}


async def _indexes(table: str) -> dict[str, tuple[tuple[str, ...], bool]]:
    """``{index name: (columns in order, unique)}`` of a table on the current connection."""
    conn = connections.get("default")
    found: dict[str, tuple[tuple[str, ...], bool]] = {}
    if conn.capabilities.dialect == "sqlite":
        for index in await conn.execute_query_dict(f"PRAGMA index_list('{table}')"):
            info = await conn.execute_query_dict(f"PRAGMA index_info('{index['name']}')")
            cols = tuple(r["name"] for r in sorted(info, key=lambda r: r["seqno"]))
            found[index["name"]] = (cols, bool(index["unique"]))
        return found
    rows = await conn.execute_query_dict(
        "SELECT index_name AS name, column_name AS col, seq_in_index AS seq, "
        "non_unique AS non_unique FROM information_schema.statistics "
        "WHERE table_schema = DATABASE() AND table_name = %s ORDER BY index_name, seq_in_index",
        [table],
    )
    for r in rows:
        cols, _ = found.get(r["name"], ((), False))
        found[r["name"]] = ((*cols, r["col"]), not r["non_unique"])
    return found


async def test_migrations_match_the_models() -> None:
    # the same check as `domcctv check-migrations` (CI's drift guard)
    assert await _pending_model_changes() == []


async def test_every_model_field_has_its_column_with_the_same_nullability(db) -> None:
    missing: list[str] = []
    wrong_null: list[str] = []
    for model in _models():
        table = model._meta.db_table
        columns = await _columns(table)
        assert columns, f"table {table} does not exist"
        for name, column in model._meta.fields_db_projection.items():
            if column not in columns:
                missing.append(f"{table}.{column}")
                continue
            field = model._meta.fields_map[name]
            if not field.pk and bool(field.null) != columns[column]:
                wrong_null.append(f"{table}.{column} (model null={field.null})")
    assert missing == []
    assert wrong_null == []


def _declared_tables() -> list[str]:
    """Tables of every model in ``domcctv.models`` (known at import, before the ORM starts)."""
    import domcctv.models as package

    found = {
        obj._meta.db_table
        for name in package.__all__
        if isinstance(obj := getattr(package, name), type)
        and issubclass(obj, Model)
        and not obj._meta.abstract
    }
    return sorted(found)


@pytest.mark.parametrize(
    "table",
    _declared_tables(),
)
async def test_every_index_and_unique_key_exists(db, table: str) -> None:
    (model,) = [m for m in _models() if m._meta.db_table == table]
    indexes = await _indexes(table)
    problems: list[str] = []
    for index in model._meta.indexes:
        wanted = tuple(model._meta.fields_db_projection.get(f, f) for f in index.fields)
        if index.name not in indexes:
            problems.append(f"index {index.name} {wanted} missing")
        elif indexes[index.name][0] != wanted:
            problems.append(f"{index.name} is on {indexes[index.name][0]}, not {wanted}")
    for together in model._meta.unique_together:
        wanted = tuple(model._meta.fields_db_projection.get(f, f) for f in together)
        if not any(u and set(cols) == set(wanted) for cols, u in indexes.values()):
            problems.append(f"no unique key on {wanted}")
    for name, field in model._meta.fields_map.items():
        column = model._meta.fields_db_projection.get(name)
        if (
            field.unique
            and not field.pk
            and column is not None
            and not any(u and cols == (column,) for cols, u in indexes.values())
        ):
            problems.append(f"{column} is not unique")
    assert problems == []


async def test_search_indexes_lead_with_the_tenant(db) -> None:
    # tenant-scoped searches must be able to use an index that starts with company_id
    indexes = await _indexes("events")
    # (each ends with status: prefix searches count and page from the index alone)
    assert indexes["search_combined"][0] == ("company_id", "plate", "event_time", "id", "status")
    assert indexes["idx_event_company_skel"][0] == (
        "company_id",
        "plate_skeleton",
        "event_time",
        "id",
        "status",
    )
    assert indexes["idx_event_company_time"][0][:2] == ("company_id", "event_time")


# --------------------------------------------------------------------------- from zero


def _new_database(base_url: str, tmp_path: Path) -> tuple[str, Any]:
    """A URL for an empty database of the same kind as ``base_url``, and its cleanup."""
    if not base_url.startswith("mysql://"):
        return f"sqlite://{tmp_path / 'fresh.sqlite3'}", lambda: None
    import asyncmy  # type: ignore[import-untyped]

    parts = urlsplit(base_url)
    name = f"domcctv_mig_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        conn = await asyncmy.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
        )
        async with conn.cursor() as cur:
            await cur.execute(statement)
        conn.close()

    asyncio.run(admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    server = base_url.rsplit("/", 1)[0]
    return f"{server}/{name}", lambda: asyncio.run(admin(f"DROP DATABASE IF EXISTS `{name}`"))


async def _migrate_and_report(url: str) -> tuple[list[str], list[str], int]:
    """Run the migrations; return (planned migrations, tables afterwards, ledger rows)."""
    planned: list[str] = []

    def reporter(_conn: str, plan: list[Any], _fake: bool, _dry: bool) -> None:
        planned.extend(f"{step.migration.app_label}.{step.migration.name}" for step in plan)

    await migrate(config=tortoise_config(url), reporter=reporter)
    try:
        await Tortoise.init(config=tortoise_config(url))
        from querycount import table_names

        tables = await table_names()
        (row,) = await connections.get("default").execute_query_dict(
            "SELECT COUNT(*) AS n FROM tortoise_migrations"
        )
        return planned, tables, int(row["n"])
    finally:
        await Tortoise.close_connections()


def test_migrations_apply_from_zero_and_are_idempotent(database_url: str, tmp_path: Path) -> None:
    # given a brand-new, empty database of the backend under test
    url, cleanup = _new_database(database_url, tmp_path)
    try:
        # when migrating it twice
        first_plan, tables, ledger = asyncio.run(_migrate_and_report(url))
        second_plan, tables_again, ledger_again = asyncio.run(_migrate_and_report(url))
    finally:
        cleanup()

    # then the first run applies every migration file, in order ...
    files = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
    assert first_plan == [f"models.{name}" for name in files]
    assert ledger == len(files)
    # ... creating every table of the models
    model_tables = _model_tables(url)
    assert set(model_tables) <= set(tables), set(model_tables) - set(tables)
    # and the second run is a no-op
    assert second_plan == []
    assert tables_again == tables
    assert ledger_again == ledger


def _model_tables(url: str) -> list[str]:
    async def run() -> list[str]:
        await Tortoise.init(config=tortoise_config("sqlite://:memory:"))
        try:
            return [m._meta.db_table for m in _models()]
        finally:
            await Tortoise.close_connections()

    return asyncio.run(run())
