"""updateMyPreferences(timezone:) is checked against the known zone names, never by loading one.

The review found "America" (a directory under the zone database) and any 256+ character value
answering INTERNAL_SERVER_ERROR (IsADirectoryError / ENAMETOOLONG from ZoneInfo), with the
value in the error log.
"""

from __future__ import annotations

import logging

import pytest
from gqlkit import ERROR_FIELDS, field_codes, payload, signed_in

from domcctv.domain.access import Role
from domcctv.models import UserPreferences
from domcctv.services.preferences import TIMEZONE_MAX_LENGTH, known_timezones

from graphql_client import gql

UPDATE = f"""
mutation($tz: String!) {{
  updateMyPreferences(input: {{timezone: $tz}}) {{
    __typename ... on PreferencesSuccess {{ preferences {{ timezone }} }} {ERROR_FIELDS}
  }}
}}"""

HOSTILE = [
    "America",  # a directory of the zone database
    "America/",
    "x" * 300,  # ENAMETOOLONG as a path
    "America/" + "A" * 250,
    "../../../../etc/passwd",
    "/etc/localtime",
    "UTC\x00",
    "",
    " ",
    "america/santiago",  # zone names are case-sensitive
]


@pytest.mark.parametrize("value", HOSTILE, ids=[repr(v[:20]) for v in HOSTILE])
async def test_a_value_that_is_not_a_zone_name_is_a_validation_error(
    api, settings, caplog, value: str
) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)
    caplog.set_level(logging.INFO)

    body = await gql(api, UPDATE, {"tz": value}, token)

    assert field_codes(payload(body, "updateMyPreferences")) == {"timezone": "INVALID_FORMAT"}
    assert await UserPreferences.all().count() == 0  # nothing written, not even the defaults
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if len(value) > 3:
        assert value not in caplog.text


@pytest.mark.parametrize("value", ["America/Santiago", "UTC", "America/Argentina/Buenos_Aires"])
async def test_real_zone_names_are_accepted(api, settings, value: str) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)

    body = await gql(api, UPDATE, {"tz": value}, token)

    assert payload(body, "updateMyPreferences")["preferences"] == {"timezone": value}


def test_the_known_zones_fit_the_column_and_are_read_once() -> None:
    zones = known_timezones()
    assert "America/Santiago" in zones
    assert "America" not in zones
    assert max(map(len, zones)) <= TIMEZONE_MAX_LENGTH
    assert known_timezones() is zones
