"""Hostile documents against every document-level limit: each is refused, and the work spent
refusing it stays within a fixed budget of steps (counted, never timed).

The budgets: the document walker (resolvers/document_limits.py) counts one step per selection,
spread edge or definition, so a document is measured in at most ``len(document)`` steps however
far its fragments expand; the whole request (parse, validation, extensions) is counted in
Python function calls, which must grow linearly with the document, not with its expansion.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from gqlkit import top_error
from graphql import parse
from graphql.language.lexer import Lexer

from domcctv.asgi import create_app
from domcctv.domain.access import Role
from domcctv.graphql_view import MAX_JSON_DEPTH
from resolvers import build_schema
from resolvers.document_limits import DocumentLimits, json_depth, measure

from factories import make_user
from graphql_client import gql, token_for

LIMITS = DocumentLimits()
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def doubling(levels: int, leaf: str = "__typename", spread_suffix: str = "") -> str:
    """``query{...F<n>}`` where each fragment spreads the previous one twice: 2**n selections
    described in a few bytes per level (the reported 802-byte document is ``doubling(21)``)."""
    name = f"Q{uuid.uuid4().hex[:8]}"  # a fresh text: no parser or validation cache hits
    fragments = " ".join(
        f"fragment F{i} on Query{{...F{i - 1}{spread_suffix} ...F{i - 1}{spread_suffix}}}"
        for i in range(1, levels + 1)
    )
    return f"query {name}{{...F{levels}}} fragment F0 on Query{{{leaf}}} {fragments}"


def within_budget(document: str, limits: DocumentLimits = LIMITS) -> list[str]:
    """The walker's verdict, asserting it took at most one step per character."""
    measured = measure(parse(document), limits)
    assert measured.steps <= len(document), (measured.steps, len(document))
    return [v.message for v in measured.violations]


async def counted_calls(run: Callable[[], Awaitable[Any]]) -> tuple[Any, int]:
    """Run ``run`` counting every Python function call made meanwhile (a step count)."""
    calls = 0

    def profile(_frame: object, event: str, _arg: object) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profile)
    try:
        result = await run()
    finally:
        sys.setprofile(None)
    return result, calls


@pytest.fixture(scope="module")
def schema() -> Any:
    return build_schema()


# --------------------------------------------------------------------------- fragments


async def test_the_reported_exponential_document_is_refused_anonymously(api) -> None:
    document = doubling(21)
    assert len(document) < 900

    error = top_error(await gql(api, document))

    assert error["extensions"]["code"] == VALIDATION_FAILED
    assert "more than 1500 fields" in error["message"]
    assert within_budget(document)


@pytest.mark.parametrize("levels", [11, 21, 60, 200])
def test_doubling_fragments_are_measured_in_linear_steps(levels: int) -> None:
    # 2**200 selections: any walk of the expansion would never finish
    messages = within_budget(doubling(levels))
    assert any("more than 1500 fields" in m for m in messages)


def test_a_document_just_under_the_selection_cap_is_measured_exactly() -> None:
    document = doubling(10)  # 1024 selections
    measured = measure(parse(document), LIMITS)
    assert measured.selections == 1024
    assert measured.violations == []
    assert measured.steps <= len(document)


def test_wide_fan_out_through_nested_fields_is_linear() -> None:
    # each level selects the previous fragment ten times under different parents
    levels = 8
    fragments = " ".join(
        f"fragment W{i} on Query{{ me {{ user {{ id }} }} "
        + " ".join(f"...W{i - 1}" for _ in range(10))
        + "}"
        for i in range(1, levels + 1)
    )
    document = f"query{{...W{levels}}} fragment W0 on Query{{__typename}} {fragments}"
    messages = within_budget(document)
    assert any("more than 1500 fields" in m for m in messages)


async def test_the_whole_request_costs_linear_work(schema) -> None:
    # Parse, every validation rule and the extensions, counted in function calls: doubling the
    # document's length (2**21 -> 2**42 described selections) adds work proportional to the
    # added text, not to the expansion.
    short, long = doubling(21), doubling(42)

    short_result, short_calls = await counted_calls(lambda: schema.execute(short))
    long_result, long_calls = await counted_calls(lambda: schema.execute(long))

    for result in (short_result, long_result):
        assert result.errors
        assert "more than 1500 fields" in result.errors[0].message
    assert long_calls - short_calls <= 30 * (len(long) - len(short)), (short_calls, long_calls)
    assert short_calls <= 30 * len(short) + 20_000


async def test_fragment_cycles_are_reported_and_do_not_loop(api) -> None:
    document = (
        "query{...A} fragment A on Query{...B ...A __typename} "
        "fragment B on Query{...A ...B __typename}"
    )
    assert within_budget(document) == []  # cycles add nothing; graphql-core reports them

    error = top_error(await gql(api, document))

    assert error["extensions"]["code"] == VALIDATION_FAILED
    assert "Cannot spread fragment" in error["message"]


def test_unknown_fragments_count_nothing() -> None:
    assert within_budget("query{...Missing __typename}") == []


# --------------------------------------------------------------------------- aliases, depth


