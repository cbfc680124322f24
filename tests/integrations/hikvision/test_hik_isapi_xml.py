"""Pure ISAPI XML parsers against device-shaped fixtures (namespaces, misspellings, hostile)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from integrations.hikvision.errors import HikvisionDeviceError, HikvisionProtocolError
from integrations.hikvision.isapi.builders import build_cm_search, build_http_hosts, build_ptz_data
from integrations.hikvision.isapi.xml import (
    parse_cm_search_result,
    parse_device_info,
    parse_event_alert,
    parse_response_status,
    parse_xml,
    text,
)
from integrations.hikvision.models import AnprAlert, Heartbeat, OtherEvent, PtzVector

Load = Callable[[str], bytes]
CLT = timezone(timedelta(hours=-3))


@pytest.mark.parametrize(
    ("name", "serial", "mac", "device_type"),
    [
        (
            "deviceInfo_hikvision_ver20.xml",
            "iDS-TCM403-GIR20240315AAWRJ12345678",
            "44:a6:42:12:34:56",
            "IPCamera",
        ),
        (
            "deviceInfo_isapi_ver20_nvr.xml",
            "DS-7616NXI-K21620231122CCRRAB1234567WCVU",
            "bc:ba:c2:aa:bb:cc",
            "NVR",
        ),
        (
            "deviceInfo_stdcgi_ver10.xml",
            "DS-2CD4A26FWD-IZS20151201CCWR555555555",
            "c0:56:e3:01:02:03",
            "IPCamera",
        ),
        (
            "deviceInfo_prefixed_ns1.xml",
            "iDS-2CD7A46G0/P-IZHS20220101AAWRG99999999",
            "98:df:82:00:11:22",
            "IPCamera",
        ),
    ],
)
def test_device_info_namespace_variants(
    fixture_bytes: Load, name: str, serial: str, mac: str, device_type: str
) -> None:
    info = parse_device_info(fixture_bytes(name))
    assert (info.serial_number, info.mac_address, info.device_type) == (serial, mac, device_type)
    assert info.raw["serialNumber"] == serial


def test_anpr_alert_full_isapi_shape(fixture_bytes: Load) -> None:
    alert = parse_event_alert(fixture_bytes("anpr_isapi_ver20.xml"))
    assert isinstance(alert, AnprAlert)
    assert alert.plate_text == "HJKL42"
    assert alert.confidence == 96.0
    assert alert.char_confidences == (99, 98, 99, 97, 99, 99)
    assert alert.occurred_at == datetime(2025, 1, 15, 8, 30, 12, 847000, tzinfo=CLT)
    assert alert.mac_address == "44:a6:42:00:00:01"
    assert (alert.channel_id, alert.channel_name, alert.ip_address) == (
        1,
        "PORTON NORTE",
        "10.20.0.41",
    )
    assert (alert.direction, alert.vehicle_type, alert.list_name) == (
        "forward",
        "truck",
        "allowList",
    )
    assert alert.event_uuid == "3f0e8a52-1d2c-4b7a-9e61-0a1b2c3d4e5f"
    assert [(r.file_name, r.kind) for r in alert.picture_refs] == [
        ("detectionPicture.jpg", "detectionPicture"),
        ("licensePlatePicture.jpg", "licensePlatePicture"),
    ]
    assert alert.pictures == ()


def test_anpr_alert_old_firmware_minimal(fixture_bytes: Load) -> None:
    alert = parse_event_alert(fixture_bytes("anpr_stdcgi_ver10_minimal.xml"))
    assert isinstance(alert, AnprAlert)
    assert (alert.plate_text, alert.confidence, alert.direction) == ("FK1234", 87.5, "reverse")
    assert alert.char_confidences == ()
    assert alert.event_uuid is None
    assert alert.natural_key[0] == "c0:56:e3:01:02:03"


def test_anpr_alert_prefixed_unknown_plate_is_kept_raw(fixture_bytes: Load) -> None:
    alert = parse_event_alert(fixture_bytes("anpr_prefixed_ns1_unknown.xml"))
    assert isinstance(alert, AnprAlert)
    assert (alert.plate_text, alert.confidence) == ("unknown", 0.0)
    assert alert.channel_id == 34
    assert alert.list_name == "otherList"


def test_heartbeat_and_other_events(fixture_bytes: Load) -> None:
    beat = parse_event_alert(fixture_bytes("heartbeat_videoloss.xml"))
    assert isinstance(beat, Heartbeat)
    assert beat.mac_address == "44:a6:42:00:00:01"
    other = parse_event_alert(fixture_bytes("motion_active.xml"))
    assert isinstance(other, OtherEvent)
    assert (other.event_type, other.event_state) == ("VMD", "active")


def test_naive_event_time_gets_the_configured_zone() -> None:
    xml = (
        b"<EventNotificationAlert><dateTime>2025-01-15T08:30:00</dateTime><eventType>ANPR</eventType>"
        b"<ANPR><licensePlate>HJKL42</licensePlate></ANPR></EventNotificationAlert>"
    )
    alert = parse_event_alert(xml, device_tz=CLT)
    assert isinstance(alert, AnprAlert)
    assert alert.occurred_at is not None
    assert alert.occurred_at.utcoffset() == timedelta(hours=-3)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"<EventNotificationAlert><eventType>ANPR",
        b"not xml at all",
        b"<DeviceInfo><serialNumber>x</serialNumber></DeviceInfo>",
        b"<EventNotificationAlert><eventType>ANPR</eventType><ANPR><confidenceLevel>90"
        b"</confidenceLevel></ANPR></EventNotificationAlert>",
    ],
)
def test_malformed_alerts_raise_protocol_error(payload: bytes) -> None:
    with pytest.raises(HikvisionProtocolError):
        parse_event_alert(payload)


@pytest.mark.parametrize("name", ["hostile_billion_laughs.xml", "hostile_external_entity.xml"])
def test_entity_attacks_are_rejected_safely(fixture_bytes: Load, name: str) -> None:
    with pytest.raises(HikvisionProtocolError, match="forbidden"):
        parse_event_alert(fixture_bytes(name))


def test_response_status_error_and_ok(fixture_bytes: Load) -> None:
    with pytest.raises(HikvisionDeviceError) as info:
        parse_response_status(fixture_bytes("responseStatus_deviceError.xml"))
    assert (info.value.status_code, info.value.sub_status_code) == (3, "deviceError")
    assert info.value.status_string == "Device Error"
    assert info.value.retryable
    ok = parse_response_status(fixture_bytes("responseStatus_ok_isapi.xml"))
    assert ok.status_code == 1


def test_cm_search_result_skips_items_without_end_time(fixture_bytes: Load) -> None:
    page = parse_cm_search_result(fixture_bytes("cmSearchResult_more_missing_endtime.xml"))
    assert page.status == "MORE"
    assert (len(page.matches), page.skipped, page.num_of_matches) == (2, 1, 3)
    first = page.matches[0]
    assert first.start == datetime(2025, 1, 15, 8, 0, tzinfo=UTC)
    assert "&endtime=20250115T081000Z" in first.playback_uri


def test_cm_search_result_local_z_quirk(fixture_bytes: Load) -> None:
    page = parse_cm_search_result(
        fixture_bytes("cmSearchResult_more_missing_endtime.xml"), device_tz=CLT
    )
    assert page.matches[0].start == datetime(2025, 1, 15, 11, 0, tzinfo=UTC)


def test_cm_search_no_matches(fixture_bytes: Load) -> None:
    page = parse_cm_search_result(fixture_bytes("cmSearchResult_no_matches_stdcgi.xml"))
    assert (page.status, page.matches) == ("NO MATCHES", ())


def test_build_cm_search_uses_vendor_spelling() -> None:
    start = datetime(2025, 1, 15, 8, 0, tzinfo=UTC)
    body = build_cm_search("ID-1", 101, start, start + timedelta(hours=1), 40, 80)
    root = parse_xml(body)
    assert text(root, "searchResultPostion") == "80"
    assert text(root, "searchResultPosition") is None
    assert text(root, "trackList/trackID") == "101"
    assert text(root, "timeSpanList/timeSpan/startTime") == "2025-01-15T08:00:00Z"


def test_build_ptz_and_http_hosts() -> None:
    root = parse_xml(build_ptz_data(PtzVector(pan=-60)))
    assert (text(root, "pan"), text(root, "tilt"), text(root, "zoom")) == ("-60", "0", "0")
    hosts = parse_xml(build_http_hosts("http://10.0.0.9:8000/ingest/isapi/tok?x=1"))
    assert text(hosts, "HttpHostNotification/url") == "/ingest/isapi/tok?x=1"
    assert text(hosts, "HttpHostNotification/portNo") == "8000"
    with pytest.raises(ValueError, match="absolute"):
        build_http_hosts("/relative")
