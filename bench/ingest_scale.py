"""Does storing a read slow down as the table grows? The consumer's work per read on a kept
10M-event database against the same work on an empty one, in the same run.

Each read goes through ``services.ingest.record_plate_reads`` exactly as the ingest consumer
calls it (one transaction: dedupe by natural key, registry and watchlist lookups, merge or
attach to an earlier pass of the same truck, the event, the read record, the audit entry, the
live outbox row, the camera's last-seen time), one read at a time so each is timed alone. The
reads are the same for both databases: plates drawn from the kept database's registry (80 %)
or made up (unregistered), its cameras, times from now on, some of them the second camera of
the same pass. The baseline database is created, migrated and given a copy of the kept one's
companies, users, sites, cameras and vehicles; it is dropped at the end. Rows the run adds to
the kept database are deleted at the end, so it stays what ``bench/search.py`` generated.

    python -m bench.ingest_scale --db domcctv_bench_10m --reads 1000
"""

from __future__ import annotations

import argparse
import random
import secrets
import time
from datetime import timedelta
from typing import Any

from bench._common import (
    DEFAULT_MYSQL_URL,
    _mysql_execute,
    machine_note,
    orm,
    print_summary,
    run_main,
    stats_ms,
)
from bench.search import mysql_target, parse_size, server_variable, set_buffer_pool
from bench.search_data import MysqlTarget, connect, execute, query

REFERENCE_TABLES = ("companies", "users", "sites", "cameras", "vehicles")
GROWN_TABLES = ("plate_reads", "live_outbox", "audit_logs", "events")  # delete order


def _target(mysql_url: str, database: str) -> MysqlTarget:
    return mysql_target(mysql_url, database)


async def _reads(target: MysqlTarget, count: int, seed: int) -> list[Any]:
    """The reads of the run (``PlateRead``), from the kept database's registry and cameras."""
    from domcctv.domain.reads import PlateRead, ReadSource, StoredPicture
    from domcctv.services.clock import utcnow

    conn = await connect(target)
    try:
        plates = [r["plate"] for r in await query(conn, "SELECT plate FROM vehicles")]
        cameras = [r["code"] for r in await query(conn, "SELECT code FROM cameras ORDER BY code")]
    finally:
        conn.close()
    rng = random.Random(seed)
    start = utcnow() + timedelta(minutes=5)
    reads = []
    for i in range(count):
        if rng.random() < 0.8:
            plate = rng.choice(plates)
        else:
            plate = "".join(rng.choice("BCDFGHJKLPRSTVWXYZ") for _ in range(4)) + f"{i % 100:02d}"
        at = start + timedelta(seconds=i * 3)
        for camera in rng.sample(cameras, 2 if rng.random() < 0.3 else 1):
            reads.append(
                PlateRead(
                    source=ReadSource.PUSH,
                    natural_key=f"bench-scale:{seed}:{len(reads)}",
                    camera_code=camera,
                    camera_name=camera,
                    plate_text=plate,
                    confidence=round(rng.uniform(70, 99.5), 1),
                    occurred_at=at + timedelta(milliseconds=rng.randint(0, 900)),
                    pictures=(StoredPicture("detectionPicture", f"bench/{i}.jpg"),),
                )
            )
    return reads


async def _store_each(database_url: str, reads: list[Any], warmup: int) -> list[float]:
    """Seconds per read (after ``warmup`` untimed reads), one transaction each."""
    from domcctv.services.ingest import record_plate_reads

    seconds: list[float] = []
    async with orm(database_url):
        for index, read in enumerate(reads):
            t0 = time.perf_counter()
            await record_plate_reads([read], threshold=85.0, merge_window_seconds=60)
            if index >= warmup:
                seconds.append(time.perf_counter() - t0)
    return seconds


async def _high_water(target: MysqlTarget) -> dict[str, int]:
    conn = await connect(target)
    try:
        marks = {}
        for table in GROWN_TABLES:
            rows = await query(conn, f"SELECT COALESCE(MAX(id), 0) AS top FROM `{table}`")  # noqa: S608
            marks[table] = int(rows[0]["top"])
        return marks
    finally:
        conn.close()


