"""refreshToken rotation and theft detection, logout, changePassword."""

from __future__ import annotations

from gqlkit import field_codes

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, AuthSession

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
    __typename
    ... on AuthSuccess { accessToken refreshToken user { email } }
    ... on Error { code message }
  }
}"""

LOGOUT = "mutation { logout { __typename ... on OkSuccess { ok } } }"

CHANGE = """
mutation($c: String!, $n: String!) {
  changePassword(currentPassword: $c, newPassword: $n) {
    __typename
    ... on ValidationError { code fields { field code } }
    ... on Error { code message }
  }
}"""

PROBE = "{ myPreferences { language } }"


async def login(api, email: str = "op@dom.cl", password: str = PASSWORD) -> dict:
    body = await gql(api, LOGIN, {"email": email, "password": password})
    result: dict = body["data"]["login"]
    assert result["__typename"] == "AuthSuccess", result
    return result


async def refresh(api, token: str) -> dict:
    body = await gql(api, REFRESH, {"token": token})
    assert "errors" not in body, body
    result: dict = body["data"]["refreshToken"]
    return result


async def is_authenticated(api, access_token: str) -> bool:
    body = await gql(api, PROBE, token=access_token)
    if "errors" in body:
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        return False
    return True


async def test_refresh_rotates_and_the_old_token_is_spent(api) -> None:
    # given a session
    await make_user(Role.OPERATOR, email="op@dom.cl")
    first = await login(api)

    # when refreshing
    second = await refresh(api, first["refreshToken"])

    # then new tokens come back, different from the old ones, and they work
    assert second["__typename"] == "AuthSuccess"
    assert second["user"]["email"] == "op@dom.cl"
    assert second["refreshToken"] != first["refreshToken"]
    assert await is_authenticated(api, second["accessToken"])
    # and the same session continues (no new session row)
    assert await AuthSession.all().count() == 1


async def test_replaying_a_spent_refresh_token_revokes_the_whole_session(api) -> None:
    # given a refresh token that was already rotated (someone else may hold a copy)
    await make_user(Role.OPERATOR, email="op@dom.cl")
    first = await login(api)
    second = await refresh(api, first["refreshToken"])

    # when the spent token is presented again
    replay = await refresh(api, first["refreshToken"])

    # then it is refused as revoked ...
    assert replay["__typename"] == "AuthenticationError"
    assert replay["code"] == "TOKEN_REVOKED"
    # ... and the whole session dies: the new refresh token and the access tokens too
    session = await AuthSession.get()
    assert session.revoked_at is not None
    after = await refresh(api, second["refreshToken"])
    assert after["__typename"] == "AuthenticationError"
    assert after["code"] == "TOKEN_REVOKED"
    assert not await is_authenticated(api, second["accessToken"])
    assert not await is_authenticated(api, first["accessToken"])


async def test_unknown_refresh_token_is_invalid_and_changes_nothing(api) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    session = await login(api)

    result = await refresh(api, "not-a-token")

    assert result["code"] == "TOKEN_INVALID"
    assert await is_authenticated(api, session["accessToken"])


async def test_logout_revokes_the_access_and_the_refresh_token(api) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    session = await login(api)
    assert await is_authenticated(api, session["accessToken"])

    body = await gql(api, LOGOUT, token=session["accessToken"])

    assert body["data"]["logout"] == {"__typename": "OkSuccess", "ok": True}
    # the access token no longer authenticates: queries see an anonymous caller
    assert not await is_authenticated(api, session["accessToken"])
    me = await gql(api, "{ me { user { email } } }", token=session["accessToken"])
    assert me["data"]["me"] is None
    # and the refresh token is dead too
    assert (await refresh(api, session["refreshToken"]))["code"] == "TOKEN_REVOKED"
    assert await AuditLog.filter(action=AuditAction.LOGOUT).count() == 1


async def test_logout_ends_only_the_current_session(api) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    laptop, phone = await login(api), await login(api)

    await gql(api, LOGOUT, token=laptop["accessToken"])

    assert not await is_authenticated(api, laptop["accessToken"])
    assert await is_authenticated(api, phone["accessToken"])


async def test_change_password_with_a_wrong_current_password_is_a_validation_error(api) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    session = await login(api)

    body = await gql(
        api, CHANGE, {"c": "Not-The-Password-1", "n": "New-Password-99"}, session["accessToken"]
    )

    result = body["data"]["changePassword"]
    assert field_codes(result) == {"currentPassword": "INVALID_FORMAT"}
    # and the old password still works
    await login(api)


async def test_change_password_rejects_a_weak_new_password(api) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    session = await login(api)

    body = await gql(api, CHANGE, {"c": PASSWORD, "n": "short"}, session["accessToken"])

    assert field_codes(body["data"]["changePassword"]) == {"newPassword": "WEAK_PASSWORD"}


async def test_change_password_revokes_every_other_session(api) -> None:
    # given two sessions of the same user
    await make_user(Role.OPERATOR, email="op@dom.cl")
    here, elsewhere = await login(api), await login(api)

    # when the password is changed from one of them
    body = await gql(api, CHANGE, {"c": PASSWORD, "n": "New-Password-99"}, here["accessToken"])

    # then that session survives, the other one is revoked (access and refresh)
    assert body["data"]["changePassword"]["__typename"] == "OkSuccess"
    assert await is_authenticated(api, here["accessToken"])
    assert not await is_authenticated(api, elsewhere["accessToken"])
    assert (await refresh(api, elsewhere["refreshToken"]))["code"] == "TOKEN_REVOKED"
    # and only the new password logs in now
    await login(api, password="New-Password-99")
    old = await gql(api, LOGIN, {"email": "op@dom.cl", "password": PASSWORD})
    assert old["data"]["login"]["code"] == "INVALID_CREDENTIALS"
    assert await AuditLog.filter(action=AuditAction.PASSWORD_CHANGE).count() == 1
