"""resetPassword costs no bcrypt without a live token, is budgeted per IP, and spends once.

The review found it hashed the new password (~250 ms of CPU) before looking at the token, for
any anonymous request. The tests count the bcrypt hashes done, never the time taken.
"""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from typing import Any

import bcrypt
import pytest
from gqlkit import field_codes

from domcctv.domain.access import Role
from domcctv.models import PasswordResetToken
from domcctv.services.passwords import RESET_PASSWORD_PER_IP

from factories import PASSWORD, make_user
from graphql_client import gql

REQUEST = "mutation($e: String!) { requestPasswordReset(email: $e) { __typename } }"
RESET = """
mutation($t: String!, $p: String!) {
  resetPassword(token: $t, newPassword: $p) {
    __typename ... on Error { code } ... on ValidationError { fields { field code } }
  }
}"""
LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Error { code } } }"""


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per bcrypt hash computed while the test runs."""
    done: list[int] = []
    original = bcrypt.hashpw

    def hashpw(password: bytes, salt: bytes) -> bytes:
        done.append(1)
        return original(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", hashpw)
    return done


async def reset(api: Any, token: str, password: str = "Fresh-Start-2025") -> dict[str, Any]:
    body = await gql(api, RESET, {"t": token, "p": password})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["resetPassword"]
    return result


async def mailed_token(api: Any, settings: Any, email: str) -> str:
    await gql(api, REQUEST, {"e": email})
    (path,) = sorted(settings.mail_outbox_dir.glob("*.eml"))
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    body = message.get_body(("plain",))  # type: ignore[attr-defined]
    match = re.search(r"token=([A-Za-z0-9_\-]+)", body.get_content())
    assert match, body
    return match.group(1)


async def test_a_bad_token_costs_no_bcrypt(api, hashes) -> None:
    for token in ["garbage", "x" * 5000, ""]:
        assert (await reset(api, token))["code"] == "TOKEN_INVALID"
    assert hashes == []


async def test_a_weak_password_with_a_live_token_costs_no_bcrypt_either(
    api, settings, hashes
) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    token = await mailed_token(api, settings, "op@dom.cl")

    weak = await reset(api, token, "password")

    assert field_codes(weak) == {"newPassword": "WEAK_PASSWORD"}
    assert hashes == []
    assert (await reset(api, token))["__typename"] == "OkSuccess"
    assert hashes == [1]


async def test_reset_attempts_are_budgeted_per_ip(api, settings, hashes) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    token = await mailed_token(api, settings, "op@dom.cl")

    bad = [(await reset(api, f"guess-{n}"))["code"] for n in range(RESET_PASSWORD_PER_IP)]
    over = await reset(api, token)

    assert bad == ["TOKEN_INVALID"] * RESET_PASSWORD_PER_IP
    assert over == {"__typename": "AuthenticationError", "code": "RATE_LIMITED"}
    assert hashes == []
    assert (await PasswordResetToken.get()).used_at is None  # not spent by the refusal


async def test_two_concurrent_resets_spend_the_token_once(api, settings) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl")
    token = await mailed_token(api, settings, "op@dom.cl")

    first, second = await asyncio.gather(
        reset(api, token, "First-Choice-2025"), reset(api, token, "Second-Choice-2025")
    )

    assert sorted([first, second], key=lambda r: r["__typename"]) == [
        {"__typename": "AuthenticationError", "code": "TOKEN_INVALID"},
        {"__typename": "OkSuccess"},
    ]
    winner = "First-Choice-2025" if first["__typename"] == "OkSuccess" else "Second-Choice-2025"
    login = await gql(api, LOGIN, {"e": "op@dom.cl", "p": winner})
    assert login["data"]["login"]["__typename"] == "AuthSuccess"


async def test_a_reset_lifts_the_lockout(api, settings) -> None:
    # given an e-mail locked by failed logins (login_max_failures = 3)
    await make_user(Role.OPERATOR, email="op@dom.cl")
    for _ in range(3):
        await gql(api, LOGIN, {"e": "op@dom.cl", "p": "Wrong-Password-1"})
    locked = await gql(api, LOGIN, {"e": "op@dom.cl", "p": PASSWORD})
    assert locked["data"]["login"]["code"] == "ACCOUNT_LOCKED"

    # when the owner resets the password
    assert (await reset(api, await mailed_token(api, settings, "op@dom.cl")))["__typename"] == (
        "OkSuccess"
    )

    # then the new password logs in at once
    fresh = await gql(api, LOGIN, {"e": "op@dom.cl", "p": "Fresh-Start-2025"})
    assert fresh["data"]["login"]["__typename"] == "AuthSuccess"
