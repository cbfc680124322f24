"""Live subscriptions are bound to the session they authenticated with, and every pushed
message is resolved with fresh DataLoaders shared per scope.

Everything runs over real websockets against the real app on uvicorn (graphql-transport-ws,
spoken by the spec-based client in tests/gql_ws.py); sessions are ended through the real
GraphQL mutations over HTTP. Close codes: 4403 = the session is over (revoked, account
disabled), 4401 = re-authenticate (token expired, rights changed).
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.routing import WebSocketRoute
from tortoise.transactions import in_transaction
from websockets.asyncio.client import ClientConnection

from domcctv.config import Settings
from domcctv.domain.access import Permission, Role
from domcctv.graphql_view import DomcctvGraphQL
from domcctv.infra.bus import RedisBus, create_redis
from domcctv.models import (
    AuthSession,
    Company,
    Event,
    LiveOutbox,
    PasswordResetToken,
    User,
    UserPermission,
)
from domcctv.services import auth as auth_service
from domcctv.services import outbox
from domcctv.services.auth import RequestInfo, _open_session
from domcctv.services.clock import utcnow
from domcctv.services.live import stage_event_change
from domcctv.services.security import AccessTokens, token_digest
from domcctv.services.sessions import SESSIONS_CHANNEL, NoticeReason, stage_user_notice
from resolvers.push_loaders import PushLoaders
from schema.relay import to_global_id

from factories import PASSWORD, make_company, make_event, make_user, make_vehicle
from gql_ws import closed_with, expect_ack, next_payload, open_session, ping, subscribe
from graphql_client import gql, token_for
from live_server import RunningServer, free_port, server_process, wait_for
from querycount import count_queries

STREAM = "subscription { eventStream { kind event { id plate } } }"
ALERTS = "subscription { watchlistAlerts { watchedPlate event { plate } } }"
CLOSE_TIMEOUT = 6.0  # generous: a relay is immediate, the token deadlines below are 2 s


def graphql_view(server: RunningServer) -> DomcctvGraphQL:
    """The running app's GraphQL view (its connection registry and services)."""
    for route in server.server.config.app.routes:
        if isinstance(route, WebSocketRoute) and isinstance(route.endpoint, DomcctvGraphQL):
            return route.endpoint
    raise AssertionError("no GraphQL websocket route")


async def connect(server: RunningServer, token: str, *queries: str) -> ClientConnection:
    """An acknowledged connection with the given subscriptions registered on the bus."""
    ws = await open_session(server.ws, token)
    await expect_ack(ws)
    for n, query in enumerate(queries, start=1):
        await subscribe(ws, str(n), query)
    await asyncio.sleep(0.2)  # let the subscriptions register on the bus
    return ws


async def session_token(
    user: User, settings: Settings, ttl_seconds: int | None = None
) -> tuple[str, int, str]:
    """(access token, its expiry, session id) of a new session; optionally short-lived."""
    tokens = AccessTokens(
        settings.jwt_secret.get_secret_value(), ttl_seconds or settings.access_token_ttl_seconds
    )
    pair = await _open_session(user, settings, tokens, RequestInfo("127.0.0.1", "tests"))
    return pair.access_token, pair.access_expires_at, pair.session_id


def token_of(settings: Settings, user_id: int, session_id: str, ttl_seconds: int) -> str:
    tokens = AccessTokens(settings.jwt_secret.get_secret_value(), ttl_seconds)
    return tokens.issue(user_id, session_id)[0]


async def receives_push(ws: ClientConnection, plate: str) -> None:
    payload = await asyncio.wait_for(next_payload(ws), timeout=5)
    assert payload["data"]["eventStream"]["event"]["plate"] == plate


async def push_event(server: RunningServer, event: Event, kind: str = "UPDATED") -> None:
    """Announce an event change the way services do: staged in a transaction, relayed after."""
    async with (
        outbox.delivering(graphql_view(server).services.bus),
        in_transaction("default") as conn,
    ):
        await stage_event_change(kind, event, using_db=conn)


