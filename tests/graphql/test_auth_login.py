"""login: success, wrong password, unknown e-mail, lockout, disabled account."""

from __future__ import annotations

from datetime import timedelta

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, AuthSession, User
from domcctv.services.clock import utcnow

from factories import PASSWORD, make_company, make_user
from graphql_client import gql

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on AuthSuccess { accessToken accessTokenExpiresAt refreshToken
      user { email role company { name } } }
    ... on Error { code message }
  }
}"""

ME = "{ me { user { email } permissions } }"


async def login(api, email: str, password: str) -> dict:
    body = await gql(api, LOGIN, {"email": email, "password": password})
    assert "errors" not in body, body
    result: dict = body["data"]["login"]
    return result


async def test_login_returns_tokens_that_work(api) -> None:
    # given a client user
    company = await make_company(name="Minera Sur")
    await make_user(Role.CLIENT_USER, company, email="cli@sur.cl")

    # when logging in with the right password (e-mail case and spaces do not matter)
    result = await login(api, "  CLI@sur.cl ", PASSWORD)

    # then tokens come back and the access token authenticates
    assert result["__typename"] == "AuthSuccess", result
    assert result["user"] == {
        "email": "cli@sur.cl",
        "role": "CLIENT_USER",
        "company": {"name": "Minera Sur"},
    }
    assert result["accessTokenExpiresAt"] > int(utcnow().timestamp())
    me = await gql(api, ME, token=result["accessToken"])
    assert me["data"]["me"]["user"]["email"] == "cli@sur.cl"
    assert "READ_EVENTS" in me["data"]["me"]["permissions"]
    user = await User.get(email="cli@sur.cl")
    assert user.last_login is not None
    assert await AuthSession.filter(user_id=user.id).count() == 1


async def test_wrong_password_and_unknown_email_get_the_same_answer(api) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")

    wrong = await login(api, "op@dom.cl", "Wrong-Password-1")
    unknown = await login(api, "nobody@dom.cl", PASSWORD)

    # then neither reveals which part was wrong
    assert wrong["__typename"] == unknown["__typename"] == "AuthenticationError"
    assert wrong["code"] == unknown["code"] == "INVALID_CREDENTIALS"
    assert wrong["message"] == unknown["message"]
    assert await AuthSession.all().count() == 0
    failed = await AuditLog.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert [f.after_state["email"] for f in failed] == ["op@dom.cl", "nobody@dom.cl"]


async def test_lockout_after_max_failures_even_with_the_right_password(api, settings) -> None:
    # given LOGIN_MAX_FAILURES = 3
    assert settings.login_max_failures == 3
    user = await make_user(Role.OPERATOR, email="op@dom.cl")

    # when the password is wrong three times
    for _ in range(3):
        assert (await login(api, "op@dom.cl", "Nope-Nope-123"))["code"] == "INVALID_CREDENTIALS"

    # then the account is locked, and the right password is refused too
    locked = await login(api, "op@dom.cl", PASSWORD)
    assert locked["__typename"] == "AuthenticationError"
    assert locked["code"] == "ACCOUNT_LOCKED"
    await user.refresh_from_db()
    assert user.locked_until is not None
    assert user.locked_until > utcnow() + timedelta(seconds=settings.login_lockout_seconds - 5)
    assert await AuthSession.all().count() == 0
    reasons = await AuditLog.filter(action=AuditAction.LOGIN_FAILED).values_list(
        "after_state", flat=True
    )
    assert {"email": "op@dom.cl", "reason": "locked"} in reasons


async def test_two_failures_do_not_lock_and_a_success_resets_the_count(api) -> None:
    user = await make_user(Role.OPERATOR, email="op@dom.cl")
    for _ in range(2):
        await login(api, "op@dom.cl", "Nope-Nope-123")

    assert (await login(api, "op@dom.cl", PASSWORD))["__typename"] == "AuthSuccess"

    await user.refresh_from_db()
    assert user.failed_login_attempts == 0
    assert user.locked_until is None


async def test_an_expired_lock_lets_the_user_back_in(api) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl", locked_until=utcnow() - timedelta(seconds=1))
    assert (await login(api, "op@dom.cl", PASSWORD))["__typename"] == "AuthSuccess"


async def test_disabled_account_cannot_log_in(api) -> None:
    await make_user(Role.SUPERVISOR, email="sup@dom.cl", is_active=False)

    result = await login(api, "sup@dom.cl", PASSWORD)

    assert result["__typename"] == "AuthenticationError"
    assert result["code"] == "ACCOUNT_DISABLED"
    assert await AuthSession.all().count() == 0
    # and with a wrong password it does not even reveal that the account is disabled
    assert (await login(api, "sup@dom.cl", "Wrong-Password-1"))["code"] == "INVALID_CREDENTIALS"


async def test_a_disabled_users_existing_token_stops_working(api, settings) -> None:
    result_user = await make_user(Role.OPERATOR, email="op@dom.cl")
    token = (await login(api, "op@dom.cl", PASSWORD))["accessToken"]
    result_user.is_active = False
    await result_user.save()

    body = await gql(api, "{ myPreferences { language } }", token=token)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_garbage_bearer_tokens_are_unauthenticated_not_errors(api) -> None:
    for token in ["garbage", "a.b.c", "Bearer"]:
        body = await gql(api, "{ me { user { email } } }", token=token)
        assert body == {"data": {"me": None}}
        denied = await gql(api, "{ events { edges { cursor } } }", token=token)
        assert denied["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
