"""Where one search's server time goes: cProfile over GraphQL searches run in-process.

``bench/search.py`` measures latency and throughput against a real server process; this
profiles the same documents and shapes inside one process (the app over an ASGI transport,
no sockets), on a database ``bench/search.py --keep-db NAME`` built, and prints the CPU per
search and the functions it is spent in. The README's "where the time goes" comes from it.

    python -m bench.profile_search --db domcctv_bench_100k --shape plate_exact
    python -m bench.profile_search --db domcctv_bench_100k --shape dashboard_list_company
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import secrets
import time
from typing import Any

import httpx

from bench._common import run_main
from bench.search import (
    LEAN_DOCUMENT,
    SHAPES,
    dashboard_document,
    mysql_target,
    open_sessions,
    sample_pool,
)


async def profile(args: argparse.Namespace) -> None:
    from domcctv.asgi import create_app
    from domcctv.config import Settings

    database_url = f"{args.mysql_url.rstrip('/')}/{args.db}"
    jwt_secret = secrets.token_urlsafe(32)
    tokens, _, client_company = await open_sessions(database_url, jwt_secret)
    pool = await sample_pool(mysql_target(args.mysql_url, args.db), client_company, seed=7)
    shape = next(s for s in SHAPES if s.name == args.shape)
    document = dashboard_document() if shape.document == "dashboard" else LEAN_DOCUMENT
    rng = random.Random(3)
    requests = [shape.make(rng, pool) for _ in range(50)]
    settings = Settings(
        _env_file=None,
        jwt_secret=jwt_secret,
        database_url=database_url,
        seed_demo_data=False,
        redis_url=args.redis_url or None,
    )
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {tokens[shape.actor]}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def one(i: int) -> None:
                body = {"query": document, "variables": requests[i % len(requests)].variables}
                response = await client.post("/graphql", json=body, headers=headers)
                payload: dict[str, Any] = response.json()
                if response.status_code != 200 or "errors" in payload:
                    raise RuntimeError(f"search failed: {payload}")

            for i in range(args.warmup):
                await one(i)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for i in range(args.requests):
                await one(i)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.requests):
                await one(i)
            profiler.disable()
    n = args.requests
    print(
        f"{shape.name}: {1000 * cpu / n:.2f} ms CPU and {1000 * wall / n:.2f} ms wall per search "
        f"(in-process, client included, {n} searches without the profiler); the profile below "
        "is of as many more"
    )
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_search", description=__doc__)
    parser.add_argument("--db", required=True, help="a database kept by bench/search.py")
    parser.add_argument("--shape", default="plate_exact", choices=[s.name for s in SHAPES])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--mysql-url", default="mysql://root:@127.0.0.1:3306")
    parser.add_argument("--redis-url", default="", help="empty: in-process pub/sub")
    args = parser.parse_args(argv)
    run_main(profile(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
