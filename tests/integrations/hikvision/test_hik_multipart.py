"""Multipart framing: HTTP-listening push bodies and the incremental alert-stream parser."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.events import AlertAssembler, parse_push
from integrations.hikvision.isapi.multipart import (
    AlertStreamParser,
    MimePart,
    boundary_from_content_type,
    parse_push_multipart,
)
from integrations.hikvision.models import AnprAlert, Heartbeat

Load = Callable[[str], bytes]
FORM = "multipart/form-data; boundary=boundary"


def form_part(name: str, ctype: str, data: bytes) -> bytes:
    head = f'--boundary\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
    return head.encode() + f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n"


def stream_part(
    data: bytes, ctype: str = 'application/xml; charset="UTF-8"', length: bool = True
) -> bytes:
    head = f"--boundary\r\nContent-Type: {ctype}\r\n"
    if length:
        head += f"Content-Length: {len(data)}\r\n"
    return head.encode() + b"\r\n" + data + b"\r\n"


def push_body(xml: bytes, jpeg: bytes, jpeg_type: str = "image/jpeg") -> bytes:
    return (
        form_part("anpr.xml", "text/xml", xml)
        + form_part("licensePlatePicture.jpg", jpeg_type, jpeg + b"-plate")
        + form_part("detectionPicture.jpg", jpeg_type, jpeg + b"-scene")
        + b"--boundary--\r\n"
    )


def test_boundary_from_header() -> None:
    assert boundary_from_content_type('multipart/mixed; boundary="MIME_b"') == "MIME_b"
    assert boundary_from_content_type("multipart/mixed") == "boundary"
    assert boundary_from_content_type(None) == "boundary"


@pytest.mark.parametrize("jpeg_type", ["image/jpeg", "application/octet-stream"])
def test_push_multipart_maps_pictures_by_name(
    fixture_bytes: Load, jpeg: bytes, jpeg_type: str
) -> None:
    event = parse_push(FORM, push_body(fixture_bytes("anpr_isapi_ver20.xml"), jpeg, jpeg_type))
    assert isinstance(event, AnprAlert)
    assert event.plate_text == "HJKL42"
    plate, scene = event.picture("licensePlatePicture"), event.picture("detectionPicture")
    assert plate is not None
    assert plate.data == jpeg + b"-plate"
    assert scene is not None
    assert scene.data == jpeg + b"-scene"


def test_push_bare_xml_body(fixture_bytes: Load) -> None:
    parts = parse_push_multipart("application/xml", fixture_bytes("heartbeat_videoloss.xml"))
    assert len(parts) == 1
    assert isinstance(
        parse_push("application/xml", fixture_bytes("heartbeat_videoloss.xml")), Heartbeat
    )


def test_push_malformed_xml_raises(jpeg: bytes) -> None:
    with pytest.raises(HikvisionProtocolError):
        parse_push(FORM, push_body(b"<EventNotificationAlert><eventType>ANPR", jpeg))


def test_push_entity_attack_raises(fixture_bytes: Load, jpeg: bytes) -> None:
    with pytest.raises(HikvisionProtocolError):
        parse_push(FORM, push_body(fixture_bytes("hostile_billion_laughs.xml"), jpeg))


def test_push_oversize_part_and_too_many_parts(fixture_bytes: Load, jpeg: bytes) -> None:
    body = push_body(fixture_bytes("anpr_isapi_ver20.xml"), jpeg + b"\x00" * 5000)
    with pytest.raises(HikvisionProtocolError, match="limit"):
        parse_push_multipart(FORM, body, max_part_bytes=4096)
    with pytest.raises(HikvisionProtocolError, match="parts"):
        parse_push_multipart(FORM, body, max_parts=2)


def test_push_truncated_body_raises(fixture_bytes: Load, jpeg: bytes) -> None:
    body = push_body(fixture_bytes("anpr_isapi_ver20.xml"), jpeg)
    with pytest.raises(HikvisionProtocolError, match="truncated"):
        parse_push_multipart(FORM, body[: len(body) - 30])


def test_push_without_xml_part_raises(jpeg: bytes) -> None:
    body = form_part("detectionPicture.jpg", "image/jpeg", jpeg) + b"--boundary--\r\n"
    with pytest.raises(HikvisionProtocolError, match="no event XML"):
        parse_push(FORM, body)


def _stream(fixture_bytes: Load, jpeg: bytes) -> bytes:
    beat = fixture_bytes("heartbeat_videoloss.xml")
    return (
        stream_part(beat)
        + stream_part(fixture_bytes("anpr_isapi_ver20.xml"))
        + stream_part(jpeg + b"A", "image/jpeg")
        + stream_part(jpeg + b"B", "image/jpeg", length=False)  # no Content-Length: boundary scan
        + stream_part(beat, length=False)
    )


def _events(chunks: list[bytes]) -> list[object]:
    parser, assembler, events = AlertStreamParser(), AlertAssembler(), []
    for chunk in chunks:
        for part in parser.feed(chunk):
            events.extend(assembler.add(part))
    # the last part has no Content-Length, so it completes only when the next boundary arrives
    for part in parser.feed(b"--boundary\r\n"):
        events.extend(assembler.add(part))
    return events


def _check_stream_events(events: list[object], jpeg: bytes) -> None:
    assert [type(e).__name__ for e in events] == ["Heartbeat", "AnprAlert", "Heartbeat"]
    alert = events[1]
    assert isinstance(alert, AnprAlert)
    assert [p.data for p in alert.pictures] == [jpeg + b"A", jpeg + b"B"]


def test_alert_stream_whole_buffer(fixture_bytes: Load, jpeg: bytes) -> None:
    _check_stream_events(_events([_stream(fixture_bytes, jpeg)]), jpeg)


def test_alert_stream_every_split_point(fixture_bytes: Load, jpeg: bytes) -> None:
    data = _stream(fixture_bytes, jpeg)
    for cut in range(1, len(data), 7):
        _check_stream_events(_events([data[:cut], data[cut:]]), jpeg)


def test_alert_stream_random_chunks_and_single_bytes(fixture_bytes: Load, jpeg: bytes) -> None:
    data = _stream(fixture_bytes, jpeg)
    rng = random.Random(5)
    for _ in range(20):
        chunks, pos = [], 0
        while pos < len(data):
            size = rng.randint(1, 300)
            chunks.append(data[pos : pos + size])
            pos += size
        _check_stream_events(_events(chunks), jpeg)
    _check_stream_events(_events([bytes([b]) for b in data]), jpeg)


def test_alert_stream_lf_only_and_custom_boundary(fixture_bytes: Load) -> None:
    beat = fixture_bytes("heartbeat_videoloss.xml")
    data = b"--MIME\nContent-Type: application/xml\n\n" + beat + b"\n--MIME\n"
    parts = AlertStreamParser("MIME").feed(data)
    assert [p.data for p in parts] == [beat]


def test_alert_stream_tracks_part_boundary(fixture_bytes: Load) -> None:
    parser = AlertStreamParser()
    part = stream_part(fixture_bytes("heartbeat_videoloss.xml"))
    parser.feed(part[:40])
    assert not parser.at_part_boundary
    parser.feed(part[40:])
    assert parser.at_part_boundary


def test_alert_stream_rejects_oversize_parts() -> None:
    with pytest.raises(HikvisionProtocolError):
        AlertStreamParser(max_part_bytes=100).feed(stream_part(b"x" * 101))
    parser = AlertStreamParser(max_part_bytes=100)
    with pytest.raises(HikvisionProtocolError):
        parser.feed(b"--boundary\r\nContent-Type: image/jpeg\r\n\r\n" + b"\xff" * 500)
    with pytest.raises(HikvisionProtocolError):
        AlertStreamParser().feed(b"garbage" * 5000)


def test_assembler_skips_malformed_xml_and_orphan_jpegs(fixture_bytes: Load, jpeg: bytes) -> None:
    assembler = AlertAssembler()
    assert assembler.add(MimePart({"content-type": "image/jpeg"}, jpeg)) == []
    assert assembler.add(MimePart({"content-type": "application/xml"}, b"<broken")) == []
    assert assembler.skipped == 2
    assert (
        assembler.add(
            MimePart({"content-type": "application/xml"}, fixture_bytes("anpr_isapi_ver20.xml"))
        )
        == []
    )
    flushed = assembler.add(
        MimePart({"content-type": "application/xml"}, fixture_bytes("heartbeat_videoloss.xml"))
    )
    assert [type(e).__name__ for e in flushed] == ["AnprAlert", "Heartbeat"]
