"""Fan-out across server processes: a detection pushed to process A reaches a subscriber of
process B through Redis pub/sub (MariaDB + Redis only)."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from domcctv.domain.access import Role

from factories import make_company, make_user, make_vehicle
from gql_ws import expect_ack, next_payload, open_session, subscribe
from graphql_client import token_for
from live_server import server_process

pytestmark = pytest.mark.mariadb

STREAM = "subscription { eventStream { kind event { plate company { name } } } }"


async def test_detection_on_process_a_reaches_subscriber_on_process_b(
    server, site, settings, database_url, tmp_path
) -> None:
    if not database_url.startswith("mysql://") or not settings.redis_url:
        pytest.skip("needs TEST_DB_URL=mysql://... and TEST_REDIS_URL")
    company = await make_company(name="Andes")
    await make_vehicle(company, "HJKL42")
    operator = await make_user(Role.OPERATOR)
    async with server_process(settings, tmp_path) as other:
        ws = await open_session(
            other.replace("http", "ws") + "/graphql", await token_for(operator, settings)
        )
        try:
            await expect_ack(ws)
            await subscribe(ws, "1", STREAM)
            await asyncio.sleep(0.3)
            read = await site.cameras[0].emit_read(plate="HJKL42")  # pushed to process A
            assert read.push_status == 200
            payload = await asyncio.wait_for(next_payload(ws), timeout=5)
        finally:
            await ws.close()
    change = payload["data"]["eventStream"]
    assert change["kind"] == "CREATED"
    assert change["event"]["plate"] == "HJKL42"
    assert change["event"]["company"]["name"] == "Andes"


async def test_external_ingest_worker_process_consumes_the_queue(settings, db, tmp_path) -> None:
    """INGEST_CONSUMER_IN_PROCESS=false: the API only receives; `domcctv worker` (its own
    process) stores the reads and publishes them to the API's subscribers."""
    from domcctv.devsite import register_cameras
    from domcctv.infra.secrets_box import SecretBox
    from domcctv.models import PlateReadRecord
    from integrations.hikvision.simulator import SimulatedSite, SiteConfig

    from live_server import start_server, stop_server, wait_for

    if not settings.redis_url:
        pytest.skip("the cross-process bus needs TEST_REDIS_URL")
    api = await start_server(settings.model_copy(update={"ingest_consumer_in_process": False}))
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_NAMESPACE": settings.redis_namespace,
        "LOG_LEVEL": "WARNING",
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "domcctv.cli", "worker", env=env, cwd=tmp_path
    )
    try:
        operator = await make_user(Role.OPERATOR)
        config = SiteConfig(cameras=1, seed=4, push_url=f"{api.http}/ingest/isapi/{{token}}")
        async with SimulatedSite(config) as site:
            await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
            ws = await open_session(api.ws, await token_for(operator, settings))
            try:
                await expect_ack(ws)
                await subscribe(ws, "1", STREAM)
                await asyncio.sleep(0.3)
                read = await site.cameras[0].emit_read(plate="DK4821")
                payload = await asyncio.wait_for(next_payload(ws), timeout=10)
            finally:
                await ws.close()
        record = await wait_for(
            lambda: PlateReadRecord.filter(
                natural_key=f"uuid:{read.camera_index_code}:{read.uuid}"
            ).first()
        )
    finally:
        worker.terminate()
        await asyncio.wait_for(worker.wait(), timeout=10)
        await stop_server(api)
    assert payload["data"]["eventStream"]["event"]["plate"] == "DK4821"
    assert record.source == "push"
    assert worker.returncode == 0
