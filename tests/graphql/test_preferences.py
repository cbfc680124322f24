"""myPreferences / updateMyPreferences."""

from __future__ import annotations

import pytest
from gqlkit import ERROR_FIELDS, field_codes, payload, signed_in

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, UserPreferences

from graphql_client import gql

FIELDS = "language timezone theme defaultPageSize videoQuality autoPlay"
READ = f"{{ myPreferences {{ {FIELDS} }} }}"
UPDATE = f"""
mutation($input: PreferencesInput!) {{
  updateMyPreferences(input: $input) {{
    __typename
    ... on PreferencesSuccess {{ preferences {{ {FIELDS} }} }}
    {ERROR_FIELDS}
  }}
}}"""

DEFAULTS = {
    "language": "ES",
    "timezone": "America/Santiago",
    "theme": "LIGHT",
    "defaultPageSize": 25,
    "videoQuality": "HIGH",
    "autoPlay": False,
}


async def test_defaults_are_the_seeds(api, settings) -> None:
    _, token = await signed_in(Role.CLIENT_USER, settings)

    assert payload(await gql(api, READ, token=token), "myPreferences") == DEFAULTS
    assert await UserPreferences.all().count() == 1  # created on first read, once
    assert payload(await gql(api, READ, token=token), "myPreferences") == DEFAULTS
    assert await UserPreferences.all().count() == 1


async def test_update_changes_only_what_is_given_and_is_audited(api, settings) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)

    body = await gql(
        api,
        UPDATE,
        {"input": {"language": "EN", "timezone": "Europe/Madrid", "autoPlay": True}},
        token,
    )

    expected = {**DEFAULTS, "language": "EN", "timezone": "Europe/Madrid", "autoPlay": True}
    assert payload(body, "updateMyPreferences")["preferences"] == expected
    assert payload(await gql(api, READ, token=token), "myPreferences") == expected
    entry = await AuditLog.get(action=AuditAction.UPDATE_PREFERENCES)
    assert entry.before_state["language"] == "ES"
    assert entry.after_state["language"] == "EN"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "INVALID_FORMAT"),
        ({"timezone": "../../etc/passwd"}, "timezone", "INVALID_FORMAT"),
        ({"timezone": ""}, "timezone", "INVALID_FORMAT"),
        ({"defaultPageSize": 7}, "defaultPageSize", "OUT_OF_RANGE"),
        ({"defaultPageSize": -25}, "defaultPageSize", "OUT_OF_RANGE"),
    ],
)
async def test_bad_values_are_rejected_and_nothing_changes(
    api, settings, change: dict, field: str, code: str
) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)

    body = await gql(api, UPDATE, {"input": {"theme": "DARK", **change}}, token)

    assert field_codes(payload(body, "updateMyPreferences")) == {field: code}
    assert payload(await gql(api, READ, token=token), "myPreferences")["theme"] == "LIGHT"
