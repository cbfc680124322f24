"""Protective limits (depth, aliases, tokens), the validation cache, GraphQL-over-HTTP basics,
error codes, the masking of unexpected errors and what gets logged."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import strawberry
from gqlkit import gid, signed_in, top_error
from graphql import GraphQLError
from strawberry.extensions.validation_cache import _get_validate_cache

from domcctv.asgi import create_app
from domcctv.domain.access import Role
from domcctv.domain.errors import NotFound
from domcctv.models import AuditLog, AuthSession
from resolvers.errors import DomcctvSchema, ErrorPolicy

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
    # given an event whose stored video list is corrupt (written by some other process)
    event = await make_event(
        await make_company(),
        "HJKL42",
        documentary_videos=[{"cameraId": "CAM-1", "filename": "a.mp4", "size": "yesterday-ish"}],
    )
    _, token = await signed_in(Role.OPERATOR, settings)

    # when it is read (the videos are built only when selected)
    query = "query($id: ID!) { event(id: $id) { plate documentaryVideos { sizeBytes } } }"
    body = await gql(api, query, {"id": gid("Event", event.id)}, token)

    # then the client gets a generic error with a request id, not the internals
    error = top_error(body)
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    assert request_id in error["message"]
    assert "yesterday" not in str(body)
    assert "int()" not in str(body)
    assert body["data"] == {"event": None}
    # and the traceback is logged once, under the same id, for support
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].levelname == "ERROR"
    assert logged[0].exc_info is not None
    assert await AuditLog.filter(action="VIEW_EVENT").exists()


async def test_an_unserialisable_output_is_masked_not_blamed_on_the_client(
    api, settings, caplog
) -> None:
    # given a stored value a GraphQL Float cannot carry
    event = await make_event(
        await make_company(),
        "HJKL42",
        documentary_videos=[{"cameraId": "CAM-1", "filename": "a.mp4", "duration": "inf"}],
    )
    _, token = await signed_in(Role.OPERATOR, settings)

    body = await gql(
        api,
        "query($id: ID!) { event(id: $id) { documentaryVideos { durationSeconds } } }",
        {"id": gid("Event", event.id)},
        token,
    )

    # then it is a server error with a request id (was GRAPHQL_VALIDATION_FAILED: the original
    # error of a serialisation failure is a GraphQLError too)
    error = top_error(body)
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["path"] == ["event", "documentaryVideos", 0, "durationSeconds"]
    assert "inf" not in error["message"]
    request_id = error["extensions"]["requestId"]
    assert any(
        request_id in r.getMessage() and r.levelname == "ERROR" and r.exc_info
        for r in caplog.records
    )


# --------------------------------------------------------------------------- error policy


def _policy_schema() -> strawberry.Schema:
    """A tiny schema run through the real error policy (DomcctvSchema + ErrorPolicy)."""

    @strawberry.type
    class Probe:
        @strawberry.field(description="A Float no client can receive.")
        def infinite(self) -> float:
            return float("inf")

        @strawberry.field(description="A refusal with a code.")
        def refused(self) -> int:
            raise GraphQLError("Requires permission X", extensions={"code": "FORBIDDEN"})

        @strawberry.field(description="A domain error.")
        def missing(self) -> int:
            raise NotFound("No such thing")

        @strawberry.field(description="A bug.")
        def broken(self) -> int:
            raise KeyError("internal detail")

        @strawberry.field(description="Echoes an Int argument.")
        def echo(self, n: int) -> int:
            return n

    return DomcctvSchema(query=Probe, extensions=[ErrorPolicy])


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ infinite }", None, "INTERNAL_SERVER_ERROR"),
        ("{ broken }", None, "INTERNAL_SERVER_ERROR"),
        ("{ refused }", None, "FORBIDDEN"),
        ("{ missing }", None, "NOT_FOUND"),
        ("{ nope }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { echo(n: $n) }", {"n": "hunter2"}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ echo(n: 1) ", None, "GRAPHQL_PARSE_FAILED"),
    ],
)
async def test_error_codes(query: str, variables: dict | None, code: str) -> None:
    result = await _policy_schema().execute(query, variable_values=variables)
    assert result.errors
    extensions = result.errors[0].extensions or {}
    assert extensions["code"] == code
    assert ("requestId" in extensions) == (code == "INTERNAL_SERVER_ERROR")


# --------------------------------------------------------------------------- logging

SECRET = "hunter2-Correct-Horse"


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        # anonymous: refused while executing
        (
            'mutation ChangeIt { changePassword(currentPassword: "SECRET", '
            'newPassword: "SECRET-new") { __typename } }',
            None,
            "UNAUTHENTICATED",
        ),
        (
            "mutation ChangeIt($p: String!) { changePassword(currentPassword: $p, "
            "newPassword: $p) { __typename } }",
            {"p": "SECRET"},
            "UNAUTHENTICATED",
        ),
        # validation: a literal of the wrong type is quoted in graphql-core's message
        (
            'query Probe { events(first: "SECRET") { pageInfo { hasNextPage } } }',
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        # variable coercion: the value is quoted in graphql-core's message
        (
            "query Probe($n: Int) { events(first: $n) { pageInfo { hasNextPage } } }",
            {"n": "SECRET"},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ('query Probe { events(first: "SECRET" ', None, "GRAPHQL_PARSE_FAILED"),
    ],
)
async def test_expected_errors_are_one_info_line_without_secrets_or_query_text(
    api, caplog, document: str, variables: dict | None, code: str
) -> None:
    caplog.set_level(logging.DEBUG)
    document = document.replace("SECRET", SECRET)
    if variables:
        variables = {k: v.replace("SECRET", SECRET) for k, v in variables.items()}

    body = await gql(api, document, variables)

    assert body["errors"][0]["extensions"]["code"] == code
    text = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''} {r.exc_info or ''}"
        for r in caplog.records
    )
    assert SECRET not in text
    assert "events(" not in text
    assert "changePassword(" not in text
    assert not any(r.exc_info for r in caplog.records)
    assert not any(r.levelno >= logging.WARNING for r in caplog.records), text
    lines = [r for r in caplog.records if r.name == "domcctv.graphql"]
    assert len(lines) == 1, text
    assert lines[0].levelname == "INFO"
    assert code in lines[0].getMessage()
    if code == "GRAPHQL_PARSE_FAILED":
        assert "not parsed" in lines[0].getMessage()
    else:
        assert document.split()[1].split("(")[0] in lines[0].getMessage()  # the operation name


async def test_an_invalid_operation_name_is_not_logged_verbatim(api, caplog) -> None:
    caplog.set_level(logging.INFO)
    name = "Nope\nFORGED LOG LINE " + SECRET
    response = await api.post("/graphql", json={"query": "{ nope }", "operationName": name})
    assert response.status_code == 400  # no such operation
    assert SECRET not in "\n".join(r.getMessage() for r in caplog.records)
