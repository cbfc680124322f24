"""Helpers shared by the GraphQL tests: global ids, signed-in actors, reading results."""

from __future__ import annotations

from typing import Any

from domcctv.config import Settings
from domcctv.domain.access import Role
from domcctv.models import Company, User
from schema.relay import to_global_id

from factories import make_user
from graphql_client import token_for


def gid(type_name: str, pk: int | str) -> str:
    """The global id the API would hand out for ``type_name`` row ``pk``."""
    return str(to_global_id(type_name, pk))


async def signed_in(
    role: Role, settings: Settings, company: Company | None = None, **overrides: Any
) -> tuple[User, str]:
    """A user of ``role`` and a valid access token for it."""
    user = await make_user(role, company, **overrides)
    return user, await token_for(user, settings)


def payload(body: dict[str, Any], field: str) -> dict[str, Any]:
    """``data[field]`` of a response that must have no top-level errors."""
    assert "errors" not in body, body
    value = body["data"][field]
    assert value is not None, body
    result: dict[str, Any] = value
    return result


def top_error(body: dict[str, Any]) -> dict[str, Any]:
    """The first top-level error (asserting there is one and it has a code)."""
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    assert error.get("extensions", {}).get("code"), error
    return error


def top_code(body: dict[str, Any]) -> str:
    return str(top_error(body)["extensions"]["code"])


def field_codes(result: dict[str, Any]) -> dict[str, str]:
    """``{field: code}`` of a ValidationError member."""
    assert result["__typename"] == "ValidationError", result
    return {f["field"]: f["code"] for f in result["fields"]}


ERROR_FIELDS = "... on Error { code message } ... on ValidationError { fields { field code } }"