async def post(server: RunningServer, query: str, variables: dict[str, Any], token: str | None):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=server.http) as api:
        return await gql(api, query, variables, token)


# ------------------------------------------------------------------ revocation closes (4403)


async def test_logout_closes_that_sessions_connection_only(server, site, settings) -> None:
    company = await make_company(name="Andes")
    await make_vehicle(company, "HJKL42")
    operator, colleague = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    mine = await token_for(operator, settings)
    ws = await connect(server, mine, STREAM, ALERTS)
    other_session = await connect(server, await token_for(operator, settings), STREAM)
    other_user = await connect(server, await token_for(colleague, settings), STREAM)
    try:
        result = await post(server, "mutation { logout { __typename } }", {}, mine)
        assert result["data"]["logout"]["__typename"] == "OkSuccess"
        code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
        assert (code, reason) == (4403, "TOKEN_REVOKED")
        # The same user's other session and other users keep streaming.
        await site.cameras[0].emit_read(plate="HJKL42")
        await receives_push(other_session, "HJKL42")
        await receives_push(other_user, "HJKL42")
        assert len(graphql_view(server).connections) == 2
        # The revoked token cannot open a new connection either.
        again = await open_session(server.ws, mine)
        code, _, _ = await asyncio.wait_for(closed_with(again), CLOSE_TIMEOUT)
        assert code == 4403
    finally:
        await other_session.close()
        await other_user.close()
    # Nothing is left behind: no registered connection, no notice listener on the bus.
    await wait_for(lambda: _idle(graphql_view(server).connections))


async def _idle(registry: Any) -> bool:
    return len(registry) == 0 and not registry.listening


async def test_deactivating_a_user_closes_its_connections(server, settings) -> None:
    admin = await make_user(Role.ADMINISTRATOR)
    operator = await make_user(Role.OPERATOR)
    first = await connect(server, await token_for(operator, settings), STREAM)
    second = await connect(server, await token_for(operator, settings), ALERTS)
    result = await post(
        server,
        "mutation($id: ID!) { updateUser(id: $id, input: {isActive: false}) { __typename } }",
        {"id": to_global_id("User", operator.id)},
        await token_for(admin, settings),
    )
    assert result["data"]["updateUser"]["__typename"] == "UserSuccess", result
    for ws in (first, second):
        code, _, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
        assert code == 4403


async def test_password_change_closes_the_other_sessions_connections(
    server, site, settings
) -> None:
    company = await make_company(name="Andes")
    await make_vehicle(company, "HJKL42")
    operator = await make_user(Role.OPERATOR)
    current = await token_for(operator, settings)
    here = await connect(server, current, STREAM)
    elsewhere = await connect(server, await token_for(operator, settings), STREAM)
    try:
        result = await post(
            server,
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, "
            "newPassword: $n) { __typename } }",
            {"c": PASSWORD, "n": "Another-Horse-77"},
            current,
        )
        assert result["data"]["changePassword"]["__typename"] == "OkSuccess", result
        code, reason, _ = await asyncio.wait_for(closed_with(elsewhere), CLOSE_TIMEOUT)
        assert (code, reason) == (4403, "TOKEN_REVOKED")
        await site.cameras[0].emit_read(plate="HJKL42")
        await receives_push(here, "HJKL42")  # the session that changed it stays
    finally:
        await here.close()


async def test_password_reset_closes_every_connection(server, settings) -> None:
    operator = await make_user(Role.OPERATOR)
    ws = await connect(server, await token_for(operator, settings), STREAM)
    await PasswordResetToken.create(
        user_id=operator.id,
        token_hash=token_digest("reset-token-for-test"),
        expires_at=utcnow() + timedelta(hours=1),
    )
    result = await post(
        server,
        "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) "
        "{ __typename } }",
        {"t": "reset-token-for-test", "p": "Another-Horse-77"},
        None,
    )
    assert result["data"]["resetPassword"]["__typename"] == "OkSuccess", result
    code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
    assert (code, reason) == (4403, "TOKEN_REVOKED")


