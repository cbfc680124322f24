"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): media types, status
codes, request errors, the body limit on a real server, the graphql-http conformance audit, and
the endpoint's production defaults (GraphiQL, anonymous introspection)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from gqlkit import top_error
from graphql import get_introspection_query

from domcctv.asgi import create_app
from domcctv.domain.access import Role
from domcctv.graphql_http import encode_response, negotiate
from domcctv.models import AuthSession

from factories import make_user
from graphql_client import token_for
from live_server import RunningServer, start_server, stop_server

WEB = Path(__file__).resolve().parents[2] / "web"
GRAPHQL_RESPONSE = "application/graphql-response+json"
# What the dashboard sends (web/src/api/client.ts).
DASHBOARD_HEADERS = {
    "content-type": "application/json",
    "accept": "application/graphql-response+json, application/json",
}


async def post(
    api: httpx.AsyncClient, body: Any, accept: str | None = None, **headers: str
) -> httpx.Response:
    sent = {"content-type": "application/json", **headers}
    if accept is not None:
        sent["accept"] = accept
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await api.post("/graphql", content=content, headers=sent)


def mails(settings: Any) -> list[Path]:
    return sorted(Path(settings.mail_outbox_dir).glob("*.eml"))


def code_of(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


# --------------------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0.5, application/json", "application/json"),
        ("application/json;q=0.9, */*;q=0.1", "application/json"),
        ("text/html, application/graphql-response+json;q=0.8, */*;q=0.1", GRAPHQL_RESPONSE),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),
        ("text/html", None),
        ("application/xml, text/csv", None),
        ("application/json;q=0", None),
        ("application/json;q=bogus", None),
    ],
)
def test_media_type_negotiation(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept) == chosen


