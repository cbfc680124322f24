"""Exception hierarchy for the Hikvision integration (shaped like httpx's).

Callers branch on *why* a call failed, not on which library failed: workers retry transport
and timeout errors, stop and alert on auth errors, quarantine protocol errors, and surface
device/API errors with their vendor codes.  aiohttp and XML exceptions never escape the
client boundary; they are translated here and chained with ``raise ... from exc``.
"""

from __future__ import annotations


class HikvisionError(Exception):
    """Base class of every error raised by ``integrations.hikvision``."""


class HikvisionTransportError(HikvisionError):
    """The connection failed, was reset, or a stream ended mid-message; safe to retry."""


class HikvisionTimeoutError(HikvisionTransportError):
    """A connect/read deadline expired.  A transport error, so generic retry logic covers it."""


class HikvisionAuthError(HikvisionError):
    """Credentials were rejected (HTTP 401, digest failure, bad AK/SK signature).

    Retrying blindly is harmful: devices lock accounts after repeated failures.
    """


class HikvisionProtocolError(HikvisionError):
    """The peer answered something we cannot parse (XML, JSON, multipart framing, limits)."""


class HikvisionDeviceError(HikvisionError):
    """An ISAPI ``ResponseStatus`` reporting failure (e.g. statusCode 3 "Device Error")."""

    def __init__(self, status_code: int, sub_status_code: str, status_string: str) -> None:
        super().__init__(f"device error {status_code} {status_string} ({sub_status_code})")
        self.status_code = status_code
        self.sub_status_code = sub_status_code
        self.status_string = status_string

    @property
    def retryable(self) -> bool:
        """Busy (2) and device error (3) are transient on real firmware; the rest are not."""
        return self.status_code in (2, 3)


class HikvisionRecordingError(HikvisionError):
    """A recording download failed for a reason the recorder itself reported.

    The subclasses map one-to-one to what a clip capture decides: wait for the recorder to
    flush (:class:`HikvisionRecordingNotReady`), wait for it to come back
    (:class:`HikvisionRecorderOffline`), give up on a span that was never recorded
    (:class:`HikvisionRecordingMissing`) or on footage that is damaged
    (:class:`HikvisionRecordingCorrupt`).
    """


class HikvisionRecordingMissing(HikvisionRecordingError):
    """Nothing is recorded for the span (HTTP 404 / ``noRecord``), and it is not recent."""


class HikvisionRecordingNotReady(HikvisionRecordingError):
    """Nothing recorded *yet*: the span ends so recently that the recorder may still be
    writing it (devices flush with a delay and answer "not found" meanwhile)."""


class HikvisionRecorderOffline(HikvisionRecordingError):
    """The recorder refused the download as unavailable (HTTP 503, disk or recorder fault)."""


class HikvisionRecordingCorrupt(HikvisionRecordingError):
    """The device answered 200 but the body is not a recording (or is empty)."""


# Gateway codes 0x02401000..0x0240100a are key/partner/signature/token/permission problems.
_AUTH_RANGE = (0x02401000, 0x0240100A)
# 0x0240100b is the call quota; 0x02401030..0x0240103f are backend unavailable/timeout/rate limit.
_RETRYABLE_HEX = {0x0240100B}
_RETRYABLE_RANGE = (0x02401030, 0x0240103F)
# HCP "translation service" small codes: 17 no OpenAPI permission, 69 "UnAuthorized API".
_AUTH_SMALL = {"17", "69"}
# 194: device connection failed (the platform could not reach the camera right now).
_RETRYABLE_SMALL = {"194"}


def _hex_code(code: str) -> int | None:
    if not code.lower().startswith("0x"):
        return None
    try:
        return int(code, 16)
    except ValueError:
        return None


class HikCentralApiError(HikvisionError):
    """A HikCentral envelope whose ``code`` is not ``"0"`` (raised even on HTTP 200)."""

    def __init__(self, code: str, msg: str, http_status: int = 200) -> None:
        super().__init__(f"HikCentral API error {code}: {msg}")
        self.code = code
        self.msg = msg
        self.http_status = http_status

    @property
    def is_auth(self) -> bool:
        return is_auth_code(self.code)

    @property
    def retryable(self) -> bool:
        """Backend unavailable / timeout / rate limit codes: worth a backoff retry."""
        value = _hex_code(self.code)
        if value is None:
            return self.code in _RETRYABLE_SMALL
        return value in _RETRYABLE_HEX or _RETRYABLE_RANGE[0] <= value <= _RETRYABLE_RANGE[1]


class HikCentralAuthError(HikCentralApiError, HikvisionAuthError):
    """Gateway-level auth failure: both an API error (has ``code``) and an auth error."""


def is_auth_code(code: str) -> bool:
    value = _hex_code(code)
    if value is None:
        return code in _AUTH_SMALL
    return _AUTH_RANGE[0] <= value <= _AUTH_RANGE[1]


def api_error(code: str, msg: str, http_status: int = 200) -> HikCentralApiError:
    """Build the most specific API error for an envelope ``code``."""
    if is_auth_code(code):
        return HikCentralAuthError(code, msg, http_status)
    return HikCentralApiError(code, msg, http_status)
