"""GraphQL fuzzing against the real app (uvicorn, real HTTP) over a seeded database.

Documents come from the live schema through hypothesis-graphql: queries and mutations with
hostile literal arguments (valid documents and, in negative mode, documents that break the
schema in exactly one way), and one operation per root field with hostile JSON variables
(huge and non-finite numbers, 5,000-digit integers, lone surrogates, 100,000-deep nesting,
wrong shapes). Each is sent anonymously and signed in as every role.

Every answer must be: no 5xx; JSON answers whose every error carries ``extensions.code`` and
none of them ``INTERNAL_SERVER_ERROR``; and no ERROR record logged by the app, Strawberry,
uvicorn or asyncio while it was handled. Examples are derandomized (the same documents every
run) and bounded; ``FUZZ_EXAMPLES=500`` runs a longer campaign locally.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import graphql
import pytest
from fuzz_values import encode_json, literal_scalars, variable_values
from fuzz_world import ROLES, FuzzWorld, describe_records, example_count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from domcctv.domain.access import Role

FUZZ = settings(
    max_examples=example_count(60),
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)

ROLE_IDS = ["anonymous" if r is None else r.value.lower() for r in ROLES]
MAX_SELECTION_DEPTH = 2
SELECTION_TOKEN_BUDGET = 1500


# ---------------------------------------------------------------- checking one exchange


def _problems(status: int, content_type: str, text: str) -> list[str]:
    problems: list[str] = []
    if status >= 500:
        problems.append(f"HTTP {status}")
    if "json" not in content_type:
        if status == 200:
            problems.append(f"200 without a JSON body ({content_type!r})")
        return problems
    try:
        body = json.loads(text)
    except ValueError:
        return [*problems, "unparseable JSON body"]
    for result in body if isinstance(body, list) else [body]:
        if not isinstance(result, dict):
            problems.append("a result that is not an object")
            continue
        if status == 200 and "data" not in result and "errors" not in result:
            problems.append("a 200 result with neither data nor errors")
        for error in result.get("errors") or []:
            code = ((error or {}).get("extensions") or {}).get("code")
            if not code:
                problems.append(f"error without extensions.code: {error!r:.300}")
            elif code == "INTERNAL_SERVER_ERROR":
                problems.append(f"INTERNAL_SERVER_ERROR: {error!r:.300}")
    return problems


async def exchange(world: FuzzWorld, role: Role | None, body: str) -> None:
    """Send one GraphQL-over-HTTP request as ``role`` and fail on any crash signal."""
    await world.restore_actors()
    headers = {"content-type": "application/json"}
    token = await world.token(role)
    if token:
        headers["authorization"] = f"Bearer {token}"
    leftovers = world.errors.take()
    response = await world.client.post("/graphql", content=body.encode(), headers=headers)
    world.requests += 1
    records = leftovers + world.errors.take()
    problems = _problems(
        response.status_code, response.headers.get("content-type", ""), response.text
    )
    if records:
        problems.append(f"{len(records)} ERROR log record(s)")
    if problems:
        raise AssertionError(
            "; ".join(problems)
            + f"\nrole: {role}\nrequest body ({len(body)} chars): {body[:3000]}"
            + f"\nstatus: {response.status_code}\nresponse: {response.text[:3000]}"
            + f"\nlog:\n{describe_records(records)}"
        )


# ---------------------------------------------------------------- documents from the schema


def _literal_documents(world: FuzzWorld) -> st.SearchStrategy[str]:
    """Mostly one root field per document (so most documents get past validation and into
    the resolvers), plus whole-schema documents and negative-mode ones."""
    if "literal" in world.strategies:
        return world.strategies["literal"]
    schema, scalars = world.schema, literal_scalars(world.pools)
    assert schema.query_type is not None
    assert schema.mutation_type is not None
    one_query = st.sampled_from(sorted(schema.query_type.fields)).flatmap(
        lambda f: queries(schema, fields=[f], custom_scalars=scalars)
    )
    one_mutation = st.sampled_from(sorted(schema.mutation_type.fields)).flatmap(
        lambda f: mutations(schema, fields=[f], custom_scalars=scalars)
    )
    strategy = st.one_of(
        one_query,
        one_mutation,
        one_query,
        one_mutation,
        queries(schema, custom_scalars=scalars),
        mutations(schema, custom_scalars=scalars),
        queries(schema, custom_scalars=scalars, mode=Mode.NEGATIVE),
        mutations(schema, custom_scalars=scalars, mode=Mode.NEGATIVE),
    )
    world.strategies["literal"] = strategy
    return strategy


@dataclass(frozen=True)
class VariableOperation:
    """One root field called with every argument passed as a variable."""

    field: str
    document: str
    arguments: tuple[tuple[str, graphql.GraphQLInputType], ...]


def _selection(schema: graphql.GraphQLSchema, type_: graphql.GraphQLOutputType, depth: int) -> str:
    named = graphql.get_named_type(type_)
    if graphql.is_leaf_type(named):
        return ""
    parts = ["__typename"]
    if isinstance(named, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType):
        for name, field in named.fields.items():
            if any(graphql.is_required_argument(a) for a in field.args.values()):
                continue
            if graphql.is_leaf_type(graphql.get_named_type(field.type)):
                parts.append(name)
            elif depth > 0:
                parts.append(f"{name} {_selection(schema, field.type, depth - 1)}")
    if isinstance(named, graphql.GraphQLUnionType):
        for member in schema.get_possible_types(named):
            parts.append(f"... on {member.name} {_selection(schema, member, depth)}")
    return "{ " + " ".join(parts) + " }"


def _token_count(document: str) -> int:
    lexer = graphql.language.Lexer(graphql.Source(document))
    count = 0
    while lexer.advance().kind != graphql.language.TokenKind.EOF:
        count += 1
    return count


def variable_operations(schema: graphql.GraphQLSchema) -> list[VariableOperation]:
    operations: list[VariableOperation] = []
    roots = (
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),  # over HTTP: must be refused cleanly
    )
    for kind, root in roots:
        assert root is not None
        for name, field in root.fields.items():
            definitions = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
            arguments = ", ".join(f"{a}: ${a}" for a in field.args)
            for depth in range(MAX_SELECTION_DEPTH, -1, -1):
                document = (
                    f"{kind} Fuzz{f'({definitions})' if definitions else ''} "
                    f"{{ {name}{f'({arguments})' if arguments else ''} "
                    f"{_selection(schema, field.type, depth)} }}"
                )
                if _token_count(document) <= SELECTION_TOKEN_BUDGET:
                    break
            graphql.parse(document)  # the generator itself must produce valid syntax
            operations.append(
                VariableOperation(
                    name, document, tuple((a, arg.type) for a, arg in field.args.items())
                )
            )
    return operations


def _variables(world: FuzzWorld, operation: VariableOperation) -> st.SearchStrategy[Any]:
    """Every required variable (its value may still be null or of the wrong shape), and any
    subset of the optional ones."""
    required, optional = {}, {}
    for name, type_ in operation.arguments:
        target = required if isinstance(type_, graphql.GraphQLNonNull) else optional
        target[name] = variable_values(type_, world.pools)
    return st.fixed_dictionaries(required, optional=optional)


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("role", ROLES, ids=ROLE_IDS)
@FUZZ
@given(data=st.data())
async def test_generated_documents_never_crash_the_server(
    fuzz_world: FuzzWorld, role: Role | None, data: st.DataObject
) -> None:
    document = data.draw(_literal_documents(fuzz_world), label="document")
    await exchange(fuzz_world, role, json.dumps({"query": document}))


@pytest.mark.parametrize("role", ROLES, ids=ROLE_IDS)
@FUZZ
@given(data=st.data())
async def test_hostile_variables_never_crash_the_server(
    fuzz_world: FuzzWorld, role: Role | None, data: st.DataObject
) -> None:
    operation = data.draw(
        st.sampled_from(variable_operations(fuzz_world.schema)), label="operation"
    )
    variables = data.draw(_variables(fuzz_world, operation), label="variables")
    body = f'{{"query": {json.dumps(operation.document)}, "variables": {encode_json(variables)}}}'
    await exchange(fuzz_world, role, body)


def test_variable_operations_cover_every_root_field_with_valid_documents() -> None:
    """The hostile-variable generator builds a valid operation for every root field (so a
    new field is fuzzed without touching this suite)."""
    from resolvers import build_schema

    schema = build_schema()._schema
    operations = variable_operations(schema)
    expected = {
        name
        for root in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if root is not None
        for name in root.fields
    }
    assert {op.field for op in operations} == expected
    for op in operations:
        assert not graphql.validate(schema, graphql.parse(op.document)), op.document


def test_hostile_json_is_written_as_a_hostile_client_sends_it() -> None:
    from fuzz_values import Deep, RawNumber

    text = encode_json(
        {"n": float("nan"), "i": float("-inf"), "d": Deep(3), "o": Deep(2, "object"), "s": "\ud800"}
    )
    assert text == ('{"n":NaN,"i":-Infinity,"d":[[[1]]],"o":{"a":{"a":1}},"s":"\\ud800"}')
    assert encode_json([RawNumber("1" + "0" * 5000)]) == "[1" + "0" * 5000 + "]"
    deep = encode_json(Deep(100_000))  # no recursion on our side
    assert len(deep) == 200_001
    with pytest.raises(RecursionError):
        json.loads(deep)  # ...while a naive parser on the other side does recurse


def test_egress_guard_refuses_everything_but_loopback() -> None:
    """The guard the fuzz server runs under: loopback works, anything else is refused before
    a packet is sent (and recorded), names are never resolved."""
    import socket

    from egress_guard import loopback_only

    blocked: list[str] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with loopback_only(blocked):
            with socket.create_connection(listener.getsockname(), timeout=2):
                pass
            with socket.socket() as outside, pytest.raises(ConnectionRefusedError):
                outside.connect(("192.0.2.1", 80))  # TEST-NET-1: never reached anyway
            with pytest.raises(socket.gaierror):
                socket.getaddrinfo("camera.example.invalid", 80)
        assert socket.getaddrinfo("127.0.0.1", 80)  # restored
    assert blocked == ["connect ('192.0.2.1', 80)", "getaddrinfo 'camera.example.invalid'"]
