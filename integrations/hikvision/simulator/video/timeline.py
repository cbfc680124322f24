"""What the simulated recorder holds right now: one answer for search, download and RTSP.

The recorder keeps ``history_hours`` of footage, but only up to its *horizon*: footage is
flushed to disk ``lag_seconds`` late (real NVRs buffer), and only whole chunks exist (a chunk
is rendered once its end is in the past).  Gaps (a simulated disk fault) remove whole chunks,
because recorders lose whole files, not frames.  The history start is aligned to a chunk so
that the keyframe at or before any recorded instant is itself recorded.

``RecorderFaults`` holds the runtime knobs (plain mutable attributes); the camera exposes
them and every reader consults them on each call, so tests can flip them mid-run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from integrations.hikvision.simulator.video.feed import (
    RecorderOffline,
    RecordingNotYetRecorded,
    RecordingUnavailable,
)

type Span = tuple[datetime, datetime]


@dataclass(slots=True)
class RecorderFaults:
    """Failure knobs of one camera's recorder (see ``SimulatedCamera``)."""

    offline: bool = False  # download/RTSP playback refused (HDD error, recorder down)
    corrupt: bool = False  # footage exists but does not decode
    gaps: list[Span] = field(default_factory=list)  # spans with no footage at all
    lag_seconds: float = 0.0  # how late footage reaches the disk


def _epoch(value: datetime) -> float:
    if value.tzinfo is None:
        raise ValueError("recording times must be timezone-aware")
    return value.timestamp()


class Timeline:
    """Chunk arithmetic plus the availability rules above."""

    def __init__(self, *, history_hours: float, chunk_seconds: int, faults: RecorderFaults) -> None:
        if history_hours <= 0 or chunk_seconds <= 0:
            raise ValueError("recording history and chunk length must be positive")
        self.history = timedelta(hours=history_hours)
        self.chunk_seconds = chunk_seconds
        self.faults = faults

    # ------------------------------------------------------------------ chunk arithmetic

    def chunk_index(self, when: datetime) -> int:
        """Index of the chunk holding ``when`` (chunks are aligned to the Unix epoch)."""
        return math.floor(_epoch(when) / self.chunk_seconds)

    def chunk_start(self, index: int) -> datetime:
        return datetime.fromtimestamp(index * self.chunk_seconds, UTC)

    def chunk_end(self, index: int) -> datetime:
        return self.chunk_start(index + 1)

    # ------------------------------------------------------------------ availability

    def history_start(self, now: datetime) -> datetime:
        return self.chunk_start(math.ceil(_epoch(now - self.history) / self.chunk_seconds))

    def horizon(self, now: datetime) -> datetime:
        """Newest recorded instant: flushed (``lag_seconds``) and in a completed chunk."""
        flushed = now - timedelta(seconds=max(0.0, self.faults.lag_seconds))
        return min(flushed, self.chunk_start(self.chunk_index(now)))

    def _gaps(self) -> list[Span]:
        """Configured gaps widened to whole chunks, sorted."""
        out = []
        for start, end in self.faults.gaps:
            first, last = self.chunk_index(start), math.ceil(_epoch(end) / self.chunk_seconds)
            out.append((self.chunk_start(first), self.chunk_start(max(last, first + 1))))
        return sorted(out)

    def recorded_spans(self, start: datetime, end: datetime, now: datetime) -> list[Span]:
        """The recorded parts of [start, end], in order."""
        lo, hi = max(start, self.history_start(now)), min(end, self.horizon(now))
        spans: list[Span] = []
        for gap_start, gap_end in self._gaps():
            if gap_end <= lo or gap_start >= hi:
                continue
            if gap_start > lo:
                spans.append((lo, gap_start))
            lo = max(lo, gap_end)
        if hi > lo:
            spans.append((lo, hi))
        return spans

    def check(self, start: datetime, end: datetime, now: datetime) -> None:
        """Raise unless all of [start, end] is recorded (a span is served whole or not at all)."""
        if _epoch(end) <= _epoch(start):
            raise RecordingUnavailable("empty span: end is not after start")
        if self.faults.offline:
            raise RecorderOffline("recorder offline")
        if start < self.history_start(now):
            raise RecordingUnavailable("span starts before the recorded history")
        if end > self.horizon(now):
            if start >= now:
                raise RecordingUnavailable("span is in the future")
            raise RecordingNotYetRecorded("span ends after the footage flushed to disk so far")
        if self.recorded_spans(start, end, now) != [(start, end)]:
            raise RecordingUnavailable("span overlaps a recording gap")
