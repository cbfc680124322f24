"""Refresh-token theft detection reaches every spent token of the session, not just the last.

The review found: login -> R0, rotate R0 -> R1 -> R2, replay R0 -> TOKEN_INVALID while the
session lived on (only the previous token was remembered). Every spent token is now kept in the
session's family (spent_refresh_tokens), so any replay revokes the session.
"""

from __future__ import annotations

import pytest

from domcctv.domain.access import Role
from domcctv.models import AuthSession

from factories import PASSWORD, make_user
from graphql_client import gql

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename ... on AuthSuccess { accessToken refreshToken } ... on Error { code }
  }
}"""
REFRESH = """
mutation($token: String!) {
  refreshToken(refreshToken: $token) {
    __typename ... on AuthSuccess { accessToken refreshToken } ... on Error { code }
  }
}"""
PROBE = "{ myPreferences { language } }"


async def refresh(api, token: str) -> dict:
    body = await gql(api, REFRESH, {"token": token})
    assert "errors" not in body, body
    result: dict = body["data"]["refreshToken"]
    return result


async def authenticated(api, access_token: str) -> bool:
    return "errors" not in await gql(api, PROBE, token=access_token)


@pytest.mark.parametrize("rotations_back", [2, 3])
async def test_replaying_a_token_several_rotations_back_revokes_the_session(
    api, rotations_back: int
) -> None:
    # given a session rotated a few times: R0 -> R1 -> ... -> Rn
    await make_user(Role.OPERATOR, email="op@dom.cl")
    body = await gql(api, LOGIN, {"email": "op@dom.cl", "password": PASSWORD})
    chain = [body["data"]["login"]]
    for _ in range(rotations_back):
        chain.append(await refresh(api, chain[-1]["refreshToken"]))
        assert chain[-1]["__typename"] == "AuthSuccess", chain[-1]
    latest = chain[-1]
    assert await authenticated(api, latest["accessToken"])

    # when R0 (spent long ago; a thief's copy) is presented
    replay = await refresh(api, chain[0]["refreshToken"])

    # then it is recognised as a replay and the whole session dies
    assert replay == {"__typename": "AuthenticationError", "code": "TOKEN_REVOKED"}
    assert (await AuthSession.get()).revoked_at is not None
    assert await refresh(api, latest["refreshToken"]) == {
        "__typename": "AuthenticationError",
        "code": "TOKEN_REVOKED",
    }
    assert not await authenticated(api, latest["accessToken"])
