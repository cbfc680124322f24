"""Login and reset-mail rate limits (in-process on SQLite runs, Redis on MariaDB+Redis runs)."""

from __future__ import annotations

import pytest

from domcctv.asgi import create_app
from domcctv.domain.access import Role

from factories import PASSWORD, make_user
from graphql_client import gql

LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Error { code } } }"""
RESET = "mutation($e: String!) { requestPasswordReset(email: $e) { __typename } }"


@pytest.fixture
def app(settings, db):  # type: ignore[no-untyped-def]
    return create_app(
        settings.model_copy(update={"login_rate_per_minute": 5}), manage_database=False
    )


async def test_guessing_across_accounts_from_one_ip_is_throttled(api) -> None:
    await make_user(Role.OPERATOR, email="victim@dom.cl")
    codes = [
        (await gql(api, LOGIN, {"e": f"nobody{n}@dom.cl", "p": "x"}))["data"]["login"]["code"]
        for n in range(5)
    ]
    assert codes == ["INVALID_CREDENTIALS"] * 5
    blocked = (await gql(api, LOGIN, {"e": "victim@dom.cl", "p": PASSWORD}))["data"]["login"]
    assert blocked == {"__typename": "AuthenticationError", "code": "RATE_LIMITED"}


async def test_reset_mail_is_not_sent_more_than_three_times(api, settings) -> None:
    await make_user(Role.OPERATOR, email="me@dom.cl")
    for _ in range(6):
        result = await gql(api, RESET, {"e": "me@dom.cl"})
        assert result["data"]["requestPasswordReset"]["__typename"] == "OkSuccess"
    assert len(list(settings.mail_outbox_dir.glob("*.eml"))) == 3
