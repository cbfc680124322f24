"""A non-finite confidence already in the database never breaks an event listing.

Before: SQLite stored ``inf`` from a push, and from then on every ``events`` query that
included that event answered ``data: null`` ("Float cannot represent non numeric value:
inf"). Pushes now refuse it (400 INVALID_READ) and migration 0005 rewrites old rows; the
GraphQL type also never hands a non-finite float to GraphQL."""

from __future__ import annotations

import math

import pytest

from domcctv.domain.access import Role

from factories import make_event, make_user
from graphql_client import gql, token_for

LISTING = """
{ events(first: 10) { edges { node { plate confidence lowConfidence
  primaryCamera { confidence readAt } } } } }"""


async def test_a_stored_inf_event_no_longer_breaks_the_listing(api, settings) -> None:
    if settings.is_mysql:
        pytest.skip("MariaDB cannot store inf at all: this is SQLite's failure mode")
    token = await token_for(await make_user(Role.OPERATOR), settings)
    await make_event(plate="HJKL42")
    broken = await make_event(plate="FK1234", confidence=math.inf)
    broken.primary_camera = {
        **broken.primary_camera,
        "confidence": math.nan,
        "readAt": "not a time",
    }
    await broken.save()

    body = await gql(api, LISTING, {}, token)

    assert "errors" not in body, body
    nodes = {e["node"]["plate"]: e["node"] for e in body["data"]["events"]["edges"]}
    assert set(nodes) == {"HJKL42", "FK1234"}
    assert nodes["FK1234"]["confidence"] == 0.0
    assert nodes["FK1234"]["primaryCamera"] == {"confidence": 0.0, "readAt": None}
    assert nodes["HJKL42"]["confidence"] == 95.0
