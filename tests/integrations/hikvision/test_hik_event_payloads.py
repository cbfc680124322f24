"""Alert payloads captured from real devices: odd times, JSON alerts, broken picture parts.

Each test pins one finding from posting real camera payloads to the push endpoint; the
fixtures are device-shaped documents (see ``fixtures/``), the multipart bodies are built the
way the cameras frame them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.events import (
    AlertAssembler,
    parse_event_document,
    parse_push,
)
from integrations.hikvision.isapi.json_alert import parse_event_json
from integrations.hikvision.isapi.multipart import AlertStreamParser, MimePart
from integrations.hikvision.isapi.xml import parse_event_alert
from integrations.hikvision.models import AlertEvent, AnprAlert, Heartbeat, OtherEvent

Load = Callable[[str], bytes]
FORM = "multipart/form-data; boundary=boundary"
SANTIAGO = ZoneInfo("America/Santiago")


def form_part(name: str, ctype: str, data: bytes) -> bytes:
    head = f'--boundary\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
    return head.encode() + f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n"


def form(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--boundary--\r\n"


def stream_part(data: bytes, ctype: str, filename: str | None = None) -> bytes:
    head = f"--boundary\r\nContent-Type: {ctype}\r\n"
    if filename:
        head += f'Content-Disposition: attachment; filename="{filename}"\r\n'
    return head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data + b"\r\n"


def stream_events(data: bytes, assembler: AlertAssembler | None = None) -> list[AlertEvent]:
    parser, assembler = AlertStreamParser(), assembler or AlertAssembler()
    events: list[AlertEvent] = []
    for part in parser.feed(data):
        events.extend(assembler.add(part))
    return events + assembler.flush()


def anpr(event: AlertEvent) -> AnprAlert:
    assert isinstance(event, AnprAlert), event
    return event


# ------------------------------------------------------------ 1. offsets / time read lazily


def test_real_heartbeat_with_one_digit_offset_hour_is_a_heartbeat(fixture_bytes: Load) -> None:
    data = fixture_bytes("heartbeat_videoloss_offset_one_digit_hour.xml")
    beat = parse_push("application/xml", data)
    assert isinstance(beat, Heartbeat)
    assert beat.mac_address == "44:19:b6:5f:12:3a"
    assert beat.occurred_at == datetime(2016, 12, 25, 2, 59, 49, tzinfo=UTC)


def test_anpr_with_one_digit_offset_hour_keeps_its_instant(fixture_bytes: Load) -> None:
    alert = anpr(parse_event_alert(fixture_bytes("anpr_offset_one_digit_hour.xml")))
    assert alert.occurred_at == datetime(2025, 1, 15, 11, 33, 41, tzinfo=UTC)
    assert alert.time_text == "2025-01-15T08:33:41-3:00"


def test_non_anpr_event_with_garbage_time_still_parses(fixture_bytes: Load) -> None:
    other = parse_push("application/xml", fixture_bytes("motion_datetime_garbage.xml"))
    assert isinstance(other, OtherEvent)
    assert (other.event_type, other.occurred_at) == ("linedetection", None)


def test_heartbeat_with_garbage_time_is_still_a_heartbeat(fixture_bytes: Load) -> None:
    data = fixture_bytes("heartbeat_videoloss.xml").replace(
        b"2025-01-15T08:30:00-03:00", b"0000-00-00T00:00:00"
    )
    beat = parse_event_alert(data)
    assert isinstance(beat, Heartbeat)
    assert beat.occurred_at is None


# ------------------------------------------------------------ 2. ANPR without a readable time


def _without_time(xml: bytes, replacement: bytes) -> bytes:
    start, end = xml.index(b"<dateTime>"), xml.index(b"</dateTime>") + len(b"</dateTime>")
    return xml[:start] + replacement + xml[end:]


@pytest.mark.parametrize(
    ("replacement", "time_text"),
    [
        (b"", None),  # missing
        (b"<dateTime></dateTime>", None),  # empty
        (b"<dateTime>   </dateTime>", None),  # blank
        (b"<dateTime>2025-13-45T99:99:99</dateTime>", "2025-13-45T99:99:99"),
        (b"<dateTime>yesterday</dateTime>", "yesterday"),
    ],
)
def test_anpr_without_readable_time_is_kept_with_raw_text(
    fixture_bytes: Load, jpeg: bytes, replacement: bytes, time_text: str | None
) -> None:
    xml = _without_time(fixture_bytes("anpr_isapi_ver20.xml"), replacement)
    body = form(
        form_part("anpr.xml", "text/xml", xml),
        form_part("detectionPicture.jpg", "image/jpeg", jpeg),
    )
    alert = anpr(parse_push(FORM, body))
    assert (alert.plate_text, alert.occurred_at, alert.time_text) == ("HJKL42", None, time_text)
    assert [p.kind for p in alert.pictures] == ["detectionPicture"]


def test_garbage_time_fixture_parses_and_keys_by_document(fixture_bytes: Load) -> None:
    data = fixture_bytes("anpr_datetime_garbage.xml")
    alert = anpr(parse_event_alert(data))
    assert (alert.occurred_at, alert.time_text) == (None, "1970-00-00T00:00:00")
    assert alert.event_uuid is None
    # no UUID and no time: the document digest stands in for the time in the natural key
    assert alert.natural_key == (
        "44:a6:42:00:00:04",
        1,
        f"sha256:{alert.document_sha256}",
        "KBWZ93",
    )
    again = anpr(parse_event_alert(data))
    other_pass = anpr(parse_event_alert(data.replace(b"<activePostCount>1", b"<activePostCount>2")))
    assert again.natural_key == alert.natural_key  # a redelivery dedupes
    assert other_pass.natural_key != alert.natural_key  # another pass does not


def test_natural_key_with_a_readable_time_is_unchanged(fixture_bytes: Load) -> None:
    alert = anpr(parse_event_alert(fixture_bytes("anpr_stdcgi_ver10_minimal.xml")))
    assert alert.natural_key == (
        "c0:56:e3:01:02:03",
        1,
        "2025-01-15T08:31:00-03:00",
        "FK1234",
    )


# ------------------------------------------------------------ 3. device zone and "Z is local"


def test_local_time_marked_z_is_read_in_the_device_zone(fixture_bytes: Load) -> None:
    data = fixture_bytes("anpr_local_time_marked_z.xml")
    as_utc = anpr(parse_push("application/xml", data))
    as_local = anpr(parse_push("application/xml", data, device_tz=SANTIAGO, z_is_local=True))
    assert as_utc.occurred_at == datetime(2025, 1, 15, 8, 34, 10, 500000, tzinfo=UTC)
    assert as_local.occurred_at == datetime(2025, 1, 15, 11, 34, 10, 500000, tzinfo=UTC)


def test_time_without_offset_uses_the_device_zone_in_every_entry_point(
    fixture_bytes: Load, jpeg: bytes
) -> None:
    naive = fixture_bytes("anpr_isapi_ver20.xml").replace(
        b"2025-01-15T08:30:12.847-03:00", b"2025-07-15T08:30:12"
    )
    expected = datetime(2025, 7, 15, 12, 30, 12, tzinfo=UTC)  # Santiago is -04:00 in July
    pushed = anpr(parse_push("application/xml", naive, device_tz=SANTIAGO))
    assert pushed.occurred_at == expected
    streamed = stream_events(
        stream_part(naive, "application/xml") + stream_part(jpeg, "image/jpeg") * 2,
        AlertAssembler(device_tz=SANTIAGO),
    )
    assert [anpr(e).occurred_at for e in streamed] == [expected]
    as_json = parse_event_document(
        json.dumps(
            {"eventType": "ANPR", "dateTime": "2025-07-15T08:30:12", "ANPR": {"licensePlate": "X"}}
        ).encode(),
        device_tz=SANTIAGO,
    )
    assert anpr(as_json).occurred_at == expected


# ------------------------------------------------------------ 4. JSON alerts


def test_json_anpr_bare_body(fixture_bytes: Load) -> None:
    alert = anpr(parse_push("application/json", fixture_bytes("anpr_json_ver20.json")))
    assert alert.plate_text == "HJKL42"
    assert alert.confidence == 96.0
    assert alert.char_confidences == (99, 98, 99, 97, 99, 99)
    assert alert.occurred_at == datetime(2025, 1, 15, 11, 35, 2, 431000, tzinfo=UTC)
    assert alert.event_uuid == "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
    assert (alert.mac_address, alert.channel_id, alert.channel_name) == (
        "44:a6:42:00:00:06",
        1,
        "PORTON SUR",
    )
    assert (alert.direction, alert.vehicle_type, alert.list_name, alert.country) == (
        "forward",
        "truck",
        "allowList",
        "255",
    )
    assert [(r.file_name, r.kind, r.picture_id) for r in alert.picture_refs] == [
        ("detectionPicture.jpg", "detectionPicture", "2025011508350243101"),
        ("licensePlatePicture.jpg", "licensePlatePicture", "2025011508350243102"),
    ]


def test_json_and_xml_of_the_same_alert_give_the_same_read(fixture_bytes: Load) -> None:
    xml = anpr(parse_event_alert(fixture_bytes("anpr_isapi_ver20.xml")))
    doc = json.loads(fixture_bytes("anpr_json_ver20.json"))
    doc.update(
        macAddress="44:A6:42:00:00:01",
        ipAddress="10.20.0.41",
        channelName="PORTON NORTE",
        dateTime="2025-01-15T08:30:12.847-03:00",
        UUID=xml.event_uuid,
    )
    for info in doc["ANPR"]["pictureInfoList"]:
        del info["pId"]
    from_json = anpr(parse_event_json(json.dumps(doc).encode()))
    differing = {
        name
        for name in AnprAlert.__dataclass_fields__
        if getattr(xml, name) != getattr(from_json, name)
    }
    assert differing == {"document_sha256"}


def test_json_with_string_values_and_lowercase_keys(fixture_bytes: Load) -> None:
    alert = anpr(parse_event_json(fixture_bytes("anpr_json_strings_lowercase_keys.json")))
    assert (alert.plate_text, alert.confidence, alert.channel_id) == ("FK1234", 87.5, 2)
    assert alert.event_uuid == "0f1e2d3c-4b5a-4968-8776-655443322110"
    assert alert.occurred_at == datetime(2025, 1, 15, 11, 36, tzinfo=UTC)
    assert alert.list_name == "otherList"
    assert [r.file_name for r in alert.picture_refs] == ["licensePlatePicture.jpg"]


def test_json_multipart_with_pictures_named_by_picture_id(fixture_bytes: Load, jpeg: bytes) -> None:
    body = form(
        form_part("anpr.json", "application/json", fixture_bytes("anpr_json_ver20.json")),
        form_part("2025011508350243101", "image/jpeg", jpeg + b"scene"),
        form_part("2025011508350243102", "application/octet-stream", jpeg + b"plate"),
    )
    alert = anpr(parse_push(FORM, body))
    scene, plate = alert.picture("detectionPicture"), alert.picture("licensePlatePicture")
    assert scene is not None
    assert (scene.file_name, scene.data) == ("detectionPicture.jpg", jpeg + b"scene")
    assert plate is not None
    assert plate.data == jpeg + b"plate"
    assert alert.rejected_parts == ()


def test_json_multipart_with_pictures_named_by_file_name(fixture_bytes: Load, jpeg: bytes) -> None:
    body = form(
        form_part("anpr", "application/json; charset=UTF-8", fixture_bytes("anpr_json_ver20.json")),
        form_part("licensePlatePicture.jpg", "image/jpeg", jpeg + b"plate"),
        form_part("detectionPicture.jpg", "image/jpeg", jpeg + b"scene"),
    )
    alert = anpr(parse_push(FORM, body))
    plate = alert.picture("licensePlatePicture")
    assert plate is not None
    assert plate.data == jpeg + b"plate"


def test_json_alert_stream_parts(fixture_bytes: Load, jpeg: bytes) -> None:
    events = stream_events(
        stream_part(fixture_bytes("heartbeat_json.json"), 'application/json; charset="UTF-8"')
        + stream_part(fixture_bytes("anpr_json_ver20.json"), 'application/json; charset="UTF-8"')
        + stream_part(jpeg + b"A", "image/jpeg", "2025011508350243101")
        + stream_part(jpeg + b"B", "image/jpeg", "2025011508350243102")
        + stream_part(fixture_bytes("linedetection_json.json"), "application/json")
    )
    assert [type(e).__name__ for e in events] == ["Heartbeat", "AnprAlert", "OtherEvent"]
    beat, alert, other = events
    assert isinstance(beat, Heartbeat)
    assert beat.occurred_at == datetime(2025, 1, 15, 11, 35, 10, tzinfo=UTC)
    assert [(p.kind, p.data) for p in anpr(alert).pictures] == [
        ("detectionPicture", jpeg + b"A"),
        ("licensePlatePicture", jpeg + b"B"),
    ]
    assert isinstance(other, OtherEvent)
    assert (other.event_type, other.occurred_at) == ("linedetection", None)


def test_non_anpr_json_events_are_accepted_and_ignored(fixture_bytes: Load) -> None:
    assert isinstance(
        parse_push("application/json", fixture_bytes("heartbeat_json.json")), Heartbeat
    )
    other = parse_push("application/json", fixture_bytes("linedetection_json.json"))
    assert isinstance(other, OtherEvent)
    assert other.event_type == "linedetection"


def test_json_wrapped_in_event_notification_alert_object(fixture_bytes: Load) -> None:
    inner = json.loads(fixture_bytes("anpr_json_ver20.json"))
    alert = anpr(parse_push(None, json.dumps({"EventNotificationAlert": inner}).encode()))
    assert alert.plate_text == "HJKL42"


def test_json_with_missing_and_mistyped_fields_is_read_defensively() -> None:
    doc = {
        "eventType": "ANPR",
        "channelID": None,
        "macAddress": ["not", "a", "string"],
        "ANPR": {
            "licensePlate": "BCDF21",
            "confidenceLevel": {"value": 90},
            "plateCharBelieve": [99, "x", 98, True],
            "pictureInfoList": "none",
            "vehicleInfo": "n/a",
        },
    }
    alert = anpr(parse_event_json(json.dumps(doc).encode()))
    assert (alert.plate_text, alert.confidence, alert.occurred_at) == ("BCDF21", None, None)
    assert (alert.mac_address, alert.channel_id) == ("", 1)
    assert alert.char_confidences == (99, 98)
    assert (alert.picture_refs, alert.vehicle_type) == ((), None)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b'{"eventType": "ANPR", "ANPR": {"licensePlate": ', "malformed JSON"),
        (b"[1, 2, 3]", "not an object"),
        (b'{"hello": "world"}', "not an EventNotificationAlert"),
        (b'{"eventType": "ANPR", "ANPR": {"confidenceLevel": 90}}', "licensePlate"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not an object"),
        (b'{"eventType": "ANPR", "x": ' + b"9" * 5000 + b"}", "malformed JSON"),
        (b'\xff\xfe{"eventType"', "malformed JSON"),
    ],
)
def test_bad_json_documents_are_typed_protocol_errors(payload: bytes, match: str) -> None:
    with pytest.raises(HikvisionProtocolError, match=match):
        parse_push("application/json", payload)


def test_json_alert_does_not_answer_not_supported_any_more(
    fixture_bytes: Load, jpeg: bytes
) -> None:
    body = form(
        form_part("anpr.json", "application/json", fixture_bytes("anpr_json_ver20.json")),
        form_part("detectionPicture.jpg", "image/jpeg", jpeg),
    )
    assert anpr(parse_push(FORM, body)).plate_text == "HJKL42"


# ------------------------------------------------------------ 5. picture parts that are not JPEG


def test_html_typed_as_jpeg_is_dropped_and_reported(fixture_bytes: Load, jpeg: bytes) -> None:
    html = fixture_bytes("picture_part_html_error_page.html")
    body = form(
        form_part("anpr.xml", "text/xml", fixture_bytes("anpr_isapi_ver20.xml")),
        form_part("licensePlatePicture.jpg", "image/jpeg", jpeg + b"plate"),
        form_part("detectionPicture.jpg", "image/jpeg", html),
    )
    alert = anpr(parse_push(FORM, body))
    assert [p.kind for p in alert.pictures] == ["licensePlatePicture"]
    assert alert.rejected_parts == ("detectionPicture.jpg",)


def test_html_picture_part_before_the_alert_is_not_taken_for_it(
    fixture_bytes: Load, jpeg: bytes
) -> None:
    html = fixture_bytes("picture_part_html_error_page.html")
    body = form(
        form_part("detectionPicture.jpg", "image/jpeg", html),
        form_part("anpr.xml", "text/xml", fixture_bytes("anpr_isapi_ver20.xml")),
        form_part("licensePlatePicture.jpg", "image/jpeg", jpeg),
    )
    alert = anpr(parse_push(FORM, body))
    assert alert.plate_text == "HJKL42"
    assert alert.rejected_parts == ("detectionPicture.jpg",)


@pytest.mark.parametrize(
    "bad",
    [
        b"\xff\xd8",  # a bare SOI: no JPEG
        b"\xff\xd8\x00\x00garbage",
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"\x89PNG\r\n\x1a\n",
    ],
)
def test_only_jpeg_signature_makes_a_picture(fixture_bytes: Load, jpeg: bytes, bad: bytes) -> None:
    body = form(
        form_part("anpr.xml", "text/xml", fixture_bytes("anpr_isapi_ver20.xml")),
        form_part("detectionPicture.jpg", "application/octet-stream", bad),
        form_part("licensePlatePicture.jpg", "application/octet-stream", jpeg),
    )
    alert = anpr(parse_push(FORM, body))
    assert [p.file_name for p in alert.pictures] == ["licensePlatePicture.jpg"]
    assert alert.rejected_parts == ("detectionPicture.jpg",)


def test_html_in_alert_stream_fills_its_slot_and_the_stream_goes_on(
    fixture_bytes: Load, jpeg: bytes
) -> None:
    html = fixture_bytes("picture_part_html_error_page.html")
    events = stream_events(
        stream_part(fixture_bytes("anpr_isapi_ver20.xml"), "application/xml")
        + stream_part(html, "image/jpeg", "detectionPicture.jpg")
        + stream_part(jpeg, "image/jpeg", "licensePlatePicture.jpg")
        + stream_part(fixture_bytes("heartbeat_videoloss.xml"), "application/xml")
    )
    assert [type(e).__name__ for e in events] == ["AnprAlert", "Heartbeat"]
    alert = anpr(events[0])
    assert [p.kind for p in alert.pictures] == ["licensePlatePicture"]
    assert alert.rejected_parts == ("detectionPicture.jpg",)


def test_assembler_completes_an_alert_whose_last_picture_is_bad(
    fixture_bytes: Load, jpeg: bytes
) -> None:
    assembler = AlertAssembler()
    xml = MimePart({"content-type": "application/xml"}, fixture_bytes("anpr_isapi_ver20.xml"))
    assert assembler.add(xml) == []
    assert assembler.add(MimePart({"content-type": "image/jpeg"}, jpeg)) == []
    done = assembler.add(MimePart({"content-type": "image/jpeg"}, b"<html>oops</html>"))
    assert len(done) == 1
    assert anpr(done[0]).rejected_parts == ("unnamed image/jpeg part",)


# ------------------------------------------------------------ 6. confidence and plate as sent


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("96", 96.0),
        ("87.5", 87.5),
        ("0", 0.0),
        ("-5", -5.0),  # out of range: the application validates
        ("150", 150.0),
        ("high", None),  # not a number: nothing invented
        ("96%", None),
    ],
)
def test_xml_confidence_is_parsed_as_given(sent: str, expected: float | None) -> None:
    xml = (
        "<EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>HJKL42"
        f"</licensePlate><confidenceLevel>{sent}</confidenceLevel></ANPR></EventNotificationAlert>"
    )
    assert anpr(parse_event_alert(xml.encode())).confidence == expected


@pytest.mark.parametrize("sent", ["inf", "-Infinity", "nan"])
def test_non_finite_confidence_stays_representable(sent: str) -> None:
    xml = (
        "<EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>HJKL42"
        f"</licensePlate><confidenceLevel>{sent}</confidenceLevel></ANPR></EventNotificationAlert>"
    )
    confidence = anpr(parse_event_alert(xml.encode())).confidence
    assert confidence is not None
    assert not math.isfinite(confidence)


@pytest.mark.parametrize(
    ("raw_json", "check"),
    [
        ("96", lambda c: c == 96.0),
        ("96.25", lambda c: c == 96.25),
        ('"87.5"', lambda c: c == 87.5),
        ("1e400", lambda c: c == math.inf),
        ("-" + "9" * 400, lambda c: c == -math.inf),
        ("NaN", lambda c: c is not None and math.isnan(c)),
        ("true", lambda c: c is None),
        ("null", lambda c: c is None),
    ],
)
def test_json_confidence_is_parsed_as_given(
    raw_json: str, check: Callable[[float | None], bool]
) -> None:
    data = (
        '{"eventType": "ANPR", "ANPR": {"licensePlate": "HJKL42", '
        f'"confidenceLevel": {raw_json}}}}}'
    ).encode()
    assert check(anpr(parse_event_json(data)).confidence)


@pytest.mark.parametrize("plate", ["粤B12345", "hjkl42", "A" * 60, "unknown", "HJ-KL 42"])
def test_plate_text_is_kept_as_sent(plate: str) -> None:
    xml = anpr(
        parse_event_alert(
            "<EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>"
            f"{plate}</licensePlate></ANPR></EventNotificationAlert>".encode()
        )
    )
    from_json = anpr(
        parse_event_json(
            json.dumps({"eventType": "ANPR", "ANPR": {"licensePlate": plate}}).encode()
        )
    )
    assert xml.plate_text == from_json.plate_text == plate


def test_explicit_offset_is_kept_for_display() -> None:
    alert = anpr(
        parse_event_alert(
            b"<EventNotificationAlert><dateTime>2025-01-15T08:30:12+5:30</dateTime>"
            b"<eventType>ANPR</eventType><ANPR><licensePlate>X</licensePlate></ANPR>"
            b"</EventNotificationAlert>"
        )
    )
    assert alert.occurred_at is not None
    assert alert.occurred_at.utcoffset() == timezone(timedelta(hours=5, minutes=30)).utcoffset(None)
