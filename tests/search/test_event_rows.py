"""Search pages read as ``EventRow`` (domcctv/models/event_rows.py) hold exactly what the
Tortoise model holds for the same row — values and Python types, nulls, time zones, enums,
JSON — on the backend under test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.reads import TimeIssue
from domcctv.models import Event
from domcctv.models.event_rows import EVENT_ROW_COLUMNS, fetch_event_rows

from factories import make_company, make_event

T0 = datetime(2025, 6, 1, 12, 0, 30, 123456, tzinfo=UTC)


async def test_rows_equal_the_models_column_for_column(db: str) -> None:
    company = await make_company()
    await make_event(company, "HJKL42", when=T0)
    await make_event(
        None,
        "BB1234",
        when=T0 - timedelta(minutes=1),
        time_issue=TimeIssue.CLOCK_SKEW.value,
        reported_time=T0 - timedelta(days=400),
        secondary_camera={"code": "CAM-2", "pictures": [{"kind": "plate", "key": "k"}]},
        status=EventStatus.VALIDATED,
        has_basic_metadata=True,
        low_confidence=True,
        confidence=41.5,
        documentary_videos=[{"name": "v.mp4"}],
        thumbnail_path="thumbs/x.jpg",
        legal_hold=True,
        processed_at=T0,
    )
    query = Event.all().order_by("-event_time", "-id")
    models = await query
    rows = await fetch_event_rows(query)
    assert [r.id for r in rows] == [m.id for m in models]
    for model, row in zip(models, rows, strict=True):
        for column in EVENT_ROW_COLUMNS:
            expected, got = getattr(model, column), getattr(row, column)
            assert got == expected, column
            assert type(got) is type(expected), column
    assert rows[0].event_time == T0
    assert rows[0].event_time.tzinfo is not None
    assert rows[1].status is EventStatus.VALIDATED
    assert rows[1].secondary_camera["pictures"][0]["key"] == "k"


async def test_an_empty_selection_is_an_empty_page(db: str) -> None:
    assert await fetch_event_rows(Event.filter(plate="NONE00")) == []
