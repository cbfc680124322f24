"""The push receiver's hot path, after cutting its CPU per push (performance issue, "ingest
does not slow with size"): the body is kept as the chunks the server received and joined
once for the parser, and picture directories are created only when an open finds them
missing. None of it may change what is stored, acknowledged or refused: these tests pin that
down (and that a read's text survives the Redis stream unchanged)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from test_inbox_queue import pipeline

from domcctv.domain.reads import PlateRead, ReadSource, StoredPicture
from domcctv.http.ingest import MAX_PUSH_BYTES, PushReceiver
from domcctv.infra.media import MediaStore
from domcctv.infra.queue import RedisStreamQueue
from domcctv.models import Camera, PlateReadRecord, Site
from domcctv.services.clock import utcnow
from integrations.hikvision.simulator.camera import payloads
from integrations.hikvision.simulator.records import SimulatedRead

CONTENT_TYPE = "multipart/form-data; boundary=boundary"


def jpeg(size: int) -> bytes:
    """Bytes the receiver takes for a JPEG (it checks the signature, never decodes)."""
    return b"\xff\xd8\xff\xe0" + secrets.token_bytes(size)


class RecordingQueue:
    """What the receiver enqueued (the ack waits for ``enqueue`` to return)."""

    def __init__(self) -> None:
        self.reads: list[PlateRead] = []

    async def enqueue(self, read: PlateRead) -> None:
        self.reads.append(read)


def push_body(plate: str, event_uuid: str, detection: bytes, plate_picture: bytes) -> bytes:
    now = datetime.now(UTC)
    identity = payloads.Identity(
        "Porton", "DS-TEST-1", "44:a6:42:00:00:01", "127.0.0.1", 80, 1, "hikvision"
    )
    read = SimulatedRead(
        camera_index=0,
        camera_index_code="CAM-T",
        camera_name="Porton",
        channel=1,
        uuid=event_uuid,
        syscode=secrets.token_hex(16).upper(),
        pic_name="000000000000000001",
        plate_text=plate,
        true_plate=plate,
        confidence=96.0,
        char_confidences=(96,) * len(plate),
        misread=False,
        occurred_at=now,
        created_at=now,
        direction="forward",
        vehicle_type="truck",
        vehicle_color="white",
        list_name="otherList",
        pic_uri="",
        plate_picture=plate_picture,
        detection_picture=detection,
    )
    return payloads.push_body(payloads.anpr_alert(identity, read), payloads.pictures_of(read))


def request(token: str, body: bytes, *, chunk: int, declare_length: bool = True) -> Request:
    """A request whose body arrives in ``chunk``-byte pieces, as a server hands it over."""
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    headers = [(b"content-type", CONTENT_TYPE.encode())]
    if declare_length:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/ingest/isapi/{token}",
        "path_params": {"token": token},
        "headers": headers,
        "query_string": b"",
    }
    remaining = iter(pieces)

    async def receive() -> dict[str, Any]:
        piece = next(remaining, None)
        if piece is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": piece, "more_body": True}

    return Request(scope, receive)


async def camera_token() -> str:
    site = await Site.create(name=f"Yard {uuid.uuid4().hex[:6]}")
    token = secrets.token_urlsafe(24)
    await Camera.create(
        code="CAM-T",
        name="Porton",
        site=site,
        push_token_hash=hashlib.sha256(token.encode()).hexdigest(),
        is_active=True,
    )
    return token


# ------------------------------------------------------------------ body chunks


@pytest.mark.parametrize("chunk", [1000, 65536, 1 << 20])
async def test_a_push_in_any_number_of_chunks_is_stored_byte_for_byte(
    db: str, tmp_path: Path, chunk: int
) -> None:
    token = await camera_token()
    queue = RecordingQueue()
    store = MediaStore(tmp_path / "media")
    receiver = PushReceiver(store, queue)  # type: ignore[arg-type]
    detection, plate_picture = jpeg(300_000), jpeg(12_000)
    event_uuid = str(uuid.uuid4())
    body = push_body("BCDF21", event_uuid, detection, plate_picture)

    response = await receiver.handle(request(token, body, chunk=chunk))

    assert response.status_code == 200, response.body
    [read] = queue.reads
    assert read.natural_key == f"uuid:CAM-T:{event_uuid}"
    assert read.plate_text == "BCDF21"
    stored = {p.kind: (tmp_path / "media" / p.path).read_bytes() for p in read.pictures}
    assert sorted(stored.values()) == sorted([detection, plate_picture])
    assert f"uuid:CAM-T:{event_uuid}".encode() in response.body


async def test_a_streamed_body_past_the_limit_is_refused_without_a_length(
    db: str, tmp_path: Path
) -> None:
    token = await camera_token()
    queue = RecordingQueue()
    receiver = PushReceiver(MediaStore(tmp_path / "media"), queue)  # type: ignore[arg-type]
    body = push_body("BCDF21", str(uuid.uuid4()), jpeg(MAX_PUSH_BYTES), jpeg(100))

    response = await receiver.handle(request(token, body, chunk=1 << 20, declare_length=False))

    assert response.status_code == 413
    assert queue.reads == []
    assert not (tmp_path / "media").exists()  # nothing written before the refusal


# ------------------------------------------------------------------ picture directories


def test_pictures_create_their_directories_only_when_missing(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")  # the root does not exist yet
    first, second = jpeg(2000), jpeg(2000)

    [path] = store.write_pictures([first])
    assert (tmp_path / "media" / path).read_bytes() == first
    digest = hashlib.sha256(first).hexdigest()
    assert path == f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"

    # Someone removes the directory tree: the next write re-creates it.
    target = tmp_path / "media" / path
    target.unlink()
    target.parent.rmdir()
    [again, other] = store.write_pictures([first, second])
    assert again == path
    assert target.read_bytes() == first
    assert (tmp_path / "media" / other).read_bytes() == second
    leftovers = [p for p in (tmp_path / "media").rglob("*") if p.name.endswith(".part")]
    assert leftovers == []


def test_a_stored_picture_is_never_rewritten(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    data = jpeg(5000)
    [path] = store.write_pictures([data])
    before = (tmp_path / path).stat()

    assert store.write_pictures([data, data]) == [path, path]

    after = (tmp_path / path).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# ------------------------------------------------------------------ stream encoding


async def test_a_read_with_non_ascii_text_survives_the_stream_unchanged(
    db: str, private_redis_client: Any
) -> None:
    queue = RedisStreamQueue(private_redis_client, namespace=f"t-{uuid.uuid4().hex[:8]}")
    await queue.ensure_group()
    read = PlateRead(
        source=ReadSource.PUSH,
        natural_key="uuid:CAM-Ñ:åß-1",
        camera_code="CAM-Ñ",
        camera_name="Portón Ñuñoa — acceso",
        plate_text="BCDF21",
        confidence=97.5,
        occurred_at=utcnow().replace(microsecond=123456),
        direction="forward",
        vehicle_type="camión",
        pictures=(StoredPicture("detectionPicture", "ab/cd/abcd.jpg"),),
        reported_time_text="2026-11-27T10:00:00 hora local",
    )
    await queue.enqueue(read)
    seen: list[PlateRead] = []
    handler = pipeline()

    async def collect(reads: list[PlateRead]) -> list[Any]:
        seen.extend(reads)
        results: list[Any] = await handler(reads)
        return results

    await queue._round(collect)

    assert seen == [read]
    stored = await PlateReadRecord.get(natural_key=read.natural_key)
    assert stored.camera_code == "CAM-Ñ"
    assert await queue.pending_count() == 0