async def _delete_above(target: MysqlTarget, marks: dict[str, int]) -> dict[str, int]:
    conn = await connect(target)
    try:
        deleted = {}
        for table in GROWN_TABLES:
            deleted[table] = await execute(
                conn,
                f"DELETE FROM `{table}` WHERE id > %s",  # noqa: S608
                [marks[table]],
            )
        await execute(conn, "COMMIT")
        return deleted
    finally:
        conn.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = args.mysql_url.rstrip("/")
    kept = _target(server, args.db)
    original_pool = int(await server_variable(kept, "innodb_buffer_pool_size"))
    if args.buffer_pool:
        await set_buffer_pool(kept, args.buffer_pool)
    try:
        summary = await _measure(args, server, kept)
    finally:
        if args.buffer_pool:
            await set_buffer_pool(kept, original_pool)
    summary["buffer_pool"] = {
        "original_bytes": original_pool,
        "used_bytes": args.buffer_pool or original_pool,
        "restored": bool(args.buffer_pool),
    }
    return summary


async def _measure(args: argparse.Namespace, server: str, kept: MysqlTarget) -> dict[str, Any]:
    from domcctv.db import migrate_database

    reads = await _reads(kept, args.reads, args.seed)
    baseline_name = f"domcctv_bench_{secrets.token_hex(4)}"
    await _mysql_execute(server, f"CREATE DATABASE `{baseline_name}` CHARACTER SET utf8mb4")
    try:
        await migrate_database(f"{server}/{baseline_name}")
        conn = await connect(kept)
        try:
            await execute(conn, "SET SESSION foreign_key_checks = 0")
            for table in REFERENCE_TABLES:
                await execute(
                    conn,
                    f"INSERT INTO `{baseline_name}`.`{table}` SELECT * FROM `{table}`",  # noqa: S608
                )
            await execute(conn, "COMMIT")
        finally:
            conn.close()
        counts = {}
        for name in (args.db, baseline_name):
            conn = await connect(_target(server, name))
            try:
                rows = await query(conn, "SELECT COUNT(*) AS n FROM events")
                counts[name] = int(rows[0]["n"])
            finally:
                conn.close()
        marks = await _high_water(kept)
        try:
            results = {}
            # Alternate the two databases in rounds so drift of the machine hits both alike.
            rounds = max(1, args.rounds)
            per_round = len(reads) // rounds
            timings: dict[str, list[float]] = {args.db: [], baseline_name: []}
            for r in range(rounds):
                chunk = reads[r * per_round : (r + 1) * per_round]
                for name in (args.db, baseline_name) if r % 2 == 0 else (baseline_name, args.db):
                    warm = args.warmup if r == 0 else 0
                    timings[name] += await _store_each(f"{server}/{name}", chunk, warm)
            for name, seconds in timings.items():
                results["kept" if name == args.db else "empty"] = {
                    "database": name,
                    "events_before": counts[name],
                    "per_read_ms": stats_ms(seconds),
                }
        finally:
            deleted = await _delete_above(kept, marks)
    finally:
        await _mysql_execute(server, f"DROP DATABASE IF EXISTS `{baseline_name}`")
    kept_ms, empty_ms = results["kept"]["per_read_ms"], results["empty"]["per_read_ms"]
    return {
        "bench": "ingest_scale",
        "reads": len(reads),
        "rounds": args.rounds,
        "results": results,
        "ratio_p50": round(kept_ms["p50"] / empty_ms["p50"], 2),
        "ratio_p99": round(kept_ms["p99"] / empty_ms["p99"], 2),
        "targets": {"processing_p99_le_50ms_at_scale": kept_ms["p99"] <= 50.0},
        "kept_rows_deleted_after": deleted,
        "machine": machine_note(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_scale", description=__doc__)
    parser.add_argument("--db", required=True, help="a database kept by bench/search.py")
    parser.add_argument("--reads", type=int, default=1000, help="passes (30 %% read twice)")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--buffer-pool",
        type=parse_size,
        default=0,
        help="SET GLOBAL innodb_buffer_pool_size for the run (e.g. 8G); restored at the end",
    )
    parser.add_argument("--mysql-url", default=DEFAULT_MYSQL_URL)
    args = parser.parse_args(argv)
    print_summary(run_main(run(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
