"""The database inbox (the no-Redis queue): a failing read never blocks the reads behind it,
is retried with backoff, and after INGEST_MAX_ATTEMPTS moves whole to the dead letters.

Before: ``_drain`` returned on the first failure and the next pass took that same row first,
so one poison read (a year-9999 push, acknowledged then overflowing in the consumer) stopped
every later read from being stored, forever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domcctv.domain.reads import PlateRead, ReadSource
from domcctv.infra.bus import InProcessBus
from domcctv.infra.queue import DatabaseQueue
from domcctv.models import (
    DeadLetterStatus,
    Event,
    IngestDeadLetter,
    IngestInbox,
    PlateReadRecord,
)
from domcctv.services.clock import utcnow
from domcctv.workers.ingest import make_handler


def good_read(key: str, plate: str = "HJKL42") -> PlateRead:
    return PlateRead(
        source=ReadSource.PUSH,
        natural_key=key,
        camera_code="CAM-1",
        camera_name="Porton",
        plate_text=plate,
        confidence=95.0,
        occurred_at=utcnow() - timedelta(seconds=5),
    )


def pipeline() -> Any:
    return make_handler(InProcessBus(), threshold=85.0, merge_window_seconds=60)


class Failing:
    """The real pipeline, except that reads with the given keys fail (a processing bug):
    each comes back as its own error while the rest of its batch is stored."""

    def __init__(self, *keys: str) -> None:
        self.keys = set(keys)
        self.calls: list[str] = []
        self._real = pipeline()

    async def __call__(self, reads: list[PlateRead]) -> list[BaseException | None]:
        self.calls.extend(r.natural_key for r in reads)
        good = [r for r in reads if r.natural_key not in self.keys]
        stored = iter(await self._real(good) if good else [])
        return [
            RuntimeError(f"cannot process {r.natural_key}")
            if r.natural_key in self.keys
            else next(stored)
            for r in reads
        ]


class Exploding:
    """A pipeline whose whole batch fails when it holds a bad read (a transaction-level
    failure): the queue must retry read by read so only the bad one fails."""

    def __init__(self, bad: str) -> None:
        self.bad = bad
        self.batches: list[list[str]] = []
        self._real = pipeline()

    async def __call__(self, reads: list[PlateRead]) -> list[BaseException | None]:
        self.batches.append([r.natural_key for r in reads])
        if any(r.natural_key == self.bad for r in reads):
            raise RuntimeError("the transaction failed")
        return await self._real(reads)


async def test_a_poison_row_from_before_the_policy_no_longer_stalls_the_inbox(db) -> None:
    # given a year-9999 read acknowledged and queued by the old receiver, then two good reads
    poison = good_read("uuid:CAM-1:poison").to_json()
    poison["occurredAt"] = "9999-12-31T23:59:59+00:00"
    await IngestInbox.create(natural_key="uuid:CAM-1:poison", payload=poison)
    queue = DatabaseQueue()
    await queue.enqueue(good_read("uuid:CAM-1:a", "HJKL42"))
    await queue.enqueue(good_read("uuid:CAM-1:b", "FK1234"))

    # when the consumer drains once with the real pipeline
    taken = await queue._drain(pipeline())

    # then the reads behind it are stored, and it is dead-lettered whole, not dropped
    assert taken == 3
    assert (
        await PlateReadRecord.filter(natural_key__in=["uuid:CAM-1:a", "uuid:CAM-1:b"]).count() == 2
    )
    letter = await IngestDeadLetter.get(natural_key="uuid:CAM-1:poison")
    assert letter.status is DeadLetterStatus.PENDING
    assert letter.payload["occurredAt"] == "9999-12-31T23:59:59+00:00"
    assert letter.source == "push"
    assert letter.camera_code == "CAM-1"
    assert letter.error.startswith("undecodable")
    assert not await IngestInbox.filter(natural_key="uuid:CAM-1:poison").exists()
    assert await IngestInbox.filter(processed_at__isnull=True).count() == 0


async def test_undecodable_payloads_are_dead_lettered_with_their_raw_content(db) -> None:
    await IngestInbox.create(natural_key="junk-1", payload={"v": 9, "whatever": [1, 2]})
    await IngestInbox.create(natural_key="junk-2", payload=["not", "an", "object"])
    queue = DatabaseQueue()
    await queue.enqueue(good_read("uuid:CAM-1:after"))

    await queue._drain(pipeline())

    letters = {d.natural_key: d for d in await IngestDeadLetter.all()}
    assert letters["junk-1"].payload == {"v": 9, "whatever": [1, 2]}
    assert letters["junk-2"].payload == ["not", "an", "object"]
    assert await PlateReadRecord.filter(natural_key="uuid:CAM-1:after").exists()


async def test_a_failing_read_backs_off_and_the_rest_go_on(db) -> None:
    handler = Failing("uuid:CAM-1:bad")
    queue = DatabaseQueue(max_attempts=5, backoff_base_seconds=30)
    await queue.enqueue(good_read("uuid:CAM-1:bad", "BCDF21"))
    await queue.enqueue(good_read("uuid:CAM-1:good", "HJKL42"))

    assert await queue._drain(handler) == 2
    row = await IngestInbox.get(natural_key="uuid:CAM-1:bad")
    assert row.attempts == 1
    assert row.processed_at is None
    assert row.last_error is not None
    assert "cannot process" in row.last_error
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert await PlateReadRecord.filter(natural_key="uuid:CAM-1:good").exists()

    # while it waits, a pass does not take it again; a new read is taken at once
    await queue.enqueue(good_read("uuid:CAM-1:new", "FK1234"))
    assert await queue._drain(handler) == 1
    assert handler.calls == ["uuid:CAM-1:bad", "uuid:CAM-1:good", "uuid:CAM-1:new"]


async def test_a_batch_that_fails_as_a_whole_is_retried_read_by_read(db) -> None:
    handler = Exploding("uuid:CAM-1:bad")
    queue = DatabaseQueue(max_attempts=5, backoff_base_seconds=30)
    for key, plate in (("a", "HJKL42"), ("bad", "BCDF21"), ("b", "FK1234")):
        await queue.enqueue(good_read(f"uuid:CAM-1:{key}", plate))

    assert await queue._drain(handler) == 3

    assert handler.batches[0] == ["uuid:CAM-1:a", "uuid:CAM-1:bad", "uuid:CAM-1:b"]
    assert handler.batches[1:] == [["uuid:CAM-1:a"], ["uuid:CAM-1:bad"], ["uuid:CAM-1:b"]]
    assert (
        await PlateReadRecord.filter(natural_key__in=["uuid:CAM-1:a", "uuid:CAM-1:b"]).count() == 2
    )
    row = await IngestInbox.get(natural_key="uuid:CAM-1:bad")
    assert (row.attempts, row.processed_at) == (1, None)
    assert "the transaction failed" in (row.last_error or "")


async def test_an_outage_is_not_counted_against_the_reads(db) -> None:
    async def database_down(reads: list[PlateRead]) -> list[BaseException | None]:
        raise ConnectionError("database unreachable")

    queue = DatabaseQueue(max_attempts=2)
    await queue.enqueue(good_read("uuid:CAM-1:a"))
    for _ in range(3):
        await queue._drain(database_down)
    row = await IngestInbox.get(natural_key="uuid:CAM-1:a")
    assert (row.attempts, row.processed_at, row.next_attempt_at) == (0, None, None)
    assert not await IngestDeadLetter.exists()


async def test_after_max_attempts_the_read_moves_to_the_dead_letters(db) -> None:
    handler = Failing("uuid:CAM-1:bad")
    queue = DatabaseQueue(max_attempts=3, backoff_base_seconds=0)
    await queue.enqueue(good_read("uuid:CAM-1:bad", "BCDF21"))

    passes = 0
    while await IngestInbox.filter(natural_key="uuid:CAM-1:bad").exists():
        passes += 1
        assert passes <= 3, "still in the inbox after max_attempts passes"
        await queue._drain(handler)

    assert passes == 3
    letter = await IngestDeadLetter.get(natural_key="uuid:CAM-1:bad")
    assert letter.attempts == 3
    assert "RuntimeError: cannot process" in letter.error
    assert PlateRead.from_json(letter.payload).plate_text == "BCDF21"  # kept whole: retryable
    assert await Event.all().count() == 0


async def test_processed_rows_are_purged_after_the_retention(db) -> None:
    queue = DatabaseQueue(retention=timedelta(hours=24), purge_batch=2)
    for i in range(5):
        await queue.enqueue(good_read(f"uuid:CAM-1:{i}", "HJKL42"))
    await queue._drain(pipeline())
    old = utcnow() - timedelta(hours=25)
    await IngestInbox.filter(
        natural_key__in=["uuid:CAM-1:0", "uuid:CAM-1:1", "uuid:CAM-1:2"]
    ).update(processed_at=old)
    await queue.enqueue(good_read("uuid:CAM-1:waiting", "FK1234"))  # unprocessed: kept

    assert await queue.purge_processed(force=True) == 3

    left = set(await IngestInbox.all().values_list("natural_key", flat=True))
    assert left == {"uuid:CAM-1:3", "uuid:CAM-1:4", "uuid:CAM-1:waiting"}


async def test_lag_is_the_age_of_the_oldest_unprocessed_row(db) -> None:
    queue = DatabaseQueue()
    assert (await queue.lag()).waiting == 0
    await queue.enqueue(good_read("uuid:CAM-1:old"))
    await queue.enqueue(good_read("uuid:CAM-1:new"))
    await IngestInbox.filter(natural_key="uuid:CAM-1:old").update(
        received_at=datetime.now(UTC) - timedelta(minutes=5)
    )

    lag = await queue.lag()

    assert lag.waiting == 2
    assert 290 < lag.oldest_age_seconds < 400
