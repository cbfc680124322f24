"""Kill the database mid-ingest (a real TCP cut between the app and MariaDB) and prove that
every pushed read ends up stored exactly once after recovery (Redis Stream + idempotent
pipeline). MariaDB + Redis only: the SQLite default has no network database to lose."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from tcp_proxy import TcpProxy
from tortoise import Tortoise

from domcctv.db import open_database
from domcctv.devsite import register_cameras
from domcctv.infra.secrets_box import SecretBox
from domcctv.models import Event, PlateReadRecord
from integrations.hikvision.simulator import SimulatedSite, SiteConfig

from live_server import start_server, stop_server

pytestmark = pytest.mark.mariadb

PLATES = ["HJKL42", "FK1234", "KBWZ93", "GHTR57", "BCDF21", "PRST18", "DK4821", "LLXY64"]


async def test_reads_pushed_while_database_is_down_are_stored_once_after_recovery(
    settings, database_url
) -> None:
    if not database_url.startswith("mysql://") or not settings.redis_url:
        pytest.skip("needs TEST_DB_URL=mysql://... and TEST_REDIS_URL")
    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 3306)
    await proxy.start()
    proxied = database_url.replace(
        f"{parts.hostname}:{parts.port or 3306}", f"127.0.0.1:{proxy.port}"
    )
    await open_database(proxied, global_fallback=True)
    for table in ("plate_reads", "audit_logs", "events", "cameras", "sites"):
        await Tortoise.get_connection("default").execute_script(f"DELETE FROM {table}")
    server = await start_server(settings.model_copy(update={"database_url": proxied}))
    try:
        config = SiteConfig(
            cameras=2,
            seed=3,
            create_lag=(0.0, 0.0),
            push_url=f"{server.http}/ingest/isapi/{{token}}",
        )
        async with SimulatedSite(config) as site:
            await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
            warm = [await site.cameras[i].emit_read(plate=f"WARM{i}0") for i in range(2)]
            assert all(r.push_status == 200 for r in warm)  # device tokens now cached
            await proxy.cut()
            during = [await site.cameras[i % 2].emit_read(plate=p) for i, p in enumerate(PLATES)]
            assert [r.push_status for r in during] == [200] * len(PLATES)
            await asyncio.sleep(1.0)  # the consumer fails against the dead database
            await proxy.restore()
            expected = {f"uuid:{r.camera_index_code}:{r.uuid}" for r in warm + during}
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                stored = await PlateReadRecord.filter(natural_key__in=list(expected)).count()
                if stored == len(expected) or asyncio.get_running_loop().time() > deadline:
                    break
                await asyncio.sleep(0.2)
        assert stored == len(expected)
        assert await PlateReadRecord.all().count() == len(expected)
        for plate in PLATES:
            assert await Event.filter(plate=plate).count() == 1
    finally:
        await stop_server(server)
        await Tortoise.close_connections()
        await proxy.close()