async def test_refresh_token_replay_closes_the_stolen_sessions_connections(
    server, settings
) -> None:
    await make_user(Role.OPERATOR, email="op-replay@dom.cl")
    login = await post(
        server,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename "
        "... on AuthSuccess { refreshToken } } }",
        {"e": "op-replay@dom.cl", "p": PASSWORD},
        None,
    )
    first_refresh = login["data"]["login"]["refreshToken"]
    refresh = (
        "mutation($t: String!) { refreshToken(refreshToken: $t) { __typename "
        "... on AuthSuccess { accessToken } ... on Error { code } } }"
    )
    rotated = await post(server, refresh, {"t": first_refresh}, None)
    ws = await connect(server, rotated["data"]["refreshToken"]["accessToken"], STREAM)
    replay = await post(server, refresh, {"t": first_refresh}, None)
    assert replay["data"]["refreshToken"]["code"] == "TOKEN_REVOKED"
    code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
    assert (code, reason) == (4403, "TOKEN_REVOKED")


async def test_a_notice_the_bus_failed_to_publish_is_delivered_by_the_sweeper(
    server, settings
) -> None:
    """Logout while the bus is unreachable: the notice was committed with the revocation,
    so the outbox sweeper publishes it later and the connection still closes."""
    operator = await make_user(Role.OPERATOR)
    token = await token_for(operator, settings)
    ws = await connect(server, token, STREAM)
    actor = await auth_service.authenticate(
        token, tokens=graphql_view(server).services.tokens, info=RequestInfo()
    )
    dead_redis = create_redis(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        async with outbox.delivering(RedisBus(dead_redis, settings.redis_namespace)):
            await auth_service.logout(actor)
    finally:
        await dead_redis.aclose()
    unpublished = LiveOutbox.filter(channel=SESSIONS_CHANNEL, published_at__isnull=True)
    assert await unpublished.count() == 1
    code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
    assert (code, reason) == (4403, "TOKEN_REVOKED")
    assert await unpublished.count() == 0


# ------------------------------------------------------------------ rights change (4401)


async def test_a_rights_change_closes_with_4401_and_an_unchanged_user_keeps_streaming(
    server, settings
) -> None:
    company = await make_company(name="Andes")
    changed, unchanged = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    for user in (changed, unchanged):
        await UserPermission.create(user_id=user.id, permission=Permission.EXPORT_DATA)
    ws_changed = await connect(server, await token_for(changed, settings), STREAM)
    ws_unchanged = await connect(server, await token_for(unchanged, settings), STREAM)
    bus = graphql_view(server).services.bus
    try:
        # A notice about a user whose rights did not change: its connection re-checks, stays.
        async with outbox.delivering(bus), in_transaction("default") as conn:
            await stage_user_notice(unchanged.id, NoticeReason.RIGHTS_CHANGED, using_db=conn)
        # A grant revoked with its notice (as a service does): reconnect with fresh rights.
        async with outbox.delivering(bus), in_transaction("default") as conn:
            await UserPermission.filter(user_id=changed.id).using_db(conn).delete()
            await stage_user_notice(changed.id, NoticeReason.RIGHTS_CHANGED, using_db=conn)
        code, reason, _ = await asyncio.wait_for(closed_with(ws_changed), CLOSE_TIMEOUT)
        assert (code, reason) == (4401, "RIGHTS_CHANGED")
        assert graphql_view(server).connections.notices_seen >= 2
        await asyncio.sleep(0.3)  # the unchanged user's re-check has long finished
        await push_event(server, await make_event(company, plate="KBWZ93"))
        await receives_push(ws_unchanged, "KBWZ93")
    finally:
        await ws_unchanged.close()


async def test_grant_revoke_and_role_change_mutations_close_with_4401(server, settings) -> None:
    """The permission and user services stage the rights notice themselves."""
    admin = await make_user(Role.ADMINISTRATOR)
    admin_token = await token_for(admin, settings)
    target = await make_user(Role.OPERATOR)
    target_id = to_global_id("User", target.id)
    grant = """mutation($input: GrantPermissionInput!) { grantPermission(input: $input) {
        __typename } }"""
    revoke = """mutation($u: ID!, $p: Permission!) { revokePermission(userId: $u, permission: $p) {
        __typename } }"""
    role = (
        """mutation($id: ID!) { updateUser(id: $id, input: {role: SUPERVISOR}) { __typename } }"""
    )
    changes: list[tuple[str, dict[str, Any]]] = [
        (grant, {"input": {"userId": target_id, "permission": "EXPORT_DATA"}}),
        (revoke, {"u": target_id, "p": "EXPORT_DATA"}),
        (role, {"id": target_id}),
    ]
    for query, variables in changes:
        ws = await connect(server, await token_for(target, settings), STREAM)
        body = await post(server, query, variables, admin_token)
        assert "errors" not in body, body
        code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
        assert (code, reason) == (4401, "RIGHTS_CHANGED")


async def test_archived_events_are_pushed_only_to_who_may_see_them(server, settings) -> None:
    """The archived-visibility rule of search and event(id) holds for live pushes too."""
    from domcctv.domain.lifecycle import EventStatus

    company = await make_company(name="Andes")
    operator = await make_user(Role.OPERATOR)  # no ADVANCED_SEARCH
    supervisor = await make_user(Role.SUPERVISOR)
    ws_operator = await connect(server, await token_for(operator, settings), STREAM)
    ws_supervisor = await connect(server, await token_for(supervisor, settings), STREAM)
    try:
        archived = await make_event(company, plate="HJKL42", status=EventStatus.ARCHIVED)
        await push_event(server, archived)
        await receives_push(ws_supervisor, "HJKL42")
        await push_event(server, await make_event(company, plate="KBWZ93"))
        await receives_push(ws_operator, "KBWZ93")  # the archived one never came first
    finally:
        await ws_operator.close()
        await ws_supervisor.close()


# ------------------------------------------------------------------ token expiry (4401)


async def test_the_stream_closes_with_4401_when_its_token_expires(server, settings) -> None:
    operator = await make_user(Role.OPERATOR)
    token, expires_at, _ = await session_token(operator, settings, ttl_seconds=2)
    ws = await open_session(server.ws, token)
    ack = await expect_ack(ws)
    await subscribe(ws, "1", STREAM)
    code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
    assert (code, reason) == (4401, "TOKEN_EXPIRED")
    assert ack == {"expiresAt": expires_at}  # so a client knows when to re-authenticate


async def test_a_ping_with_a_fresh_token_extends_the_deadline(server, site, settings) -> None:
    company = await make_company(name="Andes")
    await make_vehicle(company, "HJKL42")
    operator = await make_user(Role.OPERATOR)
    token, _, session_id = await session_token(operator, settings, ttl_seconds=2)
    ws = await connect(server, token, STREAM)
    try:
        fresh = AccessTokens(settings.jwt_secret.get_secret_value(), 60)
        fresh_token, fresh_expiry = fresh.issue(operator.id, session_id)
        pong = await ping(ws, {"authorization": f"Bearer {fresh_token}"})
        assert pong == {"expiresAt": fresh_expiry}
        await asyncio.sleep(2.5)  # past the first token's expiry
        await site.cameras[0].emit_read(plate="HJKL42")
        await receives_push(ws, "HJKL42")
        assert await ping(ws) is None  # a plain keep-alive ping stays a plain pong
    finally:
        await ws.close()


async def test_an_expired_token_at_connection_init_gets_4401(server, settings) -> None:
    operator = await make_user(Role.OPERATOR)
    _, _, session_id = await session_token(operator, settings)
    ws = await open_session(server.ws, token_of(settings, operator.id, session_id, -60))
    code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
    assert (code, reason) == (4401, "TOKEN_EXPIRED")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("another-user", (4403, "WRONG_USER")),
        ("garbage", (4403, "TOKEN_INVALID")),
        ("revoked-session", (4403, "TOKEN_REVOKED")),
        ("expired", None),
    ],
)
async def test_a_ping_with_a_bad_token_never_extends_the_deadline(
    server, settings, case, expected
) -> None:
    operator, colleague = await make_user(Role.OPERATOR), await make_user(Role.OPERATOR)
    token, _, session_id = await session_token(operator, settings, ttl_seconds=30)
    ws = await connect(server, token, STREAM)
    if case == "another-user":
        presented = await token_for(colleague, settings)
    elif case == "garbage":
        presented = "not-a-jwt"
    elif case == "revoked-session":
        _, _, old_session = await session_token(operator, settings)
        await AuthSession.filter(id=old_session).update(revoked_at=utcnow())
        presented = token_of(settings, operator.id, old_session, 60)
    else:
        presented = token_of(settings, operator.id, session_id, -60)
    if expected is None:
        # A stale token changes nothing: plain pong, connection still open, same deadline.
        assert await ping(ws, {"authorization": f"Bearer {presented}"}) is None
        assert await ping(ws) is None
        await ws.close()
        return
    await ws.send('{"type": "ping", "payload": {"authorization": "Bearer ' + presented + '"}}')
    code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
    assert (code, reason) == expected