async def test_graphql_response_json_when_asked(api) -> None:
    response = await post(api, {"query": "{ __typename }"}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_legacy_json_without_accept(api) -> None:
    response = await api.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"content-type": "application/json", "accept": ""},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_bodies_are_compact_utf8_json_in_both_media_types(api, settings, accept) -> None:
    # encoded with orjson: UTF-8 text (not \u escapes), no spaces, the same JSON value
    user = await make_user(Role.OPERATOR, first_name="Ñandú", last_name="Peña")
    token = await token_for(user, settings)
    response = await post(
        api,
        {"query": "{ me { user { firstName lastName } } }"},
        accept=accept,
        authorization=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == accept
    expected = {"data": {"me": {"user": {"firstName": "Ñandú", "lastName": "Peña"}}}}
    assert response.content == json.dumps(
        expected, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    assert response.json() == expected


def test_what_orjson_refuses_is_still_encoded() -> None:
    # a lone surrogate, an integer beyond 64 bits, a non-string key: the standard library's
    # encoding (valid JSON) rather than a 500
    for value in ({"data": {"x": "\ud800"}}, {"data": {"n": 2**70}}, {"data": {1: "a"}}):
        assert json.loads(encode_response(value)) == json.loads(json.dumps(value))
    assert encode_response({"data": {"x": "á"}}) == '{"data":{"x":"á"}}'.encode()


async def test_nothing_acceptable_is_406_and_not_executed(api, settings) -> None:
    user = await make_user(Role.OPERATOR)
    mutation = "mutation($e: String!) { requestPasswordReset(email: $e) { __typename } }"

    response = await post(api, {"query": mutation, "variables": {"e": user.email}}, "text/csv")

    assert response.status_code == 406
    assert response.headers["content-type"] == "application/json"
    assert code_of(response) == "NOT_ACCEPTABLE"
    assert mails(settings) == []  # the mutation never ran


# --------------------------------------------------------------------------- status codes


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ me { user { email }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        # variable coercion (not validation: the documents are valid)
        (
            "query($n: Int!) { events(first: $n) { pageInfo { hasNextPage } } }",
            {"n": "many"},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("query($id: ID!) { node(id: $id) { id } }", {"id": None}, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_request_errors(api, query: str, variables: Any, code: str) -> None:
    body = {"query": query, "variables": variables}

    strict = await post(api, body, accept=GRAPHQL_RESPONSE)
    legacy = await post(api, body, accept="application/json")

    # graphql-response+json: 400 and no data entry; application/json: 200, no data entry either
    assert strict.status_code == 400, strict.text
    assert strict.headers["content-type"] == GRAPHQL_RESPONSE
    assert legacy.status_code == 200, legacy.text
    assert legacy.headers["content-type"] == "application/json"
    for response in (strict, legacy):
        assert "data" not in response.json()
        assert code_of(response) == code


async def test_field_errors_are_200_with_data(api) -> None:
    # anonymous: the field is refused while executing, so the response has a data entry
    body = {"query": "{ me { user { email } } myPreferences { __typename } }"}

    response = await post(api, body, accept=GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert "data" in response.json()
    assert code_of(response) == "UNAUTHENTICATED"


async def test_the_dashboards_headers(api, settings) -> None:
    # web/src/api/client.ts: success is JSON it can read, refusals keep their errors array
    user = await make_user(Role.OPERATOR)
    token = await token_for(user, settings)
    ok = await api.post(
        "/graphql",
        json={"query": "query Me { me { user { email } } }", "operationName": "Me"},
        headers={**DASHBOARD_HEADERS, "authorization": f"Bearer {token}"},
    )
    refused = await api.post(
        "/graphql", json={"query": "query Me { nope }"}, headers=DASHBOARD_HEADERS
    )

    assert ok.status_code == 200
    assert ok.headers["content-type"] == GRAPHQL_RESPONSE
    assert ok.json() == {"data": {"me": {"user": {"email": user.email}}}}
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_mutation_over_get_is_405_and_never_runs(api, settings) -> None:
    user = await make_user(Role.OPERATOR)
    token = await token_for(user, settings)

    response = await api.get(
        "/graphql",
        params={"query": "mutation { logout { __typename } }"},
        headers={"Authorization": f"Bearer {token}", "accept": GRAPHQL_RESPONSE},
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert code_of(response) == "METHOD_NOT_ALLOWED"
    assert await AuthSession.filter(user_id=user.id, revoked_at=None).exists()


async def test_head_is_405_with_allow(api) -> None:
    # (Starlette routes HEAD to the GET route; other methods never reach the view)
    response = await api.head("/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_subscriptions_are_not_served_over_http(api) -> None:
    response = await post(api, {"query": "subscription { eventStream { kind } }"})
    assert response.status_code == 400
    assert "websocket" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("multipart/form-data; boundary=x", 415),
        ("application/json; charset=latin-1", 415),
        ("application/json; charset=UTF-8", 200),
    ],
)
async def test_content_types(api, content_type: str, status: int) -> None:
    response = await api.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers={"content-type": content_type}
    )
    assert response.status_code == status, response.text
    if status == 415:
        assert code_of(response) == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_post_without_content_type_is_refused(api) -> None:
    response = await api.post("/graphql", content=b'{"query": "{ __typename }"}')
    assert response.status_code == 415


@pytest.mark.parametrize("accept", [None, GRAPHQL_RESPONSE])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"query": "{ __typename \xff\xfe }"}', "not valid UTF-8"),
        (b'\xef\xbb\xbf{"query": "{ __typename }"}', "Unable to parse"),  # a BOM is not JSON
        (b'{"query": "{ __typename }", "variables": {"v": ' + b"[" * 10_000, "nested"),
        (b'{"query": "{ __typename }", "extensions": ' + b'{"a":' * 50_000, "nested"),
        (b'{"query": "{ __typename }", "operationName": {"a": 1}}', "operationName"),
        (b'{"query": "{ __typename }", "operationName": 0}', "operationName"),
        (b'{"query": "{ __typename }", "variables": {"n": NaN}}', "NaN is not JSON"),
        (b'{"query": "{ __typename }", "variables": {"n": -Infinity}}', "Infinity is not JSON"),
        (b'{"query": "{ __typename }", "variables": {"n": 1' + b"0" * 5000 + b"}}", "too long"),
        (b'{"query": "{ __typename }", "variables": {"s": "\\ud800"}}', "surrogate"),
        (b'{"query": "{ __typename }", "variables": {"\\udfff": 1}}', "surrogate"),
        (b"[]", "Batching"),
        (b"not json", "Unable to parse"),
    ],
)
async def test_unreadable_bodies_are_400_with_a_code(
    api, body: bytes, message: str, accept: str | None
) -> None:
    response = await post(api, body, accept=accept)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == (accept or "application/json")
    assert code_of(response) == "BAD_REQUEST"
    assert message in response.json()["errors"][0]["message"]


async def test_get_variables_are_bounded_too(api) -> None:
    response = await api.get(
        "/graphql", params={"query": "{ __typename }", "variables": "[" * 5000 + "]" * 5000}
    )
    assert response.status_code == 400
    assert code_of(response) == "BAD_REQUEST"


async def test_a_malformed_content_length_is_400(api) -> None:
    response = await api.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"content-type": "application/json", "content-length": "1e9"},
    )
    assert response.status_code == 400


# --------------------------------------------------------------------------- the real server


