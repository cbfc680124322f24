"""Fault injection on the production shape: server, ingest worker and simulated site as real
processes on MariaDB and a private Redis, while the site pushes reads at a steady rate and a
graphql-transport-ws subscriber listens.

Each scenario: pushes for a few seconds, inject the fault, hold it, recover, push a few more
seconds, stop the site, wait (bounded) for the system to catch up. Then every read the site
got a 200 for must be stored exactly once and pushed live exactly once, and nothing may wait
anywhere (stream pending and lag, outbox, inbox, dead letters). Pushes refused during an
outage (5xx, or no answer in time) are fine: the camera knows it was not acknowledged.

Each scenario also proves its fault really bit (a killed worker had reads in hand, an outage
refused or queued pushes), so a green run cannot come from a fault that missed.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable

import pytest
import redis.asyncio as redis_asyncio
from fault_stack import FaultStack, Outcome

from domcctv.models import PlateReadRecord

pytestmark = [pytest.mark.mariadb, pytest.mark.slow, pytest.mark.timeout(300)]

RATE = 8.0  # reads per second over the site's two cameras
WARM_SECONDS = 3.0
HOLD_SECONDS = 4.0
AFTER_SECONDS = 4.0

MakeStack = Callable[..., Awaitable[FaultStack]]


async def scenario(
    stack: FaultStack,
    inject: Callable[[], Awaitable[None]],
    recover: Callable[[], Awaitable[None]],
    hold: float = HOLD_SECONDS,
) -> tuple[float, float]:
    """Push, inject, hold, recover, push, stop; returns the (inject, recover) wall times."""
    await stack.start_pushing(RATE)
    await asyncio.sleep(WARM_SECONDS)
    injected = time.time()
    await inject()
    stack.note("fault injected")
    await asyncio.sleep(hold)
    await recover()
    recovered = time.time()
    stack.note("recovered")
    await asyncio.sleep(AFTER_SECONDS)
    await stack.stop_pushing()
    return injected, recovered


def refused_between(stack: FaultStack, start: float, end: float) -> int:
    return sum(
        1 for r in stack.reads if r.get("status") != 200 and start <= r.get("sent_at", 0) <= end
    )


async def test_worker_killed_mid_ingest(stack_factory: MakeStack) -> None:
    """kill -9 the worker in the middle of a backlog: some reads of the batch it took are
    stored, others are delivered to it and not yet acknowledged. A new worker re-claims them
    (XAUTOCLAIM); reads the dead one had committed are not stored twice, and their live
    pushes (committed in the outbox) are relayed once."""
    stack = await stack_factory()
    in_hand: dict[str, int] = {}

    async def kill_mid_ingest() -> None:
        client = redis_asyncio.from_url(stack.redis.url)
        stream = f"{stack.namespace}:ingest:reads"
        try:
            stack.worker.signal(signal.SIGSTOP)  # a backlog builds up...
            await asyncio.sleep(2.0)
            stored_before = await PlateReadRecord.all().count()
            stack.worker.signal(signal.SIGCONT)  # ...and the worker is caught working on it:
            for _ in range(1000):  # some of it stored, the rest delivered to it, unacked
                pending = (await client.xpending(stream, "ingest"))["pending"]
                if pending and await PlateReadRecord.all().count() > stored_before:
                    break
                await asyncio.sleep(0.002)
            await stack.worker.kill9()
            in_hand["pending"] = (await client.xpending(stream, "ingest"))["pending"]
            in_hand["stored"] = await PlateReadRecord.all().count() - stored_before
        finally:
            await client.aclose()
        stack.note(
            f"worker killed after storing {in_hand['stored']} reads of its backlog, with "
            f"{in_hand['pending']} delivered and unacknowledged"
        )

    await scenario(stack, kill_mid_ingest, stack.worker.start)
    outcome = await stack.settle()
    assert in_hand["pending"] > 0, f"the worker was not killed mid-ingest\n{stack.report()}"
    stack.assert_exactly_once(outcome)


async def test_redis_restarted(stack_factory: MakeStack) -> None:
    """kill -9 the (persistent, AOF) Redis and start it again on the same port: pushes during
    the outage are refused (503), everything acknowledged before survives in the stream, and
    the bus subscription of the server comes back (no live push lost after the restart)."""
    stack = await stack_factory()
    injected, recovered = await scenario(stack, stack.redis.kill9, stack.redis.start)
    outcome = await stack.settle()
    assert refused_between(stack, injected + 0.5, recovered - 0.5), (
        f"no push was refused while Redis was down\n{stack.report()}"
    )
    stack.assert_exactly_once(outcome)


async def test_redis_without_persistence_restarted(stack_factory: MakeStack) -> None:
    """A Redis without persistence (`--save '' --appendonly no`) restarted loses its whole
    memory: the stream (every acknowledged read not yet processed) and the consumer group.
    Those losses are the deployment's choice (README: run Redis with appendonly); what must
    hold is that the pipeline recovers: reads pushed after the restart are stored and pushed
    live exactly once, and nothing waits."""
    stack = await stack_factory(redis_appendonly=False)
    _, recovered = await scenario(stack, stack.redis.kill9, stack.redis.start)
    outcome = await stack.settle()
    after = {r["uuid"] for r in stack.reads if r.get("sent_at", 0) > recovered + 1.0}
    after_acknowledged = [u for u in outcome.acknowledged if u in after]
    assert after_acknowledged, f"nothing acknowledged after the restart\n{stack.report()}"
    lost = [u for u in after_acknowledged if outcome.stored_by_uuid[u] != 1]
    assert not lost, (
        f"reads acknowledged after the Redis restart not stored exactly once: {lost}\n"
        f"{outcome.summary()}\n{stack.report()}"
    )
    stored_events = {e for e, n in outcome.reads_by_event.items() if n}
    assert not [e for e in stored_events if outcome.created[e] > 1], outcome.summary()
    assert outcome.queue_empty(), f"{outcome.summary()}\n{stack.report()}"


async def test_database_link_cut(stack_factory: MakeStack) -> None:
    """Cut MariaDB away from the server and the worker for a few seconds, then restore. The
    worker's link is cut at the worst moment, as it begins a transaction (the BEGIN never
    arrives). Pushes keep being acknowledged into the stream (device tokens are cached) or
    are refused with 503; the worker retries without dead-lettering; everything catches up."""
    stack = await stack_factory()
    caught: dict[str, object] = {}

    async def cut() -> None:
        caught["begin"] = await stack.worker_link.cut_at_next_begin(wait=5.0)
        await stack.server_link.cut()
        stack.note(f"database links cut (worker caught in BEGIN: {caught['begin']})")

    async def restore() -> None:
        acknowledged = sum(1 for r in stack.reads if r.get("status") == 200)
        caught["waiting"] = acknowledged - await PlateReadRecord.all().count()
        stack.note(f"{caught['waiting']} acknowledged reads waiting at restore")
        await stack.server_link.restore()
        await stack.worker_link.restore()

    injected, recovered = await scenario(stack, cut, restore)
    outcome = await stack.settle()
    assert caught["begin"], f"the worker began no transaction to cut\n{stack.report()}"
    refused = refused_between(stack, injected + 0.5, recovered - 0.5)
    assert caught["waiting"] or refused, f"the database cut changed nothing\n{stack.report()}"
    stack.assert_exactly_once(outcome)


async def test_media_disk_full(stack_factory: MakeStack) -> None:
    """Fill the disk of MEDIA_DIR (a small tmpfs; where mounting is not allowed, a media
    directory whose writes fail): pushes are refused with 503 (never acknowledged without
    their pictures), nothing half-written is kept, and ingest resumes once space is back."""
    stack = await stack_factory()

    async def fill() -> None:
        await asyncio.to_thread(stack.media.fill)

    async def free() -> None:
        await asyncio.to_thread(stack.media.free)

    injected, recovered = await scenario(stack, fill, free)
    outcome = await stack.settle()
    refused = refused_between(stack, injected + 0.5, recovered - 0.5)
    assert refused, f"no push was refused with the disk full ({stack.media.mode})\n{stack.report()}"
    stack.assert_exactly_once(outcome)
    leftovers = [p.name for p in stack.media.root.rglob("*.part")]
    assert not leftovers, f"half-written pictures left behind: {leftovers}"


def test_outcome_judges_duplicates_and_losses() -> None:
    """The judge itself: a missing read, a read stored twice, an event pushed twice or never
    are each reported (so a broken stack cannot pass by a lenient check)."""
    from collections import Counter

    ok = Outcome(
        acknowledged=["a", "b"],
        refused=Counter(),
        stored_by_uuid=Counter({"a": 1, "b": 1}),
        reads_by_event=Counter({1: 1, 2: 1}),
        events=[1, 2],
        created=Counter({1: 1, 2: 1}),
        updated=Counter(),
        outbox=0,
        inbox_pending=0,
        dead_letters=0,
        stream={"pending": 0, "caught_up": True},
    )
    assert ok.settled()
    assert ok.queue_empty()
    lost = Outcome(**{**ok.__dict__, "stored_by_uuid": Counter({"a": 1})})
    assert lost.missing() == ["b"]
    twice = Outcome(**{**ok.__dict__, "stored_by_uuid": Counter({"a": 2, "b": 1})})
    assert twice.duplicated() == ["a"]
    pushed_twice = Outcome(**{**ok.__dict__, "created": Counter({1: 2, 2: 1})})
    assert pushed_twice.live_duplicated() == [1]
    never_pushed = Outcome(**{**ok.__dict__, "created": Counter({1: 1})})
    assert never_pushed.live_missing() == [2]
    over_updated = Outcome(**{**ok.__dict__, "updated": Counter({1: 1})})
    assert over_updated.live_duplicated() == [1]
    waiting = Outcome(**{**ok.__dict__, "stream": {"pending": 3, "caught_up": True}})
    assert not waiting.queue_empty()
    behind = Outcome(**{**ok.__dict__, "stream": {"pending": 0, "caught_up": False}})
    assert not behind.settled()