async def test_aliases_through_doubling_fragments(api) -> None:
    document = doubling(5, leaf="a: __typename")  # 32 aliases, 32 selections

    error = top_error(await gql(api, document))

    assert error["extensions"]["code"] == VALIDATION_FAILED
    assert error["message"] == "32 aliases found. Allowed: 20"
    assert within_budget(doubling(40, leaf="a: __typename"))


@pytest.fixture
async def shallow_api(settings, db) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"graphql_max_depth": 3}), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_depth_is_counted_through_a_chain_of_fragments(shallow_api, settings) -> None:
    token = await token_for(await make_user(Role.OPERATOR), settings)
    document = """
    query { events { ...A } }
    fragment A on EventConnection { edges { ...B } }
    fragment B on EventEdge { node { ...C } }
    fragment C on Event { company { name } }"""

    error = top_error(await gql(shallow_api, document, token=token))

    assert error["extensions"]["code"] == VALIDATION_FAILED
    assert error["message"] == "'anonymous' exceeds maximum operation depth of 3"
    assert within_budget(document, DocumentLimits(max_depth=3))


def test_depth_of_doubled_deep_fragments_is_linear() -> None:
    # each level nests the previous fragment one field deeper, twice
    levels = 30
    fragments = " ".join(
        f"fragment D{i} on User{{ company {{ primaryContact {{ ...D{i - 1} }} }} ...D{i - 1} }}"
        for i in range(1, levels + 1)
    )
    document = f"query{{ me {{ user {{ ...D{levels} }} }} }} fragment D0 on User{{id}} {fragments}"
    messages = within_budget(document)
    assert any("exceeds maximum operation depth of 12" in m for m in messages) or any(
        "more than 1500 fields" in m for m in messages
    )
    measured = measure(parse(document), DocumentLimits(max_selections=10**100))
    assert measured.depth == 2 + 2 * levels  # me, user, then two levels per fragment
    assert measured.steps <= len(document)


async def test_introspection_depth_is_bounded(api) -> None:
    document = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    error = top_error(await gql(api, document))
    assert error["extensions"]["code"] == VALIDATION_FAILED
    assert "introspection depth" in error["message"]


# --------------------------------------------------------------------------- directives


async def test_directives_are_capped(api) -> None:
    ok = "{ " + "__typename @include(if: true) " * 50 + "}"
    too_many = "{ " + "__typename @include(if: true) " * 51 + "}"

    assert "errors" not in await gql(api, ok)
    error = top_error(await gql(api, too_many))

    assert error["extensions"]["code"] == VALIDATION_FAILED
    assert error["message"] == "51 directives once fragments are expanded. Allowed: 50"
    assert within_budget(too_many)


async def test_directives_on_doubling_spreads_are_counted_linearly(api) -> None:
    document = doubling(6, spread_suffix=" @include(if: true)")  # 64 fields, 126 directives

    error = top_error(await gql(api, document))

    assert error["message"] == "126 directives once fragments are expanded. Allowed: 50"
    assert within_budget(doubling(80, spread_suffix=" @skip(if: false)"))


# --------------------------------------------------------------------------- variables


