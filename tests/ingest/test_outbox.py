"""The transactional outbox: a committed change is pushed live exactly once, even when the bus
fails right after the commit (before the outbox, that push was lost for good: the redelivered
read is a duplicate and publishes nothing)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from test_pipeline import read
from tortoise.transactions import in_transaction

from domcctv.infra.bus import InProcessBus, events_channel
from domcctv.models import Event
from domcctv.services import outbox
from domcctv.workers.ingest import make_handler


class FlakyBus(InProcessBus):
    """An in-process bus whose publish fails while ``down`` (Redis unreachable)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.published: list[dict[str, Any]] = []

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        if self.down:
            raise ConnectionError("bus unreachable")
        self.published.append(message)
        await super().publish(channel, message)


async def _drain(sub: Any) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while not sub.queue.empty():
        got.append(sub.queue.get_nowait())
    return got


async def test_push_survives_a_bus_failure_after_commit_and_a_redelivery(db) -> None:
    bus = FlakyBus()
    handle = make_handler(bus, threshold=85.0, merge_window_seconds=60)
    async with bus.subscribe(lambda c, m: m.get("type") == "event") as sub:
        bus.down = True
        await handle([read("uuid:cam-1:A")])  # committed; publishing failed
        assert await Event.all().count() == 1
        assert await outbox.pending_count() == 1
        assert await _drain(sub) == []

        bus.down = False
        await handle([read("uuid:cam-1:A")])  # the queue redelivers: a duplicate, nothing new
        assert await Event.all().count() == 1
        # The sweeper relays what the failed delivery left behind.
        assert await outbox.relay(bus, older_than=timedelta(0)) == 1
        pushed = await _drain(sub)
    assert [m["kind"] for m in pushed] == ["CREATED"]
    assert pushed[0]["event"]["plate"] == "HJKL42"
    assert await outbox.pending_count() == 0


async def test_successful_delivery_relays_at_once_and_leaves_nothing(db) -> None:
    bus = FlakyBus()
    handle = make_handler(bus, threshold=85.0, merge_window_seconds=60)
    async with bus.subscribe(lambda c, m: True) as sub:
        await handle([read("uuid:cam-1:B")])
        pushed = await _drain(sub)
    assert len(pushed) == 1
    assert isinstance(pushed[0]["mid"], int)
    assert await outbox.pending_count() == 0


async def test_rolled_back_changes_are_never_pushed(db) -> None:
    bus = FlakyBus()

    async def failing_change() -> None:
        async with outbox.delivering(bus), in_transaction("default") as conn:
            await outbox.stage(events_channel(None), {"type": "event"}, using_db=conn)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert bus.published == []
    assert await outbox.pending_count() == 0


async def test_a_republished_row_reaches_subscribers_once(db) -> None:
    """A crash between publish and delete re-publishes the row: same mid, dropped by the bus."""
    bus = InProcessBus()
    async with bus.subscribe(lambda c, m: True) as sub:
        message = {"type": "event", "mid": 41}
        await bus.publish(events_channel(1), dict(message))
        await bus.publish(events_channel(1), dict(message))
        await bus.publish(events_channel(1), {"type": "event", "mid": 42})
        await asyncio.sleep(0)
        got = await _drain(sub)
    assert [m["mid"] for m in got] == [41, 42]


async def test_concurrent_relays_publish_each_row_once(db) -> None:
    bus = FlakyBus()
    async with in_transaction("default") as conn:
        for n in range(30):
            await outbox.stage(events_channel(1), {"type": "event", "n": n}, using_db=conn)
    relayed = await asyncio.gather(*(outbox.relay(bus) for _ in range(4)))
    assert sum(relayed) == 30
    assert sorted(m["n"] for m in bus.published) == list(range(30))
    assert await outbox.pending_count() == 0


async def test_the_local_hook_hears_each_committed_message_even_when_publishing_fails(db) -> None:
    """``delivering(bus, local=...)``: this process's own caches (the session cache) apply a
    change at once, whether or not the bus is reachable (the sweeper publishes it later)."""
    bus = FlakyBus()
    heard: list[tuple[str, dict[str, Any]]] = []

    def local(channel: str, message: dict[str, Any]) -> None:
        heard.append((channel, message))

    async def change(n: int, *, fail: bool = False) -> None:
        async with outbox.delivering(bus, local=local), in_transaction("default") as conn:
            await outbox.stage(events_channel(1), {"type": "event", "n": n}, using_db=conn)
            if fail:
                raise RuntimeError("rolled back")

    await change(1)
    assert [(c, m["n"]) for c, m in heard] == [(events_channel(1), 1)]
    assert heard[0][1]["mid"] == bus.published[0]["mid"]  # the very message published

    bus.down = True
    await change(2)
    assert [m["n"] for _, m in heard] == [1, 2]
    assert await outbox.pending_count() == 1  # still the sweeper's to publish

    with pytest.raises(RuntimeError):  # a block that fails before committing: nothing heard
        await change(3, fail=True)
    assert [m["n"] for _, m in heard] == [1, 2]
