"""What the simulated site remembers: every read, HikCentral's view of it, and its pictures.

A read lands in HikCentral only at its ``created_at`` (``crossTime`` + a few seconds), which
is what makes a poller's trailing-margin logic observable.  Memory is bounded: reads are kept
in a capped deque and pictures in a small LRU; an evicted picture is re-rendered on demand.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

VEHICLE_TYPES = {"truck": 2, "vehicle": 1, "SUVMPV": 9, "pickupTruck": 15, "containerTruck": 16}
VEHICLE_COLORS = {"white": 1, "silver": 2, "gray": 3, "black": 4, "red": 5, "blue": 7, "yellow": 8}
DIRECTIONS = {"forward": 1, "reverse": 2}


@dataclass(frozen=True, slots=True)
class SimulatedRead:
    """One simulated passing, with the ground truth tests assert against."""

    camera_index: int
    camera_index_code: str
    camera_name: str
    channel: int
    uuid: str
    syscode: str
    pic_name: str  # 18-digit id used by the vehicleDetect/plates buffer
    plate_text: str
    true_plate: str | None
    confidence: float
    char_confidences: tuple[int, ...]
    misread: bool
    occurred_at: datetime
    created_at: datetime
    direction: str
    vehicle_type: str
    vehicle_color: str
    list_name: str
    pic_uri: str
    plate_picture: bytes = field(default=b"", repr=False)
    detection_picture: bytes = field(default=b"", repr=False)
    reported_time: str = ""  # the dateTime text the camera wrote ("" = ISO of occurred_at)
    push_status: int | None = None
    push_error: str | None = None
    delivered_streams: int = 0


class RecordStore:
    """HikCentral's record table plus the picture server, shared by all cameras."""

    def __init__(
        self,
        *,
        max_records: int,
        picture_cache: int,
        render: Callable[[SimulatedRead], bytes],
    ) -> None:
        self._reads: deque[SimulatedRead] = deque(maxlen=max_records)
        self._by_uri: dict[str, SimulatedRead] = {}
        self._pictures: OrderedDict[str, bytes] = OrderedDict()
        self._picture_cache = picture_cache
        self._render = render
        self._lock = threading.Lock()

    def add(self, read: SimulatedRead) -> None:
        stripped = _without_pictures(read)
        with self._lock:
            if len(self._reads) == self._reads.maxlen:
                self._by_uri.pop(self._reads[0].pic_uri, None)
            self._reads.append(stripped)
            self._by_uri[read.pic_uri] = stripped
            self._remember(read.pic_uri, read.detection_picture)

    def _remember(self, uri: str, data: bytes) -> None:
        self._pictures[uri] = data
        self._pictures.move_to_end(uri)
        while len(self._pictures) > self._picture_cache:
            self._pictures.popitem(last=False)

    def all(self) -> list[SimulatedRead]:
        with self._lock:
            return list(self._reads)

    def visible(
        self,
        now: datetime,
        start: datetime,
        end: datetime,
        camera_index_code: str | None = None,
        plate: str | None = None,
    ) -> list[SimulatedRead]:
        """Records HikCentral would return now, sorted ascending by pass time."""
        with self._lock:
            reads: Iterable[SimulatedRead] = list(self._reads)
        out = [
            r
            for r in reads
            if r.created_at <= now
            and start <= r.occurred_at <= end
            and (not camera_index_code or r.camera_index_code == camera_index_code)
            and (not plate or plate.upper() in r.plate_text.upper())
        ]
        return sorted(out, key=lambda r: r.occurred_at)

    def picture(self, uri: str) -> bytes | None:
        with self._lock:
            cached = self._pictures.get(uri)
            read = self._by_uri.get(uri)
        if cached is not None or read is None:
            return cached
        data = self._render(read)
        with self._lock:
            self._remember(uri, data)
        return data


def _without_pictures(read: SimulatedRead) -> SimulatedRead:
    return replace(read, plate_picture=b"", detection_picture=b"")
