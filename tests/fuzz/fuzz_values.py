"""Hostile values for the GraphQL fuzz suite: literals for hypothesis-graphql's generated
documents, and raw JSON for variables (NaN, huge numbers, deep nesting, lone surrogates...).

Variables are written by ``encode_json`` instead of ``json.dumps`` because the interesting
inputs are exactly the ones ``json.dumps`` refuses or rewrites: a 5,000-digit integer, nesting
deeper than any recursion limit, ``NaN`` tokens. The server's JSON parser sees them as a
hostile client would send them.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from domcctv.services.pagination import encode_cursor


@dataclass(frozen=True)
class Deep:
    """``depth`` nested JSON arrays (or objects) around ``core``, written without recursion."""

    depth: int
    kind: str = "list"  # "list" | "object"
    core: Any = 1


@dataclass(frozen=True)
class RawNumber:
    """A number token written verbatim (e.g. 5,000 digits: ``str(int)`` itself refuses it)."""

    text: str


def encode_json(value: Any) -> str:
    """JSON text for ``value``, allowing ``Deep``, ``RawNumber`` and non-finite floats."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Token):
            out.append(item.text)
        elif isinstance(item, Deep):
            opener, closer = ("[", "]") if item.kind == "list" else ('{"a":', "}")
            out.append(opener * item.depth)
            stack.append(_Token(closer * item.depth))
            stack.append(item.core)
        elif isinstance(item, RawNumber):
            out.append(item.text)
        elif isinstance(item, bool) or item is None:
            out.append(json.dumps(item))
        elif isinstance(item, int):
            out.append(str(item))
        elif isinstance(item, float):
            if math.isnan(item):
                out.append("NaN")
            elif math.isinf(item):
                out.append("Infinity" if item > 0 else "-Infinity")
            else:
                out.append(repr(item))
        elif isinstance(item, str):
            out.append(json.dumps(item))  # ensure_ascii: lone surrogates become \udXXX escapes
        elif isinstance(item, dict):
            parts: list[Any] = [_Token("{")]
            for i, (key, val) in enumerate(item.items()):
                if i:
                    parts.append(_Token(","))
                parts.extend([_Token(json.dumps(str(key)) + ":"), val])
            parts.append(_Token("}"))
            stack.extend(reversed(parts))
        elif isinstance(item, list | tuple):
            parts = [_Token("[")]
            for i, val in enumerate(item):
                if i:
                    parts.append(_Token(","))
                parts.append(val)
            parts.append(_Token("]"))
            stack.extend(reversed(parts))
        else:
            raise TypeError(f"cannot encode {type(item).__name__}")
    return "".join(out)


@dataclass(frozen=True)
class _Token:
    text: str


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


HOSTILE_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "NaN",
    "-Infinity",
    "-0",
    "1e309",
    "0x7fffffff",
    "9" * 400,
    "' OR '1'='1",
    '"; DROP TABLE users; --',
    "%s%s%n",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "\r\nSet-Cookie: a=b",
    "\u202eABC",
    "Z\u0351\u0352\u0353" * 40,
    "\U0001f600" * 64,
    "\U0001d518\U0001d52b\U0001d526",
    "\uffff\ufffe",
    "\u0130\u0131\u00df\ufb00",
    "A" * 256,
    "A" * 20_000,
    "\u00e9" * 3_000,
    "\t\n\x0b\x0c",
    "user@example.cl",
    "admin@domcctv.cl",
    "HJKL42",
    "hj-kl-42",
    "0O0O00",
    "2024-02-30T25:61:61Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999+14:00",
    "-1",
    "2147483648",
    "12.345.678-5",
    "76086428-5",
    # forged Relay ids and cursors
    _b64("Event:99999999999999999999999"),
    _b64("Event:-1"),
    _b64("Event:1_000"),
    _b64("Event:\u0663"),
    _b64("User:1 OR 1=1"),
    _b64("Nope:1"),
    _b64(":"),
    _b64("Event:"),
    encode_cursor("9999-99-99T00:00:00", 1),
    encode_cursor("2024-01-01T00:00:00+00:00", 2**64),
    encode_cursor(1e308, -1),
    _b64("[NaN, Infinity]"),
    _b64('["2024-01-01T00:00:00+00:00", 1e400]'),
    _b64("[" * 50_000),
    _b64("[" * 3 + "]" * 3),
    _b64("1" * 5_000),
    "!!!not-base64!!!",
)

# Only through JSON variables: GraphQL string literals cannot carry a lone surrogate.
JSON_ONLY_STRINGS: tuple[str, ...] = ("\ud800", "a\udfffb")

HOSTILE_DATETIMES: tuple[str, ...] = (
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00",
    "2024-01-01",
    "2024-02-30T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2024-01-01T00:00:00+25:00",
    "+275760-09-13T00:00:00Z",
    "1970-01-01T00:00:00.0000000001Z",
    "now",
    "NaN",
    "",
)

HOSTILE_DATES: tuple[str, ...] = (
    "2024-01-01",
    "2024-02-30",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "24-1-1",
    "",
)

INT32_EDGES: tuple[int, ...] = (0, -1, 1, 2**31 - 1, -(2**31))
INT_EDGES: tuple[int, ...] = (*INT32_EDGES, 2**31, -(2**31) - 1, 10**20)


@dataclass(frozen=True)
class Pools:
    """What the seeded world offers the generators: real ids and real words."""

    ids: list[str]
    words: list[str]


