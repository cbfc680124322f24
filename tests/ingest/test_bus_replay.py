"""Redis pub/sub keeps nothing for a process whose subscription is down: after Redis restarts,
what the outbox published before this process resubscribed would never reach its subscribers.
The bus replays recently published outbox rows on resubscription (once each, by message id)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tortoise.transactions import in_transaction

from domcctv.infra.bus import RedisBus, create_redis, events_channel
from domcctv.services import outbox


async def _next(sub: Any) -> dict[str, Any]:
    return await asyncio.wait_for(sub.queue.get(), timeout=8.0)


async def test_messages_published_while_resubscribing_are_replayed_once(db, private_redis) -> None:
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    subscriber_client = create_redis(private_redis.url)
    publisher_client = create_redis(private_redis.url)
    bus = RedisBus(subscriber_client, namespace, replay=outbox.published_since)
    publisher = RedisBus(publisher_client, namespace)
    assert bus.delivery_epoch is None  # not subscribed: a cache must not rely on it yet
    await bus.start()
    first_epoch = bus.delivery_epoch
    assert first_epoch is not None
    try:
        async with bus.subscribe(lambda c, m: m.get("type") == "event") as sub:
            async with in_transaction("default") as conn:
                await outbox.stage(events_channel(1), {"type": "event", "n": 1}, using_db=conn)
            assert await outbox.relay(publisher) == 1
            assert (await _next(sub))["n"] == 1

            await private_redis.restart()
            await publisher_client.aclose()  # its pooled connection died with the server
            publisher_client = create_redis(private_redis.url)
            publisher = RedisBus(publisher_client, namespace)
            # The restarted server has no subscriber yet: this publish reaches nobody here.
            assert await publisher_client.execute_command("PUBSUB", "NUMPAT") == 0
            async with in_transaction("default") as conn:
                await outbox.stage(events_channel(1), {"type": "event", "n": 2}, using_db=conn)
            assert await outbox.relay(publisher) == 1

            replayed = await _next(sub)
            assert replayed["n"] == 2
            assert isinstance(replayed["mid"], int)
            # delivery resumed after a gap: a new epoch (caches start afresh)
            assert bus.delivery_epoch not in (None, first_epoch)
            # Live again: the next message arrives normally, and nothing came twice.
            async with in_transaction("default") as conn:
                await outbox.stage(events_channel(1), {"type": "event", "n": 3}, using_db=conn)
            assert await outbox.relay(publisher) == 1
            assert (await _next(sub))["n"] == 3
            await asyncio.sleep(0.3)
            assert sub.queue.empty()
    finally:
        await bus.close()
        await subscriber_client.aclose()
        await publisher_client.aclose()
    assert bus.delivery_epoch is None


async def test_published_rows_are_kept_for_replay_then_purged(db) -> None:
    from datetime import timedelta

    from domcctv.infra.bus import InProcessBus
    from domcctv.services.clock import utcnow

    async with in_transaction("default") as conn:
        await outbox.stage(events_channel(1), {"type": "event"}, using_db=conn)
    assert await outbox.relay(InProcessBus()) == 1
    assert await outbox.pending_count() == 0
    assert len(await outbox.published_since(utcnow() - timedelta(seconds=30))) == 1
    assert await outbox.purge_published(older_than=timedelta(minutes=5)) == 0
    assert await outbox.purge_published(older_than=timedelta(0)) == 1
    assert await outbox.published_since(utcnow() - timedelta(seconds=30)) == []
