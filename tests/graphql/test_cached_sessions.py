"""The verified-session cache through the real app and its lifespan (on SQLite with the
in-process bus, on MariaDB with Redis): a second request of a session reads no session, user
or grants, and a logout, a deactivation or a change of rights is refused or applied on the very
next request."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gqlkit import gid, payload, signed_in, top_code
from tortoise.transactions import in_transaction

from domcctv.asgi import create_app
from domcctv.config import Settings
from domcctv.domain.access import Permission, Role
from domcctv.models import AuthSession, UserPermission
from domcctv.services import outbox
from domcctv.services.clock import utcnow
from domcctv.services.session_cache import SessionCache
from domcctv.services.sessions import NoticeReason, stage_user_notice

from factories import make_event, make_user
from graphql_client import gql, services_of, token_for
from querycount import count_queries

SEARCH = "{ events(first: 50) { edges { node { plate } } } }"
ME = "{ me { permissions user { role } } }"
AUDIT = "{ auditLogs(first: 1) { edges { node { action } } } }"
LOGOUT = "mutation { logout { __typename } }"
UPDATE_USER = """
mutation($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { __typename ... on Error { code message } }
}"""
GRANT = """
mutation($input: GrantPermissionInput!) {
  grantPermission(input: $input) { __typename ... on Error { code message } }
}"""
REVOKE = """
mutation($id: ID!, $permission: Permission!) {
  revokePermission(userId: $id, permission: $permission) { __typename }
}"""

AUTH_TABLES = re.compile(r"\b(auth_sessions|users|user_permissions)\b")
# The lifespan's background loops (outbox sweeper, inbox) query on their own: not the request's.
BACKGROUND_TABLES = re.compile(r"\b(live_outbox|ingest_inbox|cameras)\b")


def own(statements: list[str]) -> list[str]:
    return [s for s in statements if not BACKGROUND_TABLES.search(s)]


@pytest.fixture
async def served(settings: Settings, db: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The app with its lifespan running (bus started, the cache listening), as served."""
    app = create_app(
        settings.model_copy(
            update={"ingest_consumer_in_process": False, "session_cache_seconds": 30}
        ),
        manage_database=False,
    )
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:  # one task: the lifespan's task group is entered and left here
        async with app.router.lifespan_context(app):
            started.set()
            await stop.wait()

    running = asyncio.get_running_loop().create_task(lifespan())
    try:
        waiter = asyncio.ensure_future(started.wait())
        await asyncio.wait({running, waiter}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        assert started.is_set(), running
        cache = cache_of(app)
        for _ in range(200):
            if cache.following:
                break
            await asyncio.sleep(0.01)
        assert cache.following
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, app
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)


def cache_of(app: Any) -> SessionCache:
    cache = services_of(app).session_cache
    assert cache is not None
    return cache


async def session_of(token: str) -> str:
    return (await AuthSession.all().order_by("-created_at").first()).id  # type: ignore[union-attr]


async def test_a_second_request_of_a_session_reads_no_session_user_or_grants(served, settings):
    api, _ = served
    await make_event()
    _, token = await signed_in(Role.OPERATOR, settings)

    with count_queries() as first:
        assert payload(await gql(api, SEARCH, token=token), "events")["edges"]
    with count_queries() as second:
        assert payload(await gql(api, SEARCH, token=token), "events")["edges"]

    # the first request verified the session (session + user, grants); the second did not
    assert any(AUTH_TABLES.search(s) for s in first.statements), str(first)
    assert not any(AUTH_TABLES.search(s) for s in second.statements), str(second)
    assert len(own(second.statements)) == len(own(first.statements)) - 2, (
        f"first:\n{first}\nsecond:\n{second}"
    )


async def test_logout_is_refused_on_the_very_next_request(served, settings):
    api, app = served
    _, token = await signed_in(Role.OPERATOR, settings)
    assert (await gql(api, ME, token=token))["data"]["me"] is not None
    assert len(cache_of(app)) == 1  # the session is cached

    assert (await gql(api, LOGOUT, token=token))["data"]["logout"]["__typename"] == "OkSuccess"

    assert (await gql(api, ME, token=token))["data"]["me"] is None
    assert top_code(await gql(api, SEARCH, token=token)) == "UNAUTHENTICATED"