def strings(alphabet_text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(alphabet_text, st.sampled_from(HOSTILE_STRINGS))


def literal_scalars(pools: Pools) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """hypothesis-graphql ``custom_scalars``: hostile literals for every scalar (built-ins
    included: its lookup prefers these), with ids drawn mostly from the seeded rows and
    strings sometimes from the seeded world (plates, e-mails, the password, tokens)."""
    text = st.one_of(st.text(max_size=40), st.sampled_from(pools.words))
    ids = st.one_of(st.sampled_from(pools.ids), st.sampled_from(HOSTILE_STRINGS))
    return {
        "String": strings(text).map(nodes.String),
        "ID": st.one_of(ids.map(nodes.String), st.sampled_from(INT_EDGES).map(nodes.Int)),
        "Int": st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from(INT32_EDGES)).map(
            nodes.Int
        ),
        "Float": st.one_of(
            st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
            st.sampled_from(["1e400", "-1e400", "5e-324", "-0.0"]).map(
                lambda t: graphql.FloatValueNode(value=t)
            ),
        ),
        "DateTime": st.sampled_from(HOSTILE_DATETIMES).map(nodes.String),
        "Date": st.sampled_from(HOSTILE_DATES).map(nodes.String),
        "JSON": st.sampled_from(['{"a": 1}', "[]", "null"]).map(nodes.String),
    }


# ---------------------------------------------------------------- JSON variables

_ANY_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),  # NaN and Infinity included on purpose
        st.text(max_size=20),
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)

HOSTILE_JSON: tuple[Any, ...] = (
    Deep(50),
    Deep(5_000),
    Deep(100_000),
    Deep(100_000, "object"),
    RawNumber("1" + "0" * 5_000),
    RawNumber("-" + "9" * 400),
    RawNumber("1e99999"),
    float("nan"),
    float("inf"),
    float("-inf"),
    2**63,
    -(2**63) - 1,
    10**30,
    1.5,
    -0.0,
    [None] * 5_000,
    {"__proto__": {"admin": True}},
    "\ud800",
)


def json_anything() -> st.SearchStrategy[Any]:
    """Any JSON value, mostly the hostile ones."""
    return st.one_of(st.sampled_from(HOSTILE_JSON), _ANY_JSON)


def variable_values(
    type_: graphql.GraphQLInputType, pools: Pools, depth: int = 0
) -> st.SearchStrategy[Any]:
    """Values for a variable of ``type_``: usually the right shape with hostile content,
    sometimes the wrong shape entirely."""
    right = _typed_values(type_, pools, depth)
    return st.one_of(*([right] * 5), json_anything())


def _typed_values(
    type_: graphql.GraphQLInputType, pools: Pools, depth: int
) -> st.SearchStrategy[Any]:
    if isinstance(type_, graphql.GraphQLNonNull):
        inner = _typed_values(type_.of_type, pools, depth)
        return st.one_of(*([inner] * 19), st.none())
    nullable = st.none()
    if isinstance(type_, graphql.GraphQLList):
        item = variable_values(type_.of_type, pools, depth + 1)
        return st.one_of(
            st.lists(item, max_size=4),
            item,  # a single value where a list is expected (coerced by GraphQL)
            st.integers(0, 3).flatmap(lambda n: st.just([None] * n)),
            st.sampled_from(["x", 1, None]).map(lambda v: [v] * 2_000),
            nullable,
        )
    if isinstance(type_, graphql.GraphQLInputObjectType):
        if depth > 3:
            return st.just({})
        required = {
            name: variable_values(field.type, pools, depth + 1)
            for name, field in type_.fields.items()
            if graphql.is_required_input_field(field)
        }
        optional = {
            name: variable_values(field.type, pools, depth + 1)
            for name, field in type_.fields.items()
            if not graphql.is_required_input_field(field)
        }
        objects = st.fixed_dictionaries(required, optional=optional)
        with_extra = st.builds(lambda d: {**d, "unknownField": 1}, objects)
        return st.one_of(objects, objects, objects, with_extra, nullable)
    if isinstance(type_, graphql.GraphQLEnumType):
        return st.one_of(
            st.sampled_from(sorted(type_.values)),
            st.sampled_from(sorted(type_.values)),
            st.sampled_from(["", "NOPE", "administrator", "ADMINISTRATOR ", "__typename"]),
            nullable,
        )
    assert isinstance(type_, graphql.GraphQLScalarType)
    return _scalar_values(type_.name, pools)


def _scalar_values(name: str, pools: Pools) -> st.SearchStrategy[Any]:
    text = st.one_of(
        st.text(max_size=40),
        st.sampled_from(pools.words),
        st.sampled_from(HOSTILE_STRINGS + JSON_ONLY_STRINGS),
    )
    if name == "ID":
        ids = st.sampled_from(pools.ids)
        return st.one_of(ids, ids, text, st.integers())
    if name == "String":
        return text
    if name == "Int":
        return st.one_of(
            st.integers(-(2**31), 2**31 - 1),
            st.sampled_from(INT_EDGES),
            st.sampled_from([2**63, -(2**63) - 1, 1.0, 1.5, "1", True]),
            st.just(RawNumber("1" + "0" * 5_000)),
        )
    if name == "Float":
        return st.one_of(
            st.floats(),
            st.sampled_from([1e308, -0.0, 5e-324, "NaN", "1.5", 10**400]),
            st.just(RawNumber("1e400")),
        )
    if name == "Boolean":
        return st.one_of(st.booleans(), st.sampled_from([0, 1, "true", "false", "yes"]))
    if name == "DateTime":
        return st.one_of(st.sampled_from(HOSTILE_DATETIMES), text, st.integers())
    if name == "Date":
        return st.one_of(st.sampled_from(HOSTILE_DATES), text, st.integers())
    if name == "JSON":
        return json_anything()
    return json_anything()