# ------------------------------------------------------------------ fresh loaders per message


DOCUMENTED_STREAM = """subscription { eventStream { kind event { id plate
  metadata { guideNumber } plateCorrections { fromPlate toPlate } } } }"""


async def test_pushed_metadata_and_corrections_are_fresh_on_every_message(
    server, site, settings
) -> None:
    company = await make_company(name="Andes")
    await make_vehicle(company, "HJKL42")
    operator = await make_user(Role.OPERATOR)
    token = await token_for(operator, settings)
    ws = await connect(server, token, DOCUMENTED_STREAM)
    try:
        await site.cameras[0].emit_read(plate="HJKL42")
        created = (await asyncio.wait_for(next_payload(ws), 5))["data"]["eventStream"]
        assert created["kind"] == "CREATED"
        assert created["event"]["metadata"] is None
        assert created["event"]["plateCorrections"] == []
        documented = await post(
            server,
            "mutation($id: ID!) { documentEvent(eventId: $id, input: {guideNumber: "
            '"GD-777"}) { __typename } }',
            {"id": created["event"]["id"]},
            token,
        )
        assert documented["data"]["documentEvent"]["__typename"] == "EventSuccess", documented
        updated = (await asyncio.wait_for(next_payload(ws), 5))["data"]["eventStream"]
        assert updated["kind"] == "UPDATED"
        assert updated["event"]["metadata"] == {"guideNumber": "GD-777"}
        corrected = await post(
            server,
            'mutation($id: ID!) { correctEventPlate(eventId: $id, plate: "HJKL43", '
            'reason: "misread") { __typename } }',
            {"id": created["event"]["id"]},
            token,
        )
        assert corrected["data"]["correctEventPlate"]["__typename"] == "EventSuccess"
        again = (await asyncio.wait_for(next_payload(ws), 5))["data"]["eventStream"]
        assert again["event"]["plateCorrections"] == [{"fromPlate": "HJKL42", "toPlate": "HJKL43"}]
    finally:
        await ws.close()


