"""How the API is served (domcctv.serving), tested on real sockets and real processes.

- A second ``domcctv serve`` on a busy port exits with "port N is in use" *before* its lifespan
  runs: no migration, no demo seed, no camera re-registration in the shared database.
- X-Forwarded-For is believed only from TRUSTED_PROXIES (uvicorn's default trusted 127.0.0.1),
  so a client cannot pick the IP that the login rate limit and the audit log key on.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from domcctv.config import Settings
from domcctv.devsite import register_cameras
from domcctv.domain.access import Role
from domcctv.infra.secrets_box import SecretBox
from domcctv.models import AuditAction, AuditLog, Camera, User
from domcctv.serving import PortInUseError, bind_listening_socket
from integrations.hikvision.simulator import SimulatedSite, SiteConfig

from factories import PASSWORD, make_user
from live_server import RunningServer, start_server, stop_server

pytestmark = pytest.mark.slow

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Error { code } } }"""


def serve_env(settings: Settings, database_url: str, port: int, tmp: Path) -> dict[str, str]:
    """The environment of a development `domcctv serve` (demo seed and simulator on)."""
    return {
        **os.environ,
        "APP_ENV": "development",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.redis_url or "",
        "REDIS_NAMESPACE": settings.redis_namespace,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "SEED_DEMO_DATA": "true",
        "SIMULATOR_ENABLED": "true",
        "SIMULATOR_RATE": "0",
        "BCRYPT_ROUNDS": "4",
        "MEDIA_DIR": str(tmp / "media"),
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "LOG_LEVEL": "INFO",
    }


async def camera_rows() -> list[dict[str, Any]]:
    return await Camera.all().order_by("id").values()


@pytest.fixture
async def server(settings: Settings, db: str) -> AsyncIterator[RunningServer]:
    running = await start_server(settings)
    try:
        yield running
    finally:
        await stop_server(running)


async def test_second_serve_on_a_busy_port_exits_before_touching_the_database(
    server: RunningServer, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    config = SiteConfig(cameras=2, seed=5, push_url=f"{server.http}/ingest/isapi/{{token}}")
    async with SimulatedSite(config) as site:
        await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
        before = await camera_rows()
        assert len(before) == 2

        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "domcctv.cli",
            "serve",
            env=serve_env(settings, database_url, server.port, tmp_path),
            cwd=tmp_path,  # no .env from the working tree
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:  # a hang guard, not a timing assertion: the process must exit by itself
            out, err = await asyncio.wait_for(second.communicate(), timeout=60)
        finally:
            if second.returncode is None:
                second.kill()
                await second.wait()
        output = (out + err).decode()

        assert second.returncode != 0, output
        assert f"port {server.port} is in use" in output
        # Nothing ran: the simulator would have rewritten both cameras (address, password,
        # push token) and the seed would have created the demo users.
        assert await camera_rows() == before
        assert not await User.exists()
        # The first server still answers.
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{server.http}/health")).status_code == 200


def test_bind_listening_socket_names_the_busy_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError) as exc_info:
            bind_listening_socket("127.0.0.1", port)
    assert f"port {port} is in use" in str(exc_info.value)
    assert exc_info.value.code != 0


def test_bind_listening_socket_listens() -> None:
    sock = bind_listening_socket("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # accepted by the listen backlog: the socket is bound and listening
    finally:
        sock.close()


async def failed_login_ips() -> list[str]:
    rows = AuditLog.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    return [str(ip) for ip in await rows.values_list("ip_address", flat=True)]


async def post_login(base: str, email: str, password: str, forwarded_for: str) -> Any:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"e": email, "p": password}},
            headers={"X-Forwarded-For": forwarded_for},
        )
    assert response.status_code == 200, response.text
    return response.json()["data"]["login"]


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(server: RunningServer) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")

    result = await post_login(server.http, "op@dom.cl", "wrong", forwarded_for="198.51.100.23")

    assert result["code"] == "INVALID_CREDENTIALS"
    assert await failed_login_ips() == ["127.0.0.1"]  # the socket peer, not the header


async def test_per_ip_login_limit_cannot_be_dodged_with_forwarded_for(
    settings: Settings, db: str
) -> None:
    running = await start_server(settings.model_copy(update={"login_rate_per_minute": 3}))
    try:
        await make_user(Role.OPERATOR, email="victim@dom.cl")
        for n in range(3):  # a fresh "client IP" and a fresh e-mail on every attempt
            result = await post_login(
                running.http, f"nobody{n}@dom.cl", "x", forwarded_for=f"203.0.113.{n + 1}"
            )
            assert result["code"] == "INVALID_CREDENTIALS"
        blocked = await post_login(
            running.http, "victim@dom.cl", PASSWORD, forwarded_for="203.0.113.99"
        )
    finally:
        await stop_server(running)
    assert blocked == {"__typename": "AuthenticationError", "code": "RATE_LIMITED"}


async def test_forwarded_for_from_a_trusted_proxy_is_the_client(
    settings: Settings, db: str
) -> None:
    running = await start_server(settings.model_copy(update={"trusted_proxies": "127.0.0.0/8"}))
    try:
        await make_user(Role.OPERATOR, email="op@dom.cl")
        # The proxy appends the peer it saw; the client is the last untrusted hop.
        await post_login(running.http, "op@dom.cl", "wrong", forwarded_for="198.51.100.23")
    finally:
        await stop_server(running)
    assert await failed_login_ips() == ["198.51.100.23"]
