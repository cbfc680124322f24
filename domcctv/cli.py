"""Command line: serve, migrate, seed, export the SDL, check migration drift.

``domcctv serve`` is what the README's run command calls: it migrates, seeds demo data on an
empty database, and serves the API, GraphiQL and the dashboard.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from domcctv.config import get_settings
from domcctv.logging_setup import configure_logging, install_log_redaction

SDL_PATH = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def _export_schema(check: bool) -> int:
    from resolvers import build_schema

    sdl = build_schema().as_str() + "\n"
    if check:
        current = SDL_PATH.read_text() if SDL_PATH.exists() else ""
        if current != sdl:
            print("schema/schema.graphql is stale: run `domcctv export-schema`", file=sys.stderr)
            return 1
        return 0
    SDL_PATH.write_text(sdl)
    print(f"wrote {SDL_PATH}")
    return 0


async def _pending_model_changes() -> list[str]:
    from tortoise import Tortoise
    from tortoise.migrations.autodetector import MigrationAutodetector

    from domcctv.db import tortoise_config

    config = tortoise_config("sqlite://:memory:")
    await Tortoise.init(config=config)
    try:
        apps = Tortoise.apps
        assert apps is not None
        detector = MigrationAutodetector(apps, config["apps"])
        return [w.name for w in await detector.changes()]
    finally:
        await Tortoise.close_connections()


def _serve() -> int:
    """Binds the port first (a busy port exits before the lifespan touches the database)."""
    from domcctv.serving import serve

    settings = get_settings()
    configure_logging(settings.log_level)
    serve(settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="domcctv", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="migrate, seed (if empty) and serve API + dashboard")
    sub.add_parser(
        "worker", help="run the ingest consumer (scale out; see INGEST_CONSUMER_IN_PROCESS)"
    )
    sub.add_parser("migrate", help="apply migrations to DATABASE_URL")
    sub.add_parser("seed", help="insert demo data into an empty database")
    export = sub.add_parser("export-schema", help="write schema/schema.graphql")
    export.add_argument("--check", action="store_true", help="fail if the file is stale")
    sub.add_parser("check-migrations", help="fail if models changed without a migration")
    args = parser.parse_args(argv)
    install_log_redaction()  # every command: whatever any library logs goes through redaction

    if args.command == "serve":
        return _serve()
    if args.command == "export-schema":
        return _export_schema(args.check)
    if args.command == "check-migrations":
        pending = asyncio.run(_pending_model_changes())
        if pending:
            print(
                f"Models changed without migration: {pending}; run "
                "`python -m tortoise makemigrations`",
                file=sys.stderr,
            )
            return 1
        print("migrations match the models")
        return 0
    settings = get_settings()
    if args.command == "migrate":
        from domcctv.db import migrate_database

        asyncio.run(migrate_database(settings.database_url))
        return 0
    if args.command == "seed":
        return asyncio.run(_seed())
    if args.command == "worker":
        configure_logging(settings.log_level)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_worker())
        return 0
    return 2


async def _worker() -> None:
    """The ingest consumer in its own process: Redis stream consumer group (or the DB inbox,
    polled), publishing to the same bus, so several workers and API processes share the load."""
    import signal

    from tortoise import Tortoise

    from domcctv.db import open_database
    from domcctv.infra.bus import InProcessBus, RedisBus, create_redis
    from domcctv.infra.queue import build_queue
    from domcctv.workers.ingest import run_ingest_consumer
    from domcctv.workers.outbox import run_outbox_sweeper

    settings = get_settings()
    await open_database(settings.database_url, pool_max=settings.db_pool_max)
    redis = create_redis(settings.redis_url) if settings.redis_url else None
    bus = RedisBus(redis, settings.redis_namespace) if redis is not None else InProcessBus()
    queue = build_queue(settings, redis)
    await bus.start()

    async def consume_and_sweep() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(
                run_ingest_consumer(
                    queue,
                    bus,
                    threshold=settings.anpr_confidence_threshold,
                    merge_window_seconds=settings.event_merge_window_seconds,
                )
            )
            group.create_task(run_outbox_sweeper(bus))

    task = asyncio.ensure_future(consume_and_sweep())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        await bus.close()
        if redis is not None:
            await redis.aclose()
        await Tortoise.close_connections()


async def _seed() -> int:
    from tortoise import Tortoise

    from domcctv.db import migrate_database, open_database
    from domcctv.seed import seed_demo_data

    settings = get_settings()
    await migrate_database(settings.database_url)
    await open_database(settings.database_url)
    try:
        seeded = await seed_demo_data(settings)
    finally:
        await Tortoise.close_connections()
    print("seeded demo data" if seeded else "database not empty: nothing seeded")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
