"""The Redis stream queue against a real Redis (a private redis-server, so these run in the
SQLite suite too): a failing entry stays pending while the entries behind it are processed,
its delivery count (XPENDING) is its attempt count, and after INGEST_MAX_ATTEMPTS it is
dead-lettered and acknowledged. Undecodable entries are dead-lettered with their raw text.

Before: a failing entry ended the round (``return``) and was re-claimed forever; a malformed
entry was acknowledged and dropped without a trace."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from test_inbox_queue import Failing, good_read, pipeline

from domcctv.domain.reads import PlateRead
from domcctv.infra.queue import GROUP, RedisStreamQueue
from domcctv.models import DeadLetterStatus, IngestDeadLetter, PlateReadRecord


def make_queue(private_redis_client: Any, **options: Any) -> RedisStreamQueue:
    return RedisStreamQueue(private_redis_client, namespace=f"t-{uuid.uuid4().hex[:8]}", **options)


async def test_a_failing_entry_is_retried_then_dead_lettered_without_blocking(
    db, private_redis_client
) -> None:
    queue = make_queue(private_redis_client, claim_idle_ms=0, max_attempts=3)
    await queue.ensure_group()
    handler = Failing("uuid:CAM-1:bad")
    await queue.enqueue(good_read("uuid:CAM-1:bad", "BCDF21"))
    await queue.enqueue(good_read("uuid:CAM-1:a", "HJKL42"))

    await queue._round(handler)  # bad fails (delivery 1), a is stored
    assert await PlateReadRecord.filter(natural_key="uuid:CAM-1:a").exists()
    assert await queue.pending_count() == 1

    await queue.enqueue(good_read("uuid:CAM-1:b", "FK1234"))
    await queue._round(handler)  # bad re-claimed (delivery 2) and fails; b is still stored
    assert await PlateReadRecord.filter(natural_key="uuid:CAM-1:b").exists()
    assert not await IngestDeadLetter.exists()

    await queue._round(handler)  # delivery 3 = INGEST_MAX_ATTEMPTS: dead-lettered, acked

    assert handler.calls.count("uuid:CAM-1:bad") == 3
    assert await queue.pending_count() == 0
    letter = await IngestDeadLetter.get(natural_key="uuid:CAM-1:bad")
    assert letter.attempts == 3
    assert letter.status is DeadLetterStatus.PENDING
    assert PlateRead.from_json(letter.payload).plate_text == "BCDF21"
    await queue._round(handler)  # nothing comes back
    assert handler.calls.count("uuid:CAM-1:bad") == 3


async def test_undecodable_entries_are_dead_lettered_with_their_raw_text(
    db, private_redis_client
) -> None:
    queue = make_queue(private_redis_client, claim_idle_ms=0)
    await queue.ensure_group()
    poison = good_read("uuid:CAM-1:poison").to_json()
    poison["occurredAt"] = "9999-12-31T23:59:59+00:00"  # queued by a pre-policy receiver
    await private_redis_client.xadd(queue.stream, {"read": json.dumps(poison)})
    await private_redis_client.xadd(queue.stream, {"read": b"\xff\xfe{not json"})
    await private_redis_client.xadd(queue.stream, {"other": "field"})
    await queue.enqueue(good_read("uuid:CAM-1:after"))

    await queue._round(pipeline())

    assert await PlateReadRecord.filter(natural_key="uuid:CAM-1:after").exists()
    letters = await IngestDeadLetter.all().order_by("id")
    assert len(letters) == 3
    assert letters[0].payload["occurredAt"] == "9999-12-31T23:59:59+00:00"
    assert letters[0].camera_code == "CAM-1"
    assert "{not json" in letters[1].payload["raw"]
    assert letters[0].natural_key == "uuid:CAM-1:poison"  # its own key, when it has one
    assert all(d.natural_key.startswith("stream:") for d in letters[1:])
    assert await queue.pending_count() == 0


async def test_trimming_drops_only_acknowledged_entries(db, private_redis_client) -> None:
    queue = make_queue(private_redis_client, claim_idle_ms=60_000)
    await queue.ensure_group()
    handler = Failing("uuid:CAM-1:bad")
    await queue.enqueue(good_read("uuid:CAM-1:a", "HJKL42"))
    await queue.enqueue(good_read("uuid:CAM-1:bad", "BCDF21"))
    await queue.enqueue(good_read("uuid:CAM-1:c", "FK1234"))
    await queue._round(handler)
    await queue.enqueue(good_read("uuid:CAM-1:undelivered", "KBWZ93"))

    await queue.trim_acknowledged(force=True)

    left = [fields for _, fields in await private_redis_client.xrange(queue.stream)]
    keys = [PlateRead.from_json(json.loads(f[b"read"])).natural_key for f in left]
    # "a" was acknowledged before the oldest pending entry: gone; nothing unprocessed is lost
    assert keys == ["uuid:CAM-1:bad", "uuid:CAM-1:c", "uuid:CAM-1:undelivered"]


async def test_lag_counts_pending_and_undelivered_entries(db, private_redis_client) -> None:
    queue = make_queue(private_redis_client, claim_idle_ms=60_000)
    await queue.ensure_group()
    assert (await queue.lag()).waiting == 0
    await private_redis_client.xadd(
        queue.stream, {"read": "{}"}, id=f"{int(1000 * (1e9))}-0"
    )  # 2001-09-09
    await queue.enqueue(good_read("uuid:CAM-1:new"))

    lag = await queue.lag()

    assert lag.waiting == 2
    assert lag.oldest_age_seconds > timedelta(days=365).total_seconds()
    assert await private_redis_client.xlen(queue.stream) == 2
    assert (await private_redis_client.xinfo_groups(queue.stream))[0]["name"] == GROUP.encode()
