"""The fan-out bus: per-subscriber bounded queues, slow subscribers dropped, predicates."""

from __future__ import annotations

import asyncio

import pytest

from domcctv.infra.bus import QUEUE_SIZE, InProcessBus, SlowConsumerError, events_channel


async def test_slow_subscriber_is_dropped_without_affecting_others() -> None:
    bus = InProcessBus()
    async with bus.subscribe(lambda c, m: True) as slow, bus.subscribe(lambda c, m: True) as fast:
        received: list[int] = []

        async def consume() -> None:
            async for message in fast.messages():
                received.append(message["n"])
                if message["n"] == QUEUE_SIZE + 9:
                    return

        task = asyncio.create_task(consume())
        for n in range(QUEUE_SIZE + 10):
            await bus.publish(events_channel(1), {"n": n})
            await asyncio.sleep(0)
        await asyncio.wait_for(task, timeout=2)
        assert received == list(range(QUEUE_SIZE + 10))
        assert slow.dropped
        with pytest.raises(SlowConsumerError):
            async for _ in slow.messages():
                pass


async def test_predicate_filters_per_subscriber() -> None:
    bus = InProcessBus()
    async with bus.subscribe(lambda c, m: m.get("companyId") == 2) as sub:
        await bus.publish(events_channel(1), {"companyId": 1})
        await bus.publish(events_channel(2), {"companyId": 2})
        message = await asyncio.wait_for(anext(sub.messages()), timeout=1)
    assert message == {"companyId": 2}
    assert bus.subscriber_count == 0
