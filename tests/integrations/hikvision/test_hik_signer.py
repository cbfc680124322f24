"""AK/SK signer: the worked vector of protocols §1.3 and the verifier used by the simulator."""

from __future__ import annotations

from integrations.hikvision.hikcentral.auth import (
    canonical_url,
    content_md5,
    sign_request,
    string_to_sign,
    verify_request,
)

SECRET = "TestSecret123456789"
BODY = b'{"pageNo":1,"pageSize":20}'
PATH = "/artemis/api/resource/v1/cameras"
NONCE = "2b3c4d5e-0000-4000-8000-000000000001"
EXPECTED_STS = (
    "POST\napplication/json\njiion4rNY0nKP5xj4NxZ2w==\napplication/json;charset=UTF-8\n"
    "x-ca-key:12345678\nx-ca-nonce:2b3c4d5e-0000-4000-8000-000000000001\n"
    "x-ca-timestamp:1735689600000\n/artemis/api/resource/v1/cameras"
)


def _base_headers() -> dict[str, str]:
    return {
        "Accept": "application/json",
        "Content-MD5": content_md5(BODY),
        "Content-Type": "application/json;charset=UTF-8",
    }


def test_content_md5_vector() -> None:
    assert content_md5(BODY) == "jiion4rNY0nKP5xj4NxZ2w=="


def test_sign_request_matches_worked_vector() -> None:
    signed = sign_request(
        "POST",
        PATH,
        _base_headers(),
        None,
        "12345678",
        SECRET,
        nonce=NONCE,
        timestamp_ms=1735689600000,
    )
    assert signed["X-Ca-Signature"] == "TVVPruzcjXTwLsraAyXcLPMehlhfsKyhZPLtEWketTQ="
    assert signed["X-Ca-Signature-Headers"] == "x-ca-key,x-ca-nonce,x-ca-timestamp"
    assert string_to_sign("post", PATH, {**_base_headers(), **signed}, None) == EXPECTED_STS


def test_absent_fixed_slots_leave_no_blank_line() -> None:
    text = string_to_sign("POST", "/artemis/x", {"Content-Type": "application/json"}, None, ())
    assert text == "POST\napplication/json\n/artemis/x"


def test_present_but_empty_slot_is_just_a_newline() -> None:
    assert string_to_sign("GET", "/p", {"Accept": ""}, None, ()) == "GET\n\n/p"


def test_never_signed_headers_are_dropped_and_names_sorted() -> None:
    headers = {"userId": " admin ", "Host": "h", "X-Ca-Key": "k"}
    text = string_to_sign("POST", "/p", headers, None, ["userId", "host", "x-ca-key"])
    assert text == "POST\nuserid:admin\nx-ca-key:k\n/p"


def test_canonical_url_sorts_and_handles_empty_and_multi_values() -> None:
    assert canonical_url("/p", {"b": "2", "a": ["1", "9"], "c": ""}) == "/p?a=1&b=2&c"
    assert canonical_url("/p", None) == "/p"


def test_verify_accepts_own_signature_and_rejects_tampering() -> None:
    headers = _base_headers()
    headers |= sign_request("POST", PATH, headers, None, "12345678", SECRET)
    assert verify_request("POST", PATH, headers, None, BODY, SECRET).ok
    tampered = verify_request("POST", PATH, headers, None, b'{"pageNo":2,"pageSize":20}', SECRET)
    assert not tampered.ok
    assert content_md5(b'{"pageNo":2,"pageSize":20}') in tampered.string_to_sign
    assert not verify_request("POST", PATH, headers, None, BODY, "wrong-secret").ok


def test_verify_reports_missing_signature() -> None:
    result = verify_request("POST", PATH, _base_headers(), None, BODY, SECRET)
    assert (result.ok, result.reason) == (False, "missing signature")
