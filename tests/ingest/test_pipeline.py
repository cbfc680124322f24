"""The ingest pipeline on its own (real DB): idempotency, merge window, unread and garbage
plates, registry assignment, and the versioned queue payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import PlateFormat
from domcctv.domain.reads import PlateRead, ReadSource, StoredPicture, TimeIssue
from domcctv.models import AuditAction, AuditLog, Event, PlateReadRecord
from domcctv.services.ingest import IngestResult, record_plate_read

from factories import make_company, make_vehicle

T0 = datetime(2025, 1, 15, 11, 30, 12, tzinfo=UTC)


def read(
    key: str,
    plate: str = "HJKL42",
    camera: str = "CAM-1",
    *,
    at: datetime = T0,
    confidence: float = 96.0,
) -> PlateRead:
    return PlateRead(
        source=ReadSource.PUSH,
        natural_key=key,
        camera_code=camera,
        camera_name=camera,
        plate_text=plate,
        confidence=confidence,
        occurred_at=at,
        pictures=(StoredPicture("licensePlatePicture", "a.jpg"),),
    )


async def ingest(r: PlateRead):  # type: ignore[no-untyped-def]
    return await record_plate_read(r, threshold=85.0, merge_window_seconds=60)


async def test_same_natural_key_twice_is_stored_once(db) -> None:
    assert (await ingest(read("uuid:1"))).result is IngestResult.CREATED
    assert (await ingest(read("uuid:1"))).result is IngestResult.DUPLICATE
    assert await PlateReadRecord.all().count() == 1
    assert await Event.all().count() == 1
    assert await AuditLog.filter(action=AuditAction.INGEST_EVENT).count() == 1


async def test_other_camera_within_window_merges_outside_window_does_not(db) -> None:
    await ingest(read("uuid:a", camera="CAM-1"))
    merged = await ingest(read("uuid:b", camera="CAM-2", at=T0 + timedelta(seconds=20)))
    assert merged.result is IngestResult.MERGED
    assert merged.event is not None
    assert merged.event.secondary_camera["code"] == "CAM-2"
    later = await ingest(read("uuid:c", camera="CAM-2", at=T0 + timedelta(minutes=5)))
    assert later.result is IngestResult.CREATED
    assert await Event.filter(plate="HJKL42").count() == 2


async def test_same_pass_through_another_channel_attaches(db) -> None:
    first = await ingest(read("uuid:x", at=T0.replace(microsecond=250_000)))
    again = await ingest(read("hcp:SYS1", at=T0))  # backfill of the same pass, no fraction
    assert again.result is IngestResult.ATTACHED
    assert again.event is not None
    assert first.event is not None
    assert again.event.id == first.event.id
    assert await PlateReadRecord.filter(event_id=first.event.id).count() == 2


async def test_registered_plate_is_assigned_unknown_is_not(db) -> None:
    company = await make_company()
    await make_vehicle(company, "FK1234")
    known = await ingest(read("uuid:k", plate="FK-1234"))
    unknown = await ingest(read("uuid:u", plate="ZZYX11"))
    assert known.event is not None
    assert unknown.event is not None
    assert known.event.company_id == company.id
    assert unknown.event.company_id is None


@pytest.mark.parametrize(
    ("text", "expected_format"),
    [
        ("unknown", PlateFormat.UNREAD),
        ("%%$#!!", PlateFormat.UNREAD),
        ("AB123CD", PlateFormat.FOREIGN),
    ],
)
async def test_unread_and_garbage_reads_are_kept_as_evidence(db, text, expected_format) -> None:
    outcome = await ingest(read(f"uuid:{text}", plate=text, confidence=0.0))
    assert outcome.event is not None
    assert outcome.event.plate_format is expected_format
    assert outcome.event.plate_raw == text
    assert outcome.event.low_confidence is True


async def test_two_unread_reads_never_merge(db) -> None:
    await ingest(read("uuid:1", plate="unknown", camera="CAM-1"))
    second = await ingest(read("uuid:2", plate="unknown", camera="CAM-2"))
    assert second.result is IngestResult.CREATED


def test_queue_payload_round_trips_and_rejects_unknown_versions() -> None:
    original = read("uuid:rt")
    assert PlateRead.from_json(original.to_json()) == original
    with pytest.raises(ValueError, match="version"):
        PlateRead.from_json({**original.to_json(), "v": 2})


async def test_a_new_read_never_merges_into_an_archived_event(db) -> None:
    first = await ingest(read("uuid:a", camera="CAM-1"))
    assert first.event is not None
    await Event.filter(id=first.event.id).update(status=EventStatus.ARCHIVED)

    later = await ingest(read("uuid:b", camera="CAM-2", at=T0 + timedelta(seconds=20)))

    assert later.result is IngestResult.CREATED
    archived = await Event.get(id=first.event.id)
    assert archived.secondary_camera is None  # the archived evidence is unchanged
    assert archived.status is EventStatus.ARCHIVED


async def test_a_flagged_read_time_is_stored_with_the_cameras_claim(db) -> None:
    claim = datetime(2034, 3, 1, 8, 0, tzinfo=UTC)
    flagged = PlateRead(
        source=ReadSource.PUSH,
        natural_key="uuid:CAM-1:skew",
        camera_code="CAM-1",
        camera_name="Porton",
        plate_text="HJKL42",
        confidence=95.0,
        occurred_at=T0,
        time_issue=TimeIssue.CLOCK_SKEW,
        reported_time=claim,
        reported_time_text="2034-03-01T08:00:00Z",
    )

    outcome = await ingest(flagged)

    assert outcome.event is not None
    stored = await Event.get(id=outcome.event.id)
    assert stored.event_time == T0
    assert stored.time_issue == "CLOCK_SKEW"
    assert stored.reported_time == claim
    assert stored.primary_camera["reportedTimeText"] == "2034-03-01T08:00:00Z"


async def test_a_batch_stores_each_read_once_in_one_transaction(db) -> None:
    from domcctv.services.ingest import record_plate_reads

    company = await make_company()
    await make_vehicle(company, "FK1234")
    outcomes = await record_plate_reads(
        [
            read("uuid:CAM-1:a", plate="HJKL42"),
            read("uuid:CAM-1:a", plate="HJKL42"),  # redelivered inside the same batch
            read("uuid:CAM-1:b", plate="FK1234", at=T0 + timedelta(minutes=5)),
        ],
        threshold=85.0,
        merge_window_seconds=60,
    )
    assert [o.result for o in outcomes] == [
        IngestResult.CREATED,
        IngestResult.DUPLICATE,
        IngestResult.CREATED,
    ]
    assert await PlateReadRecord.all().count() == 2
    registered = outcomes[2].event
    assert registered is not None
    assert registered.company_id == company.id  # the batch's registry lookup


async def test_camera_last_seen_is_rewritten_at_most_every_30_seconds(db) -> None:
    from domcctv.models import Camera
    from domcctv.services import ingest as ingest_service

    camera = await Camera.create(code="CAM-1", name="Gate")
    await ingest(read("uuid:s1"))
    first = (await Camera.get(id=camera.id)).last_seen_at
    assert first is not None
    await ingest(read("uuid:s2", at=T0 + timedelta(seconds=5)))
    assert (await Camera.get(id=camera.id)).last_seen_at == first  # within the window
    older = first - ingest_service.LAST_SEEN_EVERY - timedelta(seconds=1)
    await Camera.filter(id=camera.id).update(last_seen_at=older)
    await ingest(read("uuid:s3", at=T0 + timedelta(seconds=10)))
    latest = (await Camera.get(id=camera.id)).last_seen_at
    assert latest is not None
    assert latest > first


async def test_a_batch_chosen_as_a_deadlock_victim_is_stored_once_when_run_again(
    db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tortoise.exceptions import OperationalError

    from domcctv.services import ingest as ingest_service
    from domcctv.services.ingest import record_plate_reads

    real = ingest_service._record
    failures = iter([True])  # the first read of the first attempt fails, as InnoDB would

    async def victim(*args, **kwargs):  # type: ignore[no-untyped-def]
        if next(failures, False):
            raise OperationalError("(1213, 'Deadlock found when trying to get lock')")
        return await real(*args, **kwargs)

    monkeypatch.setattr(ingest_service, "_record", victim)
    reads = [read("uuid:d1", plate="HJKL42"), read("uuid:d2", plate="BBCC11", camera="CAM-2")]
    outcomes = await record_plate_reads(reads, threshold=85.0, merge_window_seconds=60)
    assert [o.result for o in outcomes] == [IngestResult.CREATED, IngestResult.CREATED]
    assert await PlateReadRecord.all().count() == 2
    assert await Event.all().count() == 2


async def test_other_errors_are_not_retried(db, monkeypatch: pytest.MonkeyPatch) -> None:
    from tortoise.exceptions import OperationalError

    from domcctv.services import ingest as ingest_service

    calls: list[int] = []

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        raise OperationalError("(1054, \"Unknown column 'x'\")")

    monkeypatch.setattr(ingest_service, "_record", broken)
    with pytest.raises(OperationalError):
        await ingest(read("uuid:e1"))
    assert calls == [1]
    assert await Event.all().count() == 0
    assert ingest_service.is_deadlock(OperationalError("(1213, 'Deadlock found')"))
