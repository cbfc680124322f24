"""Login does not tell which accounts exist, and counts every failure (also concurrent ones).

The review measured ~250-300 ms for an existing e-mail and 6-9 ms for an unknown one (the
dummy hash had cost 4 whatever BCRYPT_ROUNDS said), and ACCOUNT_LOCKED only ever appeared for
real accounts. No wall-clock here: the tests record the bcrypt work itself (each verification
and the cost of the hash it checks) and compare it between a known and an unknown e-mail.

Runs on the in-process limiter (SQLite run) and on Redis (MariaDB + Redis run).
"""

from __future__ import annotations

import asyncio
from typing import Any

import bcrypt
import pytest

from domcctv.asgi import create_app
from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, User
from domcctv.services.security import dummy_hash, hash_cost

from factories import PASSWORD, make_user
from graphql_client import gql

ROUNDS = 5  # not the factories' 4: the old dummy hash (cost 4) would not match it
LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename ... on AuthSuccess { accessToken } ... on Error { code message }
  }
}"""


@pytest.fixture
def app(settings, db):  # type: ignore[no-untyped-def]
    return create_app(
        settings.model_copy(update={"bcrypt_rounds": ROUNDS, "login_max_failures": 3}),
        manage_database=False,
    )


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The cost of every hash bcrypt verifies while the test runs (in call order)."""
    costs: list[int | None] = []
    original = bcrypt.checkpw

    def checkpw(password: bytes, hashed: bytes) -> bool:
        costs.append(hash_cost(hashed.decode()))
        return original(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", checkpw)
    return costs


def hashed(password: str = PASSWORD, rounds: int = ROUNDS) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


async def login(api: Any, email: str, password: str) -> dict[str, Any]:
    body = await gql(api, LOGIN, {"email": email, "password": password})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["login"]
    return result


async def test_the_dummy_hash_has_the_configured_cost() -> None:
    for rounds in (4, 5, 6):
        assert hash_cost(await dummy_hash(rounds)) == rounds
    assert await dummy_hash(5) is await dummy_hash(5)  # computed once per cost


async def test_known_and_unknown_emails_cost_the_same_bcrypt_work(api, verified) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl", password_hash=hashed())
    await login(api, "warm-up@dom.cl", "x")  # the dummy hash is made once per process
    verified.clear()

    wrong = await login(api, "op@dom.cl", "Wrong-Password-1")
    known = list(verified)
    verified.clear()
    unknown = await login(api, "nobody@dom.cl", "Wrong-Password-1")

    # then the same answer, after one verification of a hash at the configured cost each
    assert (
        wrong
        == unknown
        == {
            "__typename": "AuthenticationError",
            "code": "INVALID_CREDENTIALS",
            "message": wrong["message"],
        }
    )
    assert known == [ROUNDS]
    assert verified == [ROUNDS]


async def test_an_unknown_email_locks_exactly_like_an_account(api, verified) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl", password_hash=hashed())

    answers = {}
    for email in ("op@dom.cl", "nobody@dom.cl"):
        answers[email] = [await login(api, email, "Wrong-Password-1") for _ in range(4)]

    # then both read INVALID_CREDENTIALS three times and then ACCOUNT_LOCKED, word for word
    expected = ["INVALID_CREDENTIALS"] * 3 + ["ACCOUNT_LOCKED"]
    assert [a["code"] for a in answers["op@dom.cl"]] == expected
    assert answers["nobody@dom.cl"] == answers["op@dom.cl"]
    # and a locked attempt does no bcrypt work for either (3 verifications each, not 4)
    assert verified.count(ROUNDS) == 6
    # even the right password is refused while locked
    assert (await login(api, "op@dom.cl", PASSWORD))["code"] == "ACCOUNT_LOCKED"
    locked = await AuditLog.filter(action=AuditAction.LOGIN_FAILED).values_list(
        "after_state", flat=True
    )
    assert {"email": "nobody@dom.cl", "reason": "locked"} in locked


async def test_concurrent_failures_are_all_counted(api) -> None:
    # given an account whose hash takes a little while to check, so attempts overlap
    user = await make_user(Role.OPERATOR, email="op@dom.cl", password_hash=hashed(rounds=8))

    # when eight wrong passwords arrive at once
    answers = await asyncio.gather(
        *[login(api, "op@dom.cl", f"Wrong-Password-{n}") for n in range(8)]
    )

    # then every failure that was answered is counted (no lost update) and the account locks
    codes = [a["code"] for a in answers]
    failures = codes.count("INVALID_CREDENTIALS")
    assert set(codes) <= {"INVALID_CREDENTIALS", "ACCOUNT_LOCKED"}, codes
    assert failures >= 3
    await user.refresh_from_db()
    assert user.failed_login_attempts == failures
    assert user.locked_until is not None
    assert (await login(api, "op@dom.cl", PASSWORD))["code"] == "ACCOUNT_LOCKED"


async def test_concurrent_failures_lock_an_unknown_email_too(api) -> None:
    answers = await asyncio.gather(
        *[login(api, "nobody@dom.cl", f"Wrong-Password-{n}") for n in range(8)]
    )
    assert {a["code"] for a in answers} <= {"INVALID_CREDENTIALS", "ACCOUNT_LOCKED"}
    assert (await login(api, "nobody@dom.cl", "anything"))["code"] == "ACCOUNT_LOCKED"
    assert not await User.exists(email="nobody@dom.cl")


async def test_a_success_starts_the_count_again(api) -> None:
    await make_user(Role.OPERATOR, email="op@dom.cl", password_hash=hashed())
    for _ in range(2):
        await login(api, "op@dom.cl", "Wrong-Password-1")
    assert (await login(api, "op@dom.cl", PASSWORD))["__typename"] == "AuthSuccess"

    codes = [(await login(api, "op@dom.cl", "Wrong-Password-1"))["code"] for _ in range(2)]

    assert codes == ["INVALID_CREDENTIALS"] * 2
    assert (await login(api, "op@dom.cl", PASSWORD))["__typename"] == "AuthSuccess"


async def test_a_hash_of_another_cost_is_upgraded_on_login(api) -> None:
    # a password set when BCRYPT_ROUNDS was 4 verifies faster than the dummy hash would
    user = await make_user(Role.OPERATOR, email="op@dom.cl", password_hash=hashed(rounds=4))

    assert (await login(api, "op@dom.cl", PASSWORD))["__typename"] == "AuthSuccess"

    await user.refresh_from_db()
    assert hash_cost(user.password_hash) == ROUNDS
    assert (await login(api, "op@dom.cl", PASSWORD))["__typename"] == "AuthSuccess"