async def test_a_deactivated_user_is_refused_on_the_very_next_request(served, settings):
    api, _ = served
    operator, token = await signed_in(Role.OPERATOR, settings)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    assert payload(await gql(api, SEARCH, token=token), "events") is not None

    body = await gql(
        api, UPDATE_USER, {"id": gid("User", operator.id), "input": {"isActive": False}}, admin
    )
    assert payload(body, "updateUser")["__typename"] == "UserSuccess", body

    assert top_code(await gql(api, SEARCH, token=token)) == "UNAUTHENTICATED"


async def test_a_revoked_permission_is_refused_on_the_very_next_request(served, settings):
    api, _ = served
    operator, token = await signed_in(Role.OPERATOR, settings)
    await UserPermission.create(user_id=operator.id, permission=Permission.VIEW_AUDIT_LOGS)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    assert payload(await gql(api, AUDIT, token=token), "auditLogs") is not None  # cached

    body = await gql(
        api, REVOKE, {"id": gid("User", operator.id), "permission": "VIEW_AUDIT_LOGS"}, admin
    )
    assert payload(body, "revokePermission")["__typename"] == "OkSuccess", body

    assert top_code(await gql(api, AUDIT, token=token)) == "FORBIDDEN"


async def test_a_granted_permission_and_a_new_role_apply_on_the_very_next_request(served, settings):
    api, _ = served
    operator, token = await signed_in(Role.OPERATOR, settings)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    assert top_code(await gql(api, AUDIT, token=token)) == "FORBIDDEN"  # cached without it

    variables = {"input": {"userId": gid("User", operator.id), "permission": "VIEW_AUDIT_LOGS"}}
    assert payload(await gql(api, GRANT, variables, admin), "grantPermission")["__typename"] == (
        "GrantSuccess"
    )
    assert payload(await gql(api, AUDIT, token=token), "auditLogs") is not None

    body = await gql(
        api, UPDATE_USER, {"id": gid("User", operator.id), "input": {"role": "SUPERVISOR"}}, admin
    )
    assert payload(body, "updateUser")["__typename"] == "UserSuccess", body
    me = payload(await gql(api, ME, token=token), "me")
    assert me["user"]["role"] == "SUPERVISOR"
    assert "DELETE_EVENTS" in me["permissions"]  # a supervisor default


async def test_a_notice_relayed_by_another_process_drops_the_session(served, settings):
    """The change is made elsewhere (no local hook here): only the bus tells this process."""
    api, app = served
    operator = await make_user(Role.OPERATOR)
    token = await token_for(operator, settings)
    assert (await gql(api, ME, token=token))["data"]["me"] is not None
    session_id = await session_of(token)
    assert cache_of(app).lookup(session_id) is not None

    # revoked in the database, and announced the way another process (or the sweeper) does
    async with in_transaction("default") as conn:
        await AuthSession.filter(id=session_id).using_db(conn).update(revoked_at=utcnow())
        await stage_user_notice(operator.id, NoticeReason.SESSIONS_REVOKED, using_db=conn)
    await outbox.relay(services_of(app).bus)

    for _ in range(200):  # in-process bus: at once; Redis: once the message is back
        if cache_of(app).lookup(session_id) is None:
            break
        await asyncio.sleep(0.01)
    assert (await gql(api, ME, token=token))["data"]["me"] is None


async def test_a_silent_database_change_is_only_bounded_by_the_lifetime(served, settings):
    """What the cache trades: a change made without its notice (never done by the services)
    is seen only when the entry expires. Every service change stages a notice (above)."""
    api, app = served
    operator = await make_user(Role.OPERATOR)
    token = await token_for(operator, settings)
    assert (await gql(api, ME, token=token))["data"]["me"] is not None
    await AuthSession.filter(id=await session_of(token)).update(revoked_at=utcnow())
    assert (await gql(api, ME, token=token))["data"]["me"] is not None  # still cached
    cache_of(app).clear()  # as if its lifetime had ended
    assert (await gql(api, ME, token=token))["data"]["me"] is None


async def test_without_the_lifespan_nothing_is_cached(api, app, settings):
    """An app whose bus and listener are not running never serves a cached session."""
    _, token = await signed_in(Role.OPERATOR, settings)
    await gql(api, ME, token=token)
    with count_queries() as second:
        await gql(api, ME, token=token)
    assert any(AUTH_TABLES.search(s) for s in second.statements), str(second)
    assert len(cache_of(app)) == 0
