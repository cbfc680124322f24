"""Composition root: builds the Starlette app, its lifespan and the GraphQL endpoint.

The only module allowed to import every layer.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import anyio
from anyio.abc import TaskGroup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from tortoise import Tortoise

from domcctv.adapters.hikcentral_directory import HikCentralDirectory
from domcctv.adapters.isapi_control import IsapiDeviceControl
from domcctv.adapters.recordings import HikvisionRecordings
from domcctv.config import Settings, get_settings
from domcctv.db import migrate_database, open_database
from domcctv.devsite import simulated_site
from domcctv.graphql_view import (
    DomcctvGraphQL,
    anonymous_introspection_allowed,
    graphiql_enabled,
)
from domcctv.http.export_catalog import CatalogByKind, ExportCatalog
from domcctv.http.health import Probe, database_probe, health_endpoint, ingest_check
from domcctv.http.ingest import PushReceiver
from domcctv.http.live import CameraLiveCatalog, live_routes
from domcctv.http.media import media_endpoint
from domcctv.http.video import video_routes
from domcctv.http.video_catalog import ClipCatalog
from domcctv.infra.bus import InProcessBus, RedisBus, create_redis
from domcctv.infra.live_relay import LiveRelay, RelaySettings
from domcctv.infra.media import MediaSigner, MediaStore
from domcctv.infra.queue import IngestQueue, build_queue
from domcctv.infra.ratelimit import InProcessRateLimiter, RedisRateLimiter
from domcctv.infra.secrets_box import SecretBox
from domcctv.infra.storage import S3Options, build_blob_store, close_blob_store
from domcctv.infra.storage.base import BlobStore
from domcctv.infra.stream_tokens import StreamTokens
from domcctv.infra.video.runner import VideoWorkers
from domcctv.seed import seed_demo_data
from domcctv.services import outbox
from domcctv.services.clip_capture import CapturePolicy, ClipCapture
from domcctv.services.mailer import build_mailer
from domcctv.services.security import AccessTokens
from domcctv.services.session_cache import SessionCache
from domcctv.services.video_exports import ExportPolicy, ExportRunner
from domcctv.services.video_links import VideoLinks
from domcctv.workers.alert_stream import supervise_alert_streams
from domcctv.workers.backfill import run_backfill
from domcctv.workers.ingest import run_ingest_consumer
from domcctv.workers.outbox import run_outbox_sweeper
from domcctv.workers.video import run_clip_capture, run_clip_variants, run_video_retention
from domcctv.workers.video_exports import run_video_exports
from integrations.hikvision.hikcentral.client import HikCentralClient
from resolvers import build_schema
from schema.context import AppServices

logger = logging.getLogger("domcctv")

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"

# One schema per set of limits for the whole process. The schema holds no per-app state, and
# Strawberry's process-wide caches (validation LRU, type lookups) keep every schema they have
# seen alive: building one per app left hundreds of schemas (over a million objects) in a test
# process, which then spent seconds in garbage collection at exit.
_shared_schema = functools.lru_cache(maxsize=8)(build_schema)


def _blob_store(settings: Settings) -> BlobStore:
    s3 = None
    if settings.video_storage == "s3":
        s3 = S3Options(
            bucket=settings.s3_bucket or "",
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key=settings.s3_access_key or "",
            secret_key=settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else "",
            prefix=settings.s3_prefix,
        )
    return build_blob_store(settings.video_storage, root=settings.video_dir, s3=s3)


def build_services(settings: Settings, redis: Any = None) -> AppServices:
    secret = settings.jwt_secret.get_secret_value()
    stream_tokens = StreamTokens(secret, default_ttl_seconds=settings.video_url_ttl_seconds)
    return AppServices(
        settings=settings,
        tokens=AccessTokens(secret, settings.access_token_ttl_seconds),
        mailer=build_mailer(settings),
        bus=RedisBus(redis, settings.redis_namespace, replay=outbox.published_since)
        if redis is not None
        else InProcessBus(),
        media_signer=MediaSigner(secret),
        media_store=MediaStore(settings.media_dir),
        cipher=SecretBox(secret),
        device_control=IsapiDeviceControl(),
        limiter=RedisRateLimiter(redis, settings.redis_namespace)
        if redis is not None
        else InProcessRateLimiter(),
        session_cache=SessionCache(settings.session_cache_seconds),
        video_links=VideoLinks(stream_tokens, settings.video_url_ttl_seconds),
        stream_tokens=stream_tokens,
        blob_store=_blob_store(settings),
        recordings=HikvisionRecordings(),
        video_workers=VideoWorkers(settings.video_workers),
    )


async def _start_hikvision(
    settings: Settings,
    stack: AsyncExitStack,
    workers: TaskGroup,
    queue: IngestQueue,
    services: AppServices,
    live: CameraLiveCatalog,
) -> None:
    """Simulated site (default run) or the configured HikCentral: start the backfill poller."""
    url, key, secret = (
        settings.hikcentral_url,
        settings.hikcentral_app_key,
        (
            settings.hikcentral_app_secret.get_secret_value()
            if settings.hikcentral_app_secret
            else None
        ),
    )
    if settings.simulator_enabled:
        site = await stack.enter_async_context(simulated_site(settings))
        url, key, secret = site.gateway_url, site.app_key, site.app_secret
    if not (url and key and secret):
        return
    connector = aiohttp.TCPConnector(ssl=settings.hikcentral_verify_tls)
    session = await stack.enter_async_context(aiohttp.ClientSession(connector=connector))
    client = await stack.enter_async_context(
        HikCentralClient(session, url, key, secret, user_id=settings.hikcentral_user_id)
    )
    services.camera_directory = HikCentralDirectory(client)
    services.recordings.use_hikcentral(client)
    live.use_hikcentral(client)
    store = services.media_store
    lookback = timedelta(minutes=settings.backfill_lookback_minutes)
    workers.start_soon(
        lambda: run_backfill(
            client,
            queue,
            store,
            interval_seconds=settings.backfill_interval_seconds,
            lookback=lookback,
            tolerance=timedelta(seconds=settings.clock_skew_tolerance_seconds),
        )
    )


def _start_video_workers(settings: Settings, services: AppServices, workers: TaskGroup) -> None:
    """Clip capture, quality variants, exports and the retention purge (VIDEO_CAPTURE_ENABLED)."""
    work_dir = settings.video_dir / ".work"
    work_dir.mkdir(parents=True, exist_ok=True)
    policy = CapturePolicy(
        max_attempts=settings.clip_max_attempts,
        retry_base_seconds=settings.clip_retry_base_seconds,
        retry_max_seconds=settings.clip_retry_max_seconds,
        variants_for_all=settings.video_variants == "all",
    )
    capture = ClipCapture(
        services.recordings,
        services.blob_store,
        services.video_workers,
        services.cipher.decrypt,
        policy,
        work_dir=work_dir,
        bus=services.bus,
    )
    workers.start_soon(
        lambda: run_clip_capture(
            capture,
            concurrency=settings.clip_concurrency,
            poll_seconds=settings.clip_poll_seconds,
            lease=timedelta(seconds=policy.lease_seconds),
        )
    )
    if settings.video_variants != "off":
        workers.start_soon(
            lambda: run_clip_variants(
                services.blob_store,
                services.video_workers,
                poll_seconds=settings.clip_poll_seconds,
                work_dir=work_dir,
            )
        )
    export_policy = ExportPolicy(
        max_attempts=settings.clip_max_attempts,
        retry_base_seconds=settings.clip_retry_base_seconds,
        retry_max_seconds=settings.clip_retry_max_seconds,
    )
    exporter = ExportRunner(
        services.recordings,
        services.blob_store,
        services.video_workers,
        services.media_store,
        services.cipher.decrypt,
        export_policy,
        bus=services.bus,
        work_dir=work_dir,
    )
    workers.start_soon(
        lambda: run_video_exports(
            exporter,
            concurrency=1,
            poll_seconds=settings.clip_poll_seconds,
            lease_seconds=export_policy.lease_seconds,
        )
    )
    workers.start_soon(
        lambda: run_video_retention(
            services.blob_store,
            default_days=settings.video_retention_days,
            interval_seconds=settings.video_purge_interval_seconds,
        )
    )


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """Build the ASGI app. ``manage_database=False`` lets tests own the ORM lifecycle."""
    settings = settings or get_settings()
    redis = create_redis(settings.redis_url) if settings.redis_url else None
    services = build_services(settings, redis)
    live_relay = LiveRelay(
        RelaySettings(
            grace_seconds=settings.live_grace_seconds,
            open_timeout=settings.live_open_timeout_seconds,
            stall_timeout=settings.live_stall_timeout_seconds,
            viewer_queue=settings.live_viewer_queue_fragments,
            max_cameras=settings.live_max_cameras,
        )
    )
    live_catalog = CameraLiveCatalog(services.cipher.decrypt)
    store: MediaStore = services.media_store
    queue = build_queue(settings, redis)
    services.ingest_queue = queue
    skew_tolerance = timedelta(seconds=settings.clock_skew_tolerance_seconds)
    receiver = PushReceiver(store, queue, clock_skew_tolerance=skew_tolerance)
    schema = _shared_schema(
        max_depth=settings.graphql_max_depth,
        max_tokens=settings.graphql_max_tokens,
        max_aliases=settings.graphql_max_aliases,
        max_selections=settings.graphql_max_selections,
        anonymous_introspection=anonymous_introspection_allowed(settings),
    )
    graphql = DomcctvGraphQL(
        services,
        schema=schema,
        graphql_ide="graphiql" if graphiql_enabled(settings) else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    probes: dict[str, Probe] = {"database": database_probe}
    if redis is not None:

        async def redis_probe() -> None:
            await redis.ping()

        probes["redis"] = redis_probe

    checks = {
        "ingest": ingest_check(
            queue,
            max_dead_letters=settings.health_max_dead_letters,
            max_lag_seconds=settings.health_max_queue_lag_seconds,
        )
    }

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await migrate_database(settings.database_url)
            await open_database(settings.database_url, pool_max=settings.db_pool_max)
            if settings.seed_demo_data:
                await seed_demo_data(settings)
        await services.bus.start()
        try:
            async with anyio.create_task_group() as workers:
                if settings.ingest_consumer_in_process:
                    workers.start_soon(
                        lambda: run_ingest_consumer(
                            queue,
                            services.bus,
                            threshold=settings.anpr_confidence_threshold,
                            merge_window_seconds=settings.event_merge_window_seconds,
                            capture_clips=settings.video_capture_enabled,
                        )
                    )
                workers.start_soon(lambda: run_outbox_sweeper(services.bus))
                workers.start_soon(lambda: receiver.follow_device_changes(services.bus))
                if services.session_cache is not None:
                    cache = services.session_cache
                    workers.start_soon(lambda: cache.follow(services.bus))
                if settings.alert_stream_enabled:
                    workers.start_soon(
                        lambda: supervise_alert_streams(
                            queue,
                            store,
                            services.cipher,
                            rescan_seconds=settings.alert_stream_rescan_seconds,
                            clock_skew_tolerance=skew_tolerance,
                        )
                    )
                if settings.video_capture_enabled:
                    _start_video_workers(settings, services, workers)
                async with AsyncExitStack() as extras:
                    await _start_hikvision(settings, extras, workers, queue, services, live_catalog)
                    yield
                workers.cancel_scope.cancel()
        finally:
            await live_relay.aclose()
            await services.recordings.close()
            await close_blob_store(services.blob_store)
            await services.device_control.close()
            await services.bus.close()
            if redis is not None:
                await redis.aclose()
            if manage_database:
                await Tortoise.close_connections()

    routes: list[Any] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/health", health_endpoint(probes, checks=checks), methods=["GET"]),
        Route("/ingest/isapi/{token}", receiver.handle, methods=["POST"]),
        Route("/media/{path:path}", media_endpoint(store, services.media_signer), methods=["GET"]),
        *video_routes(
            services.blob_store,
            services.stream_tokens,
            CatalogByKind(
                {
                    "clip": ClipCatalog(
                        services.blob_store,
                        services.video_workers,
                        settings.video_dir / ".cache",
                        variants_on_view=settings.video_variants == "viewed",
                    ),
                    "export": ExportCatalog(),
                }
            ),
            accel_prefix=settings.video_accel_redirect,
        ),
        *live_routes(services.stream_tokens, live_relay, live_catalog.authorize),
    ]
    if WEB_DIST.is_dir():
        routes.append(Mount("/", StaticFiles(directory=WEB_DIST, html=True), name="web"))
    else:
        routes.append(Route("/", _no_dashboard, methods=["GET"]))
    return Starlette(routes=routes, lifespan=lifespan)


async def _no_dashboard(_: Request) -> Response:
    return Response(
        "The dashboard is not built (run: npm --prefix web ci && npm --prefix web "
        "run build). GraphiQL is at /graphql.\n",
        media_type="text/plain",
    )
