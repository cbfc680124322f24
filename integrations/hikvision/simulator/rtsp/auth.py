"""RTSP Digest authentication (RFC 2617 MD5) as Hikvision cameras do it on port 554.

The camera challenges with ``Digest realm, nonce`` (no ``qop``); ffmpeg/PyAV answer with the
credentials taken from the URL (``rtsp://user:pass@host/...``), so the password never travels
in clear.  ``qop="auth"`` answers are accepted too, since some clients always send them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from integrations.hikvision.simulator.camera.auth import parse_digest
from integrations.hikvision.simulator.rtsp.messages import RtspRequest

MAX_NONCES = 1024


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617 mandates MD5


class RtspDigestAuth:
    """Issues nonces and checks ``Authorization: Digest`` headers of RTSP requests."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        realm: str = "IP Camera(C1234)",
        nonce_ttl: float = 300.0,
    ) -> None:
        self.username = username
        self.password = password
        self.realm = realm
        self._ttl = nonce_ttl
        self._nonces: dict[str, float] = {}
        self.failures = 0

    def challenge(self, stale: bool = False) -> str:
        now = time.monotonic()
        self._nonces = {n: t for n, t in self._nonces.items() if now - t < self._ttl}
        if len(self._nonces) >= MAX_NONCES:
            self._nonces.pop(next(iter(self._nonces)))
        nonce = secrets.token_hex(16)
        self._nonces[nonce] = now
        return (
            f'Digest realm="{self.realm}", nonce="{nonce}", stale="{"TRUE" if stale else "FALSE"}"'
        )

    def check(self, request: RtspRequest) -> tuple[bool, bool]:
        """Return (authenticated, stale nonce)."""
        header = request.headers.get("authorization", "")
        ok, stale = self._check(request, header)
        if not ok and header:
            self.failures += 1
        return ok, stale

    def _check(self, request: RtspRequest, header: str) -> tuple[bool, bool]:
        params = parse_digest(header)
        if any(k not in params for k in ("username", "realm", "nonce", "uri", "response")):
            return False, False
        issued = self._nonces.get(params["nonce"])
        if issued is None or time.monotonic() - issued > self._ttl:
            return False, True
        if params["uri"] != request.uri:
            return False, False
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        ha2 = _md5(f"{request.method}:{params['uri']}")
        qop = params.get("qop")
        if qop == "auth":
            if "nc" not in params or "cnonce" not in params:
                return False, False
            tail = f"{params['nc']}:{params['cnonce']}:auth:{ha2}"
            expected = _md5(f"{ha1}:{params['nonce']}:{tail}")
        elif qop is None:
            expected = _md5(f"{ha1}:{params['nonce']}:{ha2}")
        else:
            return False, False
        user_ok = hmac.compare_digest(params["username"], self.username)
        return bool(user_ok & hmac.compare_digest(expected, params["response"])), False