NESTED_STREAM = "subscription { eventStream { event { id company { name } } } }"
SCALAR_STREAM = "subscription { eventStream { kind event { id plate } } }"
COMPANY_QUERY = re.compile(r"""FROM\s+[`"]?companies[`"]?""", re.IGNORECASE)


async def test_one_query_per_message_and_scope_whatever_the_subscriber_count(
    server, settings
) -> None:
    """Five subscribers select the event's company: staff share one loader set per message,
    the company's client users another, so each push costs two company queries (not five),
    reads the current name, and subscribers that select no nested field add no query."""
    company = await make_company(name="Andes")
    staff = [await make_user(Role.OPERATOR) for _ in range(3)]
    clients = [await make_user(Role.CLIENT_USER, company=company) for _ in range(2)]
    nested = [
        await connect(server, await token_for(user, settings), NESTED_STREAM)
        for user in staff + clients
    ]
    scalar = [
        await connect(
            server, await token_for(await make_user(Role.OPERATOR), settings), SCALAR_STREAM
        )
        for _ in range(2)
    ]
    event = await make_event(company, plate="KBWZ93")
    try:
        for name in ("Andes", "Andes Renamed"):
            await Company.filter(id=company.id).update(name=name)
            with count_queries() as log:
                await push_event(server, event)
                names = [
                    (await asyncio.wait_for(next_payload(ws), 5))["data"]["eventStream"]["event"][
                        "company"
                    ]["name"]
                    for ws in nested
                ]
                for ws in scalar:
                    await asyncio.wait_for(next_payload(ws), 5)
            assert names == [name] * 5
            company_queries = [s for s in log.statements if COMPANY_QUERY.search(s)]
            assert len(company_queries) == 2, log
    finally:
        for ws in nested + scalar:
            await ws.close()


