"""Protective limits (depth, aliases, tokens), the validation cache, GraphQL-over-HTTP basics
and the masking of unexpected errors."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from gqlkit import gid, signed_in, top_error
from strawberry.extensions.validation_cache import _get_validate_cache

from domcctv.asgi import create_app
from domcctv.domain.access import Role
from domcctv.models import AuditLog, AuthSession

from factories import make_company, make_event
from graphql_client import gql

ME = "{ me { user { email } } }"


@pytest.fixture
async def shallow_api(settings, db) -> AsyncIterator[httpx.AsyncClient]:
    """The API built with a depth limit of 3 (the real schema cannot nest 13 levels)."""
    app = create_app(settings.model_copy(update={"graphql_max_depth": 3}), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_depth_limit(shallow_api, settings) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)
    # depth counts from 0 at the root field: events=0 edges=1 node=2 plate=3
    at_limit = "{ events { edges { node { plate } } } }"
    too_deep = "{ events { edges { node { company { name } } } } }"

    assert "errors" not in await gql(shallow_api, at_limit, token=token)
    error = top_error(await gql(shallow_api, too_deep, token=token))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in error["message"]


async def test_depth_limit_counts_through_fragments(shallow_api, settings) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)
    query = """
    query { events { ...E } }
    fragment E on EventConnection { edges { node { company { name } } } }"""
    assert top_error(await gql(shallow_api, query, token=token))["extensions"]["code"] == (
        "GRAPHQL_VALIDATION_FAILED"
    )


async def test_the_default_depth_limit_is_configured(api, settings) -> None:
    assert settings.graphql_max_depth == 12
    _, token = await signed_in(Role.OPERATOR, settings)
    deepest = """{ events { edges { node { metadata { createdBy { company { primaryContact {
      name } } } } } } } }"""
    assert "errors" not in await gql(api, deepest, token=token)


async def test_alias_limit(api, settings) -> None:
    assert settings.graphql_max_aliases == 20
    ok = "{ " + " ".join(f"a{i}: me {{ __typename }}" for i in range(20)) + " }"
    too_many = "{ " + " ".join(f"a{i}: me {{ __typename }}" for i in range(21)) + " }"

    assert "errors" not in await gql(api, ok)
    error = top_error(await gql(api, too_many))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "aliases" in error["message"]


async def test_token_limit(api, settings) -> None:
    assert settings.graphql_max_tokens == 4000
    ok = "{ " + "__typename " * 300 + "}"
    too_long = "{ " + "__typename " * 4100 + "}"

    assert "errors" not in await gql(api, ok)
    error = top_error(await gql(api, too_long))
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "4000 tokens" in error["message"]


async def test_syntax_errors_carry_a_code(api) -> None:
    error = top_error(await gql(api, "{ me { user { email }"))
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "Syntax Error" in error["message"]


async def test_unknown_fields_carry_a_code(api) -> None:
    error = top_error(await gql(api, "{ nope }"))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_validation_is_cached_across_requests(api, settings) -> None:
    # given a query text never seen before in this process
    _, token = await signed_in(Role.OPERATOR, settings)
    query = f"query Probe_{uuid.uuid4().hex} {{ me {{ user {{ email }} }} }}"
    cache = _get_validate_cache(256)
    start = cache.cache_info()

    # when it is sent twice
    first = await gql(api, query, token=token)
    after_first = cache.cache_info()
    second = await gql(api, query, token=token)
    after_second = cache.cache_info()

    # then it was validated once: a miss, then a hit
    assert first == second
    assert after_first.misses == start.misses + 1
    assert after_second.misses == after_first.misses
    assert after_second.hits == after_first.hits + 1


# --------------------------------------------------------------------------- GraphQL over HTTP


async def test_get_runs_a_query(api, settings) -> None:
    user, token = await signed_in(Role.OPERATOR, settings)
    response = await api.get(
        "/graphql", params={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"user": {"email": user.email}}}}


async def test_get_passes_variables_as_json(api, settings) -> None:
    company = await make_company(name="Andes")
    _, token = await signed_in(Role.OPERATOR, settings)
    response = await api.get(
        "/graphql",
        params={
            "query": "query($id: ID!) { company(id: $id) { name } }",
            "variables": f'{{"id": "{gid("Company", company.id)}"}}',
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json() == {"data": {"company": {"name": "Andes"}}}


async def test_post_json(api) -> None:
    response = await api.post(
        "/graphql", json={"query": ME}, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"me": None}}


async def test_a_mutation_over_get_is_rejected_and_not_run(api, settings) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)
    response = await api.get(
        "/graphql",
        params={"query": "mutation { logout { __typename } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 405)
    assert (await AuthSession.get()).revoked_at is None  # the logout did not happen


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2",
        b'{"query": 42}',
        b'{"query": null}',
        b"[]",
        b'{"query": "{ me { __typename } }", "variables": "x"}',
        b'"just a string"',
        b"42",
        b"null",
    ],
)
async def test_malformed_bodies_are_400_not_500(api, body: bytes) -> None:
    response = await api.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text


async def test_a_missing_query_is_400(api) -> None:
    response = await api.post("/graphql", json={"variables": {}})
    assert response.status_code == 400


async def test_other_methods_are_405(api) -> None:
    assert (await api.put("/graphql", json={"query": ME})).status_code == 405
    assert (await api.delete("/graphql")).status_code == 405


async def test_an_unexpected_exception_is_masked(api, settings, caplog) -> None:
    # given an event whose stored camera payload is corrupt (written by some other process)
    event = await make_event(
        await make_company(),
        "HJKL42",
        primary_camera={"code": "CAM-1", "readAt": "yesterday-ish", "pictures": []},
    )
    _, token = await signed_in(Role.OPERATOR, settings)

    # when it is read
    body = await gql(
        api, "query($id: ID!) { event(id: $id) { plate } }", {"id": gid("Event", event.id)}, token
    )

    # then the client gets a generic error with a request id, not the internals
    error = top_error(body)
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    assert request_id in error["message"]
    assert "yesterday" not in str(body)
    assert "isoformat" not in str(body).lower()
    assert body["data"] == {"event": None}
    # and the traceback is logged under the same id for support
    assert any(request_id in r.getMessage() for r in caplog.records)
    assert await AuditLog.filter(action="VIEW_EVENT").exists()
