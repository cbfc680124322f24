"""The verified-session cache in served processes: a session is reused without reading the
database, yet a logout, a deactivation or a revoked permission made through one server is
refused on the very next request, by that server (any backend) and by a second server process
that only hears of it through Redis (MariaDB + Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from domcctv.config import Settings
from domcctv.domain.access import Permission, Role
from domcctv.models import AuthSession, User, UserPermission
from domcctv.services.clock import utcnow
from schema.relay import to_global_id

from factories import make_user
from graphql_client import gql, token_for
from live_server import server_process, start_server, stop_server

ME = "{ me { user { email } } }"
AUDIT = "{ auditLogs(first: 1) { edges { node { action } } } }"
LOGOUT = "mutation { logout { __typename } }"
DEACTIVATE = """
mutation($id: ID!) { updateUser(id: $id, input: {isActive: false}) { __typename } }"""
REVOKE = """
mutation($id: ID!, $permission: Permission!) {
  revokePermission(userId: $id, permission: $permission) { __typename }
}"""

# Long enough that only an announcement, never the lifetime, can explain a refusal here.
LIFETIME = 60.0


@pytest.fixture
def cached_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"session_cache_seconds": LIFETIME})


@pytest.fixture
async def server_a(cached_settings: Settings, db: str) -> AsyncIterator[httpx.AsyncClient]:
    running = await start_server(cached_settings)
    try:
        async with httpx.AsyncClient(base_url=running.http) as client:
            yield client
    finally:
        await stop_server(running)


async def signed_in(role: Role, settings: Settings) -> tuple[User, str]:
    user = await make_user(role)
    return user, await token_for(user, settings)


def gid(pk: int) -> str:
    return str(to_global_id("User", pk))


def payload(body: dict[str, Any], field: str) -> Any:
    assert "errors" not in body, body
    return body["data"][field]


def top_code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def signed_in_now(api: httpx.AsyncClient, token: str) -> bool:
    body = await gql(api, ME, token=token)
    return body["data"]["me"] is not None


async def latest_session(user_id: int) -> str:
    session = await AuthSession.filter(user_id=user_id).order_by("-created_at").first()
    assert session is not None
    return session.id


async def check_refusals(served: httpx.AsyncClient, changer: httpx.AsyncClient, settings) -> None:
    """Sessions served (and cached) by ``served``; changes made through ``changer``."""
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    _, leaving_token = await signed_in(Role.OPERATOR, settings)
    disabled, disabled_token = await signed_in(Role.OPERATOR, settings)
    auditor, auditor_token = await signed_in(Role.OPERATOR, settings)
    await UserPermission.create(user_id=auditor.id, permission=Permission.VIEW_AUDIT_LOGS)
    silent, silent_token = await signed_in(Role.OPERATOR, settings)
    for token in (leaving_token, disabled_token, silent_token):
        assert await signed_in_now(served, token)
    assert payload(await gql(served, AUDIT, token=auditor_token), "auditLogs") is not None

    # the served process really reuses what it verified: a change made behind the services'
    # back (no announcement) is not seen within the lifetime
    await AuthSession.filter(id=await latest_session(silent.id)).update(revoked_at=utcnow())
    assert await signed_in_now(served, silent_token)

    # announced changes are seen on the very next request
    assert (await gql(changer, LOGOUT, token=leaving_token))["data"]["logout"]
    assert not await signed_in_now(served, leaving_token)

    body = await gql(changer, DEACTIVATE, {"id": gid(disabled.id)}, admin)
    assert payload(body, "updateUser")["__typename"] == "UserSuccess", body
    assert not await signed_in_now(served, disabled_token)

    variables: dict[str, Any] = {"id": gid(auditor.id), "permission": "VIEW_AUDIT_LOGS"}
    body = await gql(changer, REVOKE, variables, admin)
    assert payload(body, "revokePermission")["__typename"] == "OkSuccess", body
    assert top_code(await gql(served, AUDIT, token=auditor_token)) == "FORBIDDEN"


async def test_one_server_refuses_announced_changes_on_the_next_request(
    server_a, cached_settings
) -> None:
    await check_refusals(server_a, server_a, cached_settings)


@pytest.mark.mariadb
async def test_a_second_server_process_hears_them_through_redis(
    server_a, cached_settings, database_url, tmp_path: Path
) -> None:
    if not database_url.startswith("mysql://") or not cached_settings.redis_url:
        pytest.skip("needs TEST_DB_URL=mysql://... and TEST_REDIS_URL")
    async with (
        server_process(cached_settings, tmp_path) as other,
        httpx.AsyncClient(base_url=other) as server_b,
    ):
        await check_refusals(server_b, server_a, cached_settings)
