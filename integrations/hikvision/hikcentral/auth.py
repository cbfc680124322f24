"""AK/SK request signing for the Artemis gateway (protocols §1.3), as pure functions.

Pure so the same code signs in the client and verifies in the simulator, and so it is unit
tested against a known vector instead of against a live gateway.  The rules that bite in
practice: the four fixed header slots appear only when the header is present (no blank line
otherwise), ``Accept`` must be set explicitly, and the path includes ``/artemis``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

FIXED_SLOTS = ("Accept", "Content-MD5", "Content-Type", "Date")
_NEVER_SIGNED = frozenset(
    {
        "x-ca-signature",
        "x-ca-signature-headers",
        "accept",
        "content-md5",
        "content-type",
        "date",
        "content-length",
        "server",
        "connection",
        "host",
        "transfer-encoding",
        "x-application-context",
        "content-encoding",
    }
)
DEFAULT_SIGNED = ("x-ca-key", "x-ca-nonce", "x-ca-timestamp")

type QueryParams = Mapping[str, str | Sequence[str]]


def content_md5(body: bytes) -> str:
    """Base64(MD5(body)); the gateway recomputes it, so it must be the true value."""
    return base64.b64encode(hashlib.md5(body).digest()).decode("ascii")  # noqa: S324 - protocol-mandated


def _lookup(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _first(value: str | Sequence[str]) -> str:
    if isinstance(value, str):
        return value
    return value[0] if value else ""


def canonical_url(path: str, query: QueryParams | None = None) -> str:
    """Path plus sorted ``k=v`` params (empty value -> bare key, multi-valued -> first)."""
    if not query:
        return path
    parts = []
    for key in sorted(query):
        value = _first(query[key])
        parts.append(f"{key}={value}" if value else key)
    return f"{path}?{'&'.join(parts)}"


def signed_header_names(names: Iterable[str]) -> list[str]:
    """Lower-cased, de-duplicated, sorted; headers the gateway never signs are dropped."""
    return sorted({n.strip().lower() for n in names if n.strip()} - _NEVER_SIGNED)


def string_to_sign(
    method: str,
    path: str,
    headers: Mapping[str, str],
    query: QueryParams | None = None,
    signed_headers: Iterable[str] = DEFAULT_SIGNED,
) -> str:
    """Build the exact StringToSign; ``signed_headers`` are looked up case-insensitively."""
    out = [method.upper(), "\n"]
    for slot in FIXED_SLOTS:
        value = _lookup(headers, slot)
        if value is not None:
            out.append(f"{value}\n")
    for name in signed_header_names(signed_headers):
        value = _lookup(headers, name) or ""
        out.append(f"{name}:{value.strip()}\n")
    out.append(canonical_url(path, query))
    return "".join(out)


def signature(string: str, app_secret: str) -> str:
    digest = hmac.new(app_secret.encode(), string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    query: QueryParams | None,
    app_key: str,
    app_secret: str,
    *,
    nonce: str | None = None,
    timestamp_ms: int | None = None,
    extra_signed: Iterable[str] = (),
) -> dict[str, str]:
    """Return the ``X-Ca-*`` headers to add to a request whose other headers are ``headers``.

    ``headers`` must already hold the final ``Accept``/``Content-MD5``/``Content-Type``;
    ``extra_signed`` names further headers in ``headers`` to cover (e.g. ``userId``).
    """
    ca = {
        "X-Ca-Key": app_key,
        "X-Ca-Nonce": nonce or str(uuid.uuid4()),
        "X-Ca-Timestamp": str(
            timestamp_ms if timestamp_ms is not None else time.time_ns() // 1_000_000
        ),
    }
    names = signed_header_names([*DEFAULT_SIGNED, *extra_signed])
    text = string_to_sign(method, path, {**headers, **ca}, query, names)
    return {
        **ca,
        "X-Ca-Signature-Headers": ",".join(names),
        "X-Ca-Signature": signature(text, app_secret),
    }


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    string_to_sign: str
    reason: str = ""


def verify_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    query: QueryParams | None,
    body: bytes,
    app_secret: str,
) -> VerifyResult:
    """Server side: rebuild the string from what was *received* and compare in constant time.

    ``Content-MD5`` is recomputed from the body (as the gateway does), so a wrong digest shows
    up as a signature mismatch whose echoed string reveals the difference.
    """
    received = _lookup(headers, "X-Ca-Signature")
    declared = (_lookup(headers, "X-Ca-Signature-Headers") or "").split(",")
    effective = dict(headers)
    for key in list(effective):
        if key.lower() == "content-md5":
            effective[key] = content_md5(body)
    text = string_to_sign(method, path, effective, query, declared)
    if not received:
        return VerifyResult(False, text, "missing signature")
    ok = hmac.compare_digest(signature(text, app_secret).encode(), received.encode())
    return VerifyResult(ok, text, "" if ok else "signature mismatch")