@pytest.fixture
async def server(settings, db) -> AsyncIterator[RunningServer]:
    # no Redis: this is about HTTP, and the shared Redis is not ours to flush
    running = await start_server(settings.model_copy(update={"redis_url": None}))
    try:
        yield running
    finally:
        await stop_server(running)


async def raw_request(port: int, head: bytes, chunks: Iterable[bytes]) -> tuple[int, bytes, int]:
    """Send ``head`` then ``chunks`` over a plain socket while reading the response; returns
    (status, body, bytes of the body sent before the response arrived)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    answered = asyncio.Event()

    async def send() -> None:
        nonlocal sent
        writer.write(head)
        try:
            for chunk in chunks:
                if answered.is_set():
                    return
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        except (ConnectionError, OSError):
            return  # the server answered and closed: expected

    sender = asyncio.create_task(send())
    try:
        status_line = await asyncio.wait_for(reader.readline(), timeout=15)
        answered.set()
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    finally:
        answered.set()
        sender.cancel()
        writer.close()
    return int(status_line.split()[1]), body, sent


async def test_a_declared_50_mb_body_is_refused_without_reading_it(server) -> None:
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 50000000\r\n\r\n"
    )
    # no body is sent at all: the answer cannot depend on reading it
    status, body, _ = await raw_request(server.port, head, [])

    assert status == 413
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_chunked_body_is_cut_at_the_limit(server, settings) -> None:
    limit = settings.graphql_max_body_bytes
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"a" * 65_536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    # just over the limit, and never the terminating chunk: without the limit the server would
    # wait for the rest forever
    count = limit // len(piece) + 2
    status, body, _ = await raw_request(server.port, head, [chunk] * count)

    assert status == 413
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_the_graphql_http_audit_passes_without_warnings(server) -> None:
    node = shutil.which("node")
    assert node, "node is needed for the GraphQL-over-HTTP audit"
    assert (WEB / "node_modules" / "graphql-http").is_dir(), "run: npm --prefix web ci"

    process = await asyncio.create_subprocess_exec(
        node,
        str(WEB / "scripts" / "graphql-http-audit.mjs"),
        f"{server.http}/graphql",
        cwd=WEB,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=90)

    assert out, err.decode()
    summary = json.loads(out)
    not_ok = [r for r in summary["results"] if r["status"] != "ok"]
    assert not_ok == []
    assert (summary["error"], summary["warn"], summary["notice"]) == (0, 0, 0)
    assert summary["ok"] >= 61
    assert process.returncode == 0


# --------------------------------------------------------------------------- production defaults


@pytest.fixture
async def production(settings, db) -> AsyncIterator[Any]:
    """Builds the API as in production (with setting overrides)."""
    clients: list[httpx.AsyncClient] = []

    def build(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(
            settings.model_copy(update={"app_env": "production", **overrides}),
            manage_database=False,
        )
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
INTROSPECT = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Event") { name } }'


async def test_graphiql_is_served_in_development_and_test(api) -> None:
    response = await api.get("/graphql", headers=BROWSER)
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_graphiql_is_off_in_production_unless_enabled(production) -> None:
    off = await production().get("/graphql", headers=BROWSER)
    on = await production(graphiql=True).get("/graphql", headers=BROWSER)

    assert off.status_code == 404
    assert off.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert on.status_code == 200
    assert "graphiql" in on.text.lower()


async def test_graphiql_can_be_turned_off_in_development(settings, db) -> None:
    app = create_app(settings.model_copy(update={"graphiql": False}), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/graphql", headers=BROWSER)).status_code == 404


async def test_anonymous_introspection_is_refused_in_production(production, settings) -> None:
    api = production()
    token = await token_for(await make_user(Role.CLIENT_USER), settings)
    signed_in = {"Authorization": f"Bearer {token}"}

    for document in (INTROSPECT, TYPE, INTROSPECT):  # twice: the validation cache must not leak
        anonymous = (await api.post("/graphql", json={"query": document})).json()
        error = top_error(anonymous)
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "introspection has been disabled" in error["message"]
        # a signed-in user may always introspect (any role)
        allowed = (await api.post("/graphql", json={"query": document}, headers=signed_in)).json()
        assert "errors" not in allowed, allowed

    typename = (await api.post("/graphql", json={"query": "{ __typename }"})).json()
    assert typename == {"data": {"__typename": "Query"}}


async def test_anonymous_introspection_can_be_enabled_in_production(production) -> None:
    body = (
        await production(graphql_anonymous_introspection=True).post(
            "/graphql", json={"query": INTROSPECT}
        )
    ).json()
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_anonymous_introspection_is_allowed_in_development_and_test(api) -> None:
    body = (await api.post("/graphql", json={"query": get_introspection_query()})).json()
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
