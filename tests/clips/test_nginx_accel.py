"""Clips behind nginx with VIDEO_ACCEL_REDIRECT: the app authorises and audits, nginx sends the
bytes (ranges included) from VIDEO_DIR with the shipped config (deploy/nginx), and the internal
location is unreachable from outside. A private nginx on its own port, a real uvicorn server."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from string import Template
from typing import Any

import httpx
import pytest

from domcctv.config import Settings
from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog
from schema.relay import to_global_id

from factories import make_company, make_event, make_user
from graphql_client import token_for
from live_server import RunningServer, free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PREFIX = "/_video_files/"


@pytest.fixture
def accel_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"video_accel_redirect": PREFIX})


@pytest.fixture
async def app_server(accel_settings: Settings, db: str) -> AsyncIterator[RunningServer]:
    running = await start_server(accel_settings)
    yield running
    await stop_server(running)


@pytest.fixture
def nginx(app_server: RunningServer, accel_settings: Settings, tmp_path: Path) -> Iterator[str]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is required (Debian package nginx-light): scripts/test installs it")
    port = free_port()
    template = Template((ROOT / "deploy/nginx/domcctv.conf.template").read_text())
    server_block = template.safe_substitute(
        LISTEN=f"127.0.0.1:{port}",
        UPSTREAM=f"127.0.0.1:{app_server.port}",
        VIDEO_DIR=str(Path(accel_settings.video_dir).resolve()),
        ACCEL_PREFIX=PREFIX,
    )
    work = tmp_path / "nginx"
    work.mkdir()
    (work / "domcctv.conf").write_text(server_block)
    # As root, nginx's workers would drop to an unprivileged user that cannot read the test's
    # private temp dirs; the deployed config runs them as the user owning VIDEO_DIR.
    user = "user root root;" if os.geteuid() == 0 else ""
    (work / "nginx.conf").write_text(
        f"""
{user}
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/domcctv.conf;
}}
"""
    )
    process = subprocess.Popen(  # noqa: S603 - Debian's nginx on a config this test wrote
        [NGINX, "-p", str(work), "-c", str(work / "nginx.conf")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        import socket
        import time

        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                pytest.fail(f"nginx exited: {process.stderr.read() if process.stderr else ''!r}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("nginx never listened")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


async def test_nginx_sends_the_bytes_the_app_authorised(
    nginx: str, app_server: RunningServer, accel_settings: Settings, make_ready_clip, sample_clip
) -> None:
    company = await make_company()
    event = await make_event(company, "HJKL42")
    await make_ready_clip(event)
    user = await make_user(Role.CLIENT_USER, company)
    token = await token_for(user, accel_settings)
    data = sample_clip.read_bytes()
    async with httpx.AsyncClient(base_url=nginx) as client:
        body: dict[str, Any] = (
            await client.post(
                "/graphql",
                json={
                    "query": "query($id: ID!) { event(id: $id) { clips { playbackUrl "
                    "downloadUrl } } }",
                    "variables": {"id": str(to_global_id("Event", event.id))},
                },
                headers={"Authorization": f"Bearer {token}"},
            )
        ).json()
        (clip,) = body["data"]["event"]["clips"]
        whole = await client.get(clip["playbackUrl"])
        assert whole.status_code == 200
        assert whole.content == data
        assert whole.headers["content-type"] == "video/mp4"
        assert whole.headers["x-content-type-options"] == "nosniff"
        assert "x-accel-redirect" not in whole.headers
        part = await client.get(clip["playbackUrl"], headers={"Range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.content == data[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
        past = await client.get(clip["playbackUrl"], headers={"Range": f"bytes={len(data)}-"})
        assert past.status_code == 416
        download = await client.get(clip["downloadUrl"])
        assert download.status_code == 200
        assert "attachment" in download.headers["content-disposition"]
        assert download.content == data
        # the internal location is not reachable from outside, and a bad token stops at the app
        key = clip["playbackUrl"]  # any stored key
        assert (await client.get(f"{PREFIX}clips/{event.id}/1/clip.mp4")).status_code == 404
        forged = key.replace("/clip.mp4", "x/clip.mp4")
        assert (await client.get(forged)).status_code in (403, 404)
    # the app itself answers an empty body with the hand-off header
    async with httpx.AsyncClient(base_url=app_server.http) as direct:
        raw = await direct.get(clip["playbackUrl"], headers={"Range": "bytes=5-9"})
        assert raw.status_code == 200
        assert raw.content == b""
        assert raw.headers["x-accel-redirect"].startswith(PREFIX + "clips/")
    views = await AuditLog.filter(action=AuditAction.VIEW_VIDEO).count()
    downloads = await AuditLog.filter(action=AuditAction.DOWNLOAD_VIDEO).count()
    assert (views, downloads) == (1, 1)  # the whole play from byte 0 and the download
