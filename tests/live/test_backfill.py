"""Backfill after an outage: reads the receiver never got come back from HikCentral's
crossRecords (over the real signed OpenAPI of the simulator), exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp

from domcctv.config import Settings
from domcctv.devsite import register_cameras
from domcctv.infra.media import MediaStore
from domcctv.infra.queue import DatabaseQueue
from domcctv.infra.secrets_box import SecretBox
from domcctv.models import Event, PlateReadRecord
from domcctv.services.ingest import record_plate_reads
from domcctv.workers.backfill import backfill_once
from integrations.hikvision.hikcentral.client import HikCentralClient
from integrations.hikvision.simulator import SimulatedSite, SiteConfig

from live_server import wait_for


class _Collect(DatabaseQueue):
    """The real inbox queue, drained synchronously by the test."""

    async def drain_now(self, settings: Settings) -> int:
        async def handle(reads):  # type: ignore[no-untyped-def]
            await record_plate_reads(
                reads,
                threshold=settings.anpr_confidence_threshold,
                merge_window_seconds=settings.event_merge_window_seconds,
            )
            return [None] * len(reads)

        return await self._drain(handle)


async def test_backfill_recovers_reads_lost_during_an_outage_once(settings, db, tmp_path) -> None:
    config = SiteConfig(cameras=2, seed=5, create_lag=(0.0, 0.0), push_url=None)
    async with SimulatedSite(config) as site:
        await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
        start = datetime.now(UTC) - timedelta(minutes=1)
        lost = [
            await site.cameras[i % 2].emit_read(plate=plate)
            for i, plate in enumerate(["HJKL42", "FK1234", "KBWZ93"])
        ]
        queue, store = _Collect(), MediaStore(tmp_path / "media")
        async with (
            aiohttp.ClientSession() as session,
            HikCentralClient(session, site.gateway_url, site.app_key, site.app_secret) as client,
        ):
            until = datetime.now(UTC) + timedelta(seconds=5)
            assert await backfill_once(client, queue, store, start, until) == 3
            await queue.drain_now(settings)
            # A second pass over the same window (the trailing margin) changes nothing.
            assert await backfill_once(client, queue, store, start, until) == 3
            await queue.drain_now(settings)
    plates = sorted(await Event.all().values_list("plate", flat=True))
    assert plates == sorted(r.plate_text for r in lost)
    assert await PlateReadRecord.filter(source="backfill").count() == 3
    event = await Event.get(plate="HJKL42")
    assert event.low_confidence is True  # HikCentral gives no confidence: flagged for review
    assert event.primary_camera["source"] == "backfill"
    assert event.thumbnail_path is not None
    assert (tmp_path / "media" / event.thumbnail_path).read_bytes()[:2] == b"\xff\xd8"


async def test_pushed_read_later_backfilled_stays_one_event(
    server, site, settings, tmp_path
) -> None:
    pushed = await site.cameras[0].emit_read(plate="GHTR57")
    queue, store = _Collect(), MediaStore(tmp_path / "media")
    await wait_for(lambda: Event.filter(plate="GHTR57").exists())
    async with (
        aiohttp.ClientSession() as session,
        HikCentralClient(session, site.gateway_url, site.app_key, site.app_secret) as client,
    ):
        since = pushed.occurred_at - timedelta(minutes=1)
        await backfill_once(client, queue, store, since, datetime.now(UTC) + timedelta(minutes=1))
        await queue.drain_now(settings)

    # The running server's consumer shares the inbox, so either may process the read.
    async def both_reads() -> bool:
        return await PlateReadRecord.filter(event__plate="GHTR57").count() == 2

    await wait_for(both_reads)
    assert await Event.filter(plate="GHTR57").count() == 1


async def test_alert_stream_listener_ingests_reads_without_push(settings, db) -> None:
    """Pull path: push disabled, the server holds each camera's alertStream open."""
    from live_server import start_server, stop_server

    running = await start_server(
        settings.model_copy(
            update={"alert_stream_enabled": True, "alert_stream_rescan_seconds": 0.1}
        )
    )
    try:
        config = SiteConfig(cameras=2, seed=9, heartbeat_interval=0.3, push_url=None)
        async with SimulatedSite(config) as site:
            await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
            await asyncio.sleep(0.8)  # listeners connect after the next rescan
            read = await site.cameras[1].emit_read(plate="PRST18")
            record = await wait_for(
                lambda: PlateReadRecord.filter(
                    natural_key=f"uuid:{read.camera_index_code}:{read.uuid}"
                ).first()
            )
    finally:
        await stop_server(running)
    assert record.source == "alertStream"
    event = await Event.get(id=record.event_id)
    assert event.plate == "PRST18"
    assert event.primary_camera["pictures"]