async def test_shared_push_loaders_are_prefetched_and_one_subscriber_cannot_cancel_another(
    db, settings
) -> None:
    """Two subscriptions of one scope share the message's loaders: the prefetched field is
    ready before execution (no suspension inside it), and a subscriber cancelled while a
    shared load is in flight does not cancel the load the other one is waiting for."""
    company = await make_company(name="Andes")
    author = await make_user(Role.OPERATOR)
    event = await make_event(company, plate="KBWZ93")
    _, _, session_id = await session_token(author, settings)
    first_actor = await auth_service.session_actor(session_id, author.id, RequestInfo())
    message = {"type": "event", "event": {"id": event.id, "company_id": company.id}}
    views = [PushLoaders(first_actor, frozenset({"company"})) for _ in range(2)]
    for view in views:
        await view.enter(message)
    assert views[0].current is views[1].current  # one set of loaders per message and scope
    ready = views[0].loaders.company_by_id.load(company.id)
    assert isinstance(ready, asyncio.Future)
    assert ready.done()
    assert (await ready).name == "Andes"
    # Not prefetched (a second-level field): both wait on one shared load; cancel one waiter.
    waiting = [
        asyncio.ensure_future(_await(view.loaders.user_by_id.load(author.id))) for view in views
    ]
    await asyncio.sleep(0)
    waiting[0].cancel()
    user = await asyncio.wait_for(waiting[1], 5)
    assert user is not None
    assert user.id == author.id


async def _await(awaitable: Any) -> Any:
    return await awaitable


# ------------------------------------------------------------------ across processes


@pytest.mark.mariadb
async def test_logout_on_one_process_closes_the_connection_on_another(
    server, settings, database_url, tmp_path
) -> None:
    if not database_url.startswith("mysql://") or not settings.redis_url:
        pytest.skip("needs TEST_DB_URL=mysql://... and TEST_REDIS_URL")
    operator = await make_user(Role.OPERATOR)
    token = await token_for(operator, settings)
    async with server_process(settings, tmp_path) as other:
        ws = await open_session(other.replace("http", "ws") + "/graphql", token)
        await expect_ack(ws)
        await subscribe(ws, "1", STREAM)
        await asyncio.sleep(0.3)
        result = await post(server, "mutation { logout { __typename } }", {}, token)  # process A
        assert result["data"]["logout"]["__typename"] == "OkSuccess"
        code, reason, _ = await asyncio.wait_for(closed_with(ws), CLOSE_TIMEOUT)
        assert (code, reason) == (4403, "TOKEN_REVOKED")