def nested_list(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


async def test_variables_nested_past_the_limit_are_refused(api) -> None:
    # deeper than any input of the schema, yet within the HTTP body's JSON bound
    variables = {"v": nested_list(LIMITS.max_variables_depth)}  # the object adds one level
    assert json_depth(variables, 100) == LIMITS.max_variables_depth + 1 < MAX_JSON_DEPTH

    body = await gql(api, "query($v: String) { __typename }", variables)

    error = top_error(body)
    assert error["extensions"]["code"] == VALIDATION_FAILED
    assert error["message"] == "Variables are nested more than 20 levels deep"


async def test_variables_nested_ten_thousand_levels_are_a_400(api) -> None:
    body = (
        '{"query": "query($v: String) { __typename }", "variables": {"v": '
        + "[" * 10_000
        + "]" * 10_000
        + "}}"
    )
    response = await api.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_the_nesting_walk_stops_at_the_limit() -> None:
    # 10,000 levels: the walk visits limit + 1 levels and stops (its answer says how far it got)
    assert json_depth(nested_list(10_000), 20) == 21
    assert json_depth({"a": [1, {"b": 2}]}, 20) == 3


# --------------------------------------------------------------------------- tokens, length


@pytest.fixture
def lexed(monkeypatch) -> dict[str, int]:
    """Counts tokens and string literals the GraphQL lexer reads."""
    counts = {"tokens": 0, "strings": 0}
    advance, read_string = Lexer.advance, Lexer.read_string

    def counting_advance(self: Lexer) -> Any:
        counts["tokens"] += 1
        return advance(self)

    def counting_read_string(self: Lexer, start: int) -> Any:
        counts["strings"] += 1
        return read_string(self, start)

    monkeypatch.setattr(Lexer, "advance", counting_advance)
    monkeypatch.setattr(Lexer, "read_string", counting_read_string)
    return counts


async def test_a_document_of_many_tokens_is_cut_at_the_limit(api, lexed) -> None:
    document = "{ " + "a " * 45_000 + "}"  # 90 kB, 45,000 tokens

    error = top_error(await gql(api, document))

    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "4000 tokens" in error["message"]
    assert lexed["tokens"] <= 4002


async def test_comments_count_as_tokens(api, lexed) -> None:
    document = "{ __typename " + "#\n" * 45_000 + "}"

    error = top_error(await gql(api, document))

    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert lexed["tokens"] <= 4002


async def test_a_huge_string_literal_is_refused_before_lexing(api, lexed) -> None:
    document = '{ __type(name: "' + "a" * 900_000 + '") { name } }'  # under the body limit

    error = top_error(await gql(api, document))

    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "100000 code points" in error["message"]
    assert lexed == {"tokens": 0, "strings": 0}


# --------------------------------------------------------------------------- body size


async def test_a_streamed_body_is_cut_at_the_limit(api, settings) -> None:
    limit = settings.graphql_max_body_bytes
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ __typename }", "padding": "'
        while sent < 20 * limit:
            sent += 65_536
            yield b"a" * 65_536

    response = await api.post(
        "/graphql", content=endless(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert sent <= limit + 2 * 65_536  # read up to the limit, then refused


async def test_a_declared_length_over_the_limit_is_refused_unread(api, settings) -> None:
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        pulled += 1
        yield b"{}"

    response = await api.post(
        "/graphql",
        content=body(),
        headers={
            "content-type": "application/json",
            "content-length": str(settings.graphql_max_body_bytes + 1),
        },
    )

    assert response.status_code == 413
    assert pulled == 0


# --------------------------------------------------------------------------- expensive mutations


RESET = 'resetPassword(token: $t, newPassword: "Fresh-Start-2025") { __typename }'
RESET_TWICE = f"mutation($t: String!) {{ a: {RESET} ...R }} fragment R on Mutation {{ {RESET} }}"


def outbox(settings) -> list[EmailMessage]:
    folder = settings.mail_outbox_dir
    if not folder.exists():
        return []
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


async def test_twenty_aliased_password_resets_are_refused_before_any_work(api, settings) -> None:
    user = await make_user(Role.OPERATOR)
    request = "mutation($e: String!) { requestPasswordReset(email: $e) { __typename } }"
    await gql(api, request, {"e": user.email})
    (mail,) = outbox(settings)
    plain = mail.get_body(("plain",))
    assert plain is not None
    match = re.search(r"token=([A-Za-z0-9_\-]+)", plain.get_content())
    assert match
    token = match.group(1)

    twenty = "mutation($t: String!) { " + " ".join(f"r{i}: {RESET}" for i in range(20)) + " }"
    for document in (twenty, RESET_TWICE):
        error = top_error(await gql(api, document, {"t": token}))
        assert error["extensions"]["code"] == VALIDATION_FAILED
        assert "only one of the expensive mutations" in error["message"]
        assert "resetPassword" in error["message"]
        assert within_budget(document)

    # nothing ran: the single-use token still works, once
    single = f"mutation($t: String!) {{ {RESET} }}"
    assert (await gql(api, single, {"t": token}))["data"]["resetPassword"] == {
        "__typename": "OkSuccess"
    }


async def test_expensive_mutations_are_counted_through_fragments(api, settings) -> None:
    user = await make_user(Role.OPERATOR)
    document = """
    mutation($e: String!) { requestPasswordReset(email: $e) { __typename } ...M ...M }
    fragment M on Mutation { ... on Mutation { requestPasswordReset(email: $e) { __typename } } }"""

    error = top_error(await gql(api, document, {"e": user.email}))

    assert "requestPasswordReset 3 times" in error["message"]
    assert outbox(settings) == []  # no mail was sent


async def test_two_different_expensive_mutations_are_refused(api) -> None:
    document = """mutation {
      login(email: "a@b.cl", password: "x") { __typename }
      requestPasswordReset(email: "a@b.cl") { __typename } }"""
    error = top_error(await gql(api, document))
    assert "login, requestPasswordReset" in error["message"]


def test_doubling_expensive_mutations_are_counted_linearly() -> None:
    leaf = 'login(email: "a@b.cl", password: "x") { __typename }'
    fragments = " ".join(
        f"fragment F{i} on Mutation{{...F{i - 1} ...F{i - 1}}}" for i in range(1, 41)
    )
    document = f"mutation{{...F40}} fragment F0 on Mutation{{{leaf}}} {fragments}"
    assert within_budget(document)


async def test_one_expensive_mutation_per_request_is_fine(api) -> None:
    body = await gql(api, 'mutation { login(email: "nobody@b.cl", password: "x") { __typename } }')
    assert body["data"]["login"]["__typename"] == "AuthenticationError"


async def test_batching_is_off(api, settings) -> None:
    user = await make_user(Role.OPERATOR)
    one = {
        "query": "mutation($e: String!) { requestPasswordReset(email: $e) { __typename } }",
        "variables": {"e": user.email},
    }
    response = await api.post("/graphql", json=[one, one])
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert response.json()["errors"][0]["message"] == "Batching is not enabled"
    assert outbox(settings) == []
