"""Signed, user-bound, expiring tokens for the video routes (``/video/{token}/...``).

A ``<video>`` element, an HLS player or a download link cannot send the dashboard's bearer
token, so the GraphQL layer hands out a URL whose path carries a grant instead: *this user* may
*play/download/...* *this clip/export/live view* in *this variant* until *this time*. The grant
is readable (it is no secret) and authenticated with HMAC-SHA256; the route still asks the
catalog to re-check the user and tenancy on every request, so a token is never more than a
short-lived proof that a scoped lookup happened.

Format (one URL path segment, only ``[A-Za-z0-9._-]``)::

    1.<user_id>.<kind>.<subject_id>.<purpose>.<variant>.<expires_at>.<mac>

``kind`` and ``purpose`` are one-letter codes, ``mac`` is the unpadded base64url HMAC of
everything before it. The key is derived from the application secret with a label of its own,
so no other signature made from the same secret (media URLs, access tokens) can ever verify
as a stream token, nor the reverse. Every field is validated before the MAC is computed and
numbers must be canonical, so one grant has exactly one token text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Final, Literal, get_args

StreamKind = Literal["clip", "export", "live"]
StreamPurpose = Literal["play", "download", "hls", "thumb", "live"]
RejectReason = Literal["malformed", "tampered", "expired"]

DEFAULT_TTL_SECONDS: Final = 3600  # a long clip must stay seekable while it is watched
MAX_TOKEN_LENGTH: Final = 400

_VERSION = "1"
_KEY_LABEL = b"domcctv/stream-token/v1"
_MAC_BYTES = 32
_MAC_CHARS = 43  # unpadded base64 of 32 bytes
_KIND_CODES: dict[StreamKind, str] = {"clip": "c", "export": "e", "live": "l"}
_PURPOSE_CODES: dict[StreamPurpose, str] = {
    "play": "p",
    "download": "d",
    "hls": "h",
    "thumb": "t",
    "live": "l",
}
_KINDS_BY_CODE: dict[str, StreamKind] = {code: kind for kind, code in _KIND_CODES.items()}
_PURPOSES_BY_CODE: dict[str, StreamPurpose] = {c: p for p, c in _PURPOSE_CODES.items()}
_SUBJECT = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VARIANT = re.compile(r"[A-Za-z0-9_-]{1,32}")
_CANONICAL_INT = re.compile(r"0|[1-9][0-9]{0,18}")
_MAC_TEXT = re.compile(r"[A-Za-z0-9_-]{43}")
STREAM_KINDS: Final = frozenset(get_args(StreamKind))
STREAM_PURPOSES: Final = frozenset(get_args(StreamPurpose))


class TokenRejected(Exception):
    """A token that grants nothing; ``reason`` is one of ``malformed``, ``tampered``,
    ``expired`` (only a token with a valid MAC is ever reported as expired)."""

    def __init__(self, reason: RejectReason) -> None:
        super().__init__(reason)
        self.reason: RejectReason = reason


@dataclass(frozen=True, slots=True)
class StreamGrant:
    """What a verified token allows: ``user_id`` may use ``subject_id`` of ``kind`` for
    ``purpose`` in ``variant`` until ``expires_at`` (unix seconds, exclusive)."""

    user_id: int
    kind: StreamKind
    subject_id: str
    purpose: StreamPurpose
    variant: str
    expires_at: int


def _check_grant(grant: StreamGrant) -> None:
    """ValueError for a grant that could not round-trip through the token text."""
    if isinstance(grant.user_id, bool) or not isinstance(grant.user_id, int):
        raise ValueError("user_id must be an int")
    if not 0 <= grant.user_id < 10**19:
        raise ValueError("user_id out of range")
    if grant.kind not in _KIND_CODES:
        raise ValueError(f"unknown stream kind {grant.kind!r}")
    if grant.purpose not in _PURPOSE_CODES:
        raise ValueError(f"unknown stream purpose {grant.purpose!r}")
    if not isinstance(grant.subject_id, str) or not _SUBJECT.fullmatch(grant.subject_id):
        raise ValueError("subject_id must be 1-64 characters of [A-Za-z0-9_-]")
    if not isinstance(grant.variant, str) or not _VARIANT.fullmatch(grant.variant):
        raise ValueError("variant must be 1-32 characters of [A-Za-z0-9_-]")
    if isinstance(grant.expires_at, bool) or not isinstance(grant.expires_at, int):
        raise ValueError("expires_at must be an int")
    if not 0 < grant.expires_at < 10**12:
        raise ValueError("expires_at out of range")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class StreamTokens:
    """Issues and verifies stream tokens with a key of their own derived from ``secret``."""

    def __init__(self, secret: str, *, default_ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        if not secret:
            raise ValueError("an empty secret would sign nothing")
        if default_ttl_seconds <= 0:
            raise ValueError("default_ttl_seconds must be positive")
        self._key = hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()
        self._default_ttl = default_ttl_seconds

    def _mac(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()

    def sign(self, grant: StreamGrant) -> str:
        """The token text of ``grant`` (ValueError when a field cannot be encoded)."""
        _check_grant(grant)
        payload = ".".join(
            (
                _VERSION,
                str(grant.user_id),
                _KIND_CODES[grant.kind],
                grant.subject_id,
                _PURPOSE_CODES[grant.purpose],
                grant.variant,
                str(grant.expires_at),
            )
        )
        return f"{payload}.{_b64(self._mac(payload))}"

    def issue(
        self,
        *,
        user_id: int,
        kind: StreamKind,
        subject_id: str | int,
        purpose: StreamPurpose,
        variant: str = "original",
        ttl_seconds: int | None = None,
        now: float | None = None,
    ) -> str:
        """A token valid for ``ttl_seconds`` (default: the instance's) from ``now``."""
        ttl = self._default_ttl if ttl_seconds is None else ttl_seconds
        if ttl <= 0:
            raise ValueError("ttl_seconds must be positive")
        issued = time.time() if now is None else now
        return self.sign(
            StreamGrant(
                user_id=user_id,
                kind=kind,
                subject_id=str(subject_id),
                purpose=purpose,
                variant=variant,
                expires_at=int(issued) + ttl,
            )
        )

    def verify(self, token: str, now: float | None = None) -> StreamGrant:
        """The grant of a genuine, unexpired token; :class:`TokenRejected` otherwise."""
        if not isinstance(token, str) or not token.isascii() or len(token) > MAX_TOKEN_LENGTH:
            raise TokenRejected("malformed")
        payload, _, mac_text = token.rpartition(".")
        parts = payload.split(".")
        if len(parts) != 7 or not _MAC_TEXT.fullmatch(mac_text):
            raise TokenRejected("malformed")
        version, user, kind_code, subject, purpose_code, variant, expires = parts
        if (
            version != _VERSION
            or not _CANONICAL_INT.fullmatch(user)
            or kind_code not in _KINDS_BY_CODE
            or not _SUBJECT.fullmatch(subject)
            or purpose_code not in _PURPOSES_BY_CODE
            or not _VARIANT.fullmatch(variant)
            or not _CANONICAL_INT.fullmatch(expires)
            or len(expires) > 12
        ):
            raise TokenRejected("malformed")
        try:
            mac = base64.urlsafe_b64decode(mac_text + "=")
        except (binascii.Error, ValueError):
            raise TokenRejected("malformed") from None
        if len(mac) != _MAC_BYTES or _b64(mac) != mac_text:
            raise TokenRejected("malformed")  # non-canonical trailing bits
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise TokenRejected("tampered")
        grant = StreamGrant(
            user_id=int(user),
            kind=_KINDS_BY_CODE[kind_code],
            subject_id=subject,
            purpose=_PURPOSES_BY_CODE[purpose_code],
            variant=variant,
            expires_at=int(expires),
        )
        if (time.time() if now is None else now) >= grant.expires_at:
            raise TokenRejected("expired")
        return grant
