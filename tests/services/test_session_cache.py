"""The verified-session cache on its own: it serves only while it hears session notices, a
notice drops the user's entries before the next lookup, a fill that overlapped a notice is not
kept, and an entry never outlives its lifetime or a grant it counted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from domcctv.domain.access import Permission, Role
from domcctv.infra.bus import InProcessBus
from domcctv.services.clock import utcnow
from domcctv.services.session_cache import SessionCache, VerifiedSession
from domcctv.services.sessions import SESSIONS_CHANNEL


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verified(session_id: str = "s1", user_id: int = 7, **overrides: Any) -> VerifiedSession:
    data: dict[str, Any] = {
        "session_id": session_id,
        "user_id": user_id,
        "role": Role.OPERATOR,
        "company_id": None,
        "permissions": frozenset({Permission.READ_EVENTS}),
        "display_name": "Op",
        "held_until": None,
    }
    data.update(overrides)
    return VerifiedSession(**data)


def notice(user_id: object) -> dict[str, Any]:
    return {"v": 1, "type": "session", "userId": user_id, "reason": "LOGOUT"}


async def following(cache: SessionCache, bus: Any) -> asyncio.Task[None]:
    task = asyncio.get_running_loop().create_task(cache.follow(bus))
    for _ in range(100):
        if cache.following:
            return task
        await asyncio.sleep(0)
    raise AssertionError("the cache never subscribed")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()


@pytest.fixture
async def cache(clock: Clock, bus: InProcessBus) -> AsyncIterator[SessionCache]:
    cache = SessionCache(5.0, clock=clock)
    task = await following(cache, bus)
    try:
        yield cache
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def fill(cache: SessionCache, entry: VerifiedSession) -> None:
    cache.keep(entry, cache.mark())


async def test_nothing_is_cached_until_it_listens_for_notices(clock: Clock) -> None:
    cache = SessionCache(5.0, clock=clock)
    assert cache.mark() is None  # not following the bus: every request reads the database
    cache.keep(verified(), 0)
    assert cache.lookup("s1") is None


async def test_a_kept_session_is_served_until_its_lifetime_ends(cache, clock) -> None:
    fill(cache, verified())
    assert cache.lookup("s1") == verified()
    clock.now += 4.9
    assert cache.lookup("s1") is not None
    clock.now += 0.2
    assert cache.lookup("s1") is None


async def test_an_entry_never_outlives_a_grant_it_counted(cache, clock) -> None:
    # a grant that ends in 2 s caps the 5 s lifetime
    fill(cache, verified(held_until=utcnow() + timedelta(seconds=2)))
    clock.now += 1.5
    assert cache.lookup("s1") is not None
    clock.now += 1.0
    assert cache.lookup("s1") is None
    # and one already over is not kept at all
    fill(cache, verified(held_until=utcnow() - timedelta(seconds=1)))
    assert cache.lookup("s1") is None


async def test_a_notice_on_the_bus_drops_the_users_sessions_before_the_next_lookup(
    cache, bus
) -> None:
    fill(cache, verified("a", user_id=7))
    fill(cache, verified("b", user_id=7))
    fill(cache, verified("c", user_id=8))
    # published (as another process's notice arrives) and looked up without yielding: the
    # listening task has not run, the lookup applies what was delivered first
    await bus.publish(SESSIONS_CHANNEL, notice(7))
    assert cache.lookup("a") is None
    assert cache.lookup("b") is None
    assert cache.lookup("c") is not None


async def test_other_messages_change_nothing_and_a_malformed_notice_drops_everyone(
    cache, bus
) -> None:
    fill(cache, verified("a", user_id=7))
    await bus.publish("domcctv:1:events", {"type": "session", "userId": 7})
    assert cache.lookup("a") is not None
    await bus.publish(SESSIONS_CHANNEL, notice("7"))
    assert cache.lookup("a") is None


async def test_the_local_hook_drops_at_once(cache) -> None:
    fill(cache, verified("a", user_id=7))
    cache.observe("domcctv:1:events", notice(7))  # not a session notice
    assert cache.lookup("a") is not None
    cache.observe(SESSIONS_CHANNEL, notice(7))
    assert cache.lookup("a") is None


async def test_a_fill_that_overlapped_a_notice_is_not_kept(cache, bus) -> None:
    # a request takes its mark, reads the database... a notice arrives meanwhile
    mark = cache.mark()
    await bus.publish(SESSIONS_CHANNEL, notice(99))
    cache.keep(verified(user_id=7), mark)
    # what it read may predate the change: not kept (even for another user: marks are global)
    assert cache.lookup("s1") is None


class SwitchableBus(InProcessBus):
    """An in-process bus whose delivery epoch the test sets (a Redis subscription's state)."""

    epoch: int | None = 1

    @property
    def delivery_epoch(self) -> int | None:
        return self.epoch


async def test_it_serves_only_while_the_bus_delivers_and_starts_afresh_after_a_gap(
    clock,
) -> None:
    bus = SwitchableBus()
    cache = SessionCache(5.0, clock=clock)
    task = await following(cache, bus)
    try:
        fill(cache, verified())
        assert cache.lookup("s1") is not None
        bus.epoch = None  # the Redis subscription is down: notices may be lost
        assert cache.lookup("s1") is None
        assert cache.mark() is None
        bus.epoch = 2  # back, after a gap: what was kept before is gone
        assert cache.lookup("s1") is None
        fill(cache, verified())
        assert cache.lookup("s1") is not None
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert not cache.following
    assert cache.lookup("s1") is None  # stopped listening: nothing is served


async def test_zero_seconds_turns_it_off(clock, bus) -> None:
    cache = SessionCache(0, clock=clock)
    task = await following(cache, bus)
    try:
        fill(cache, verified())
        assert cache.lookup("s1") is None
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_the_oldest_entry_makes_room(clock, bus) -> None:
    cache = SessionCache(5.0, clock=clock, max_entries=2)
    task = await following(cache, bus)
    try:
        for name in ("a", "b", "c"):
            fill(cache, verified(name))
        assert len(cache) == 2
        assert cache.lookup("a") is None
        assert cache.lookup("c") is not None
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
