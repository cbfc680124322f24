"""Server side of camera authentication: RFC 2617 Digest (MD5, ``qop=auth``) or Basic only.

Nonces are tracked (issued, expiry, nonce-counts already used) so replays and stale nonces
get a fresh challenge as on real firmware, which keeps client-side nonce handling honest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time

from aiohttp import web

_PAIR = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
MAX_NONCES = 1024


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617 mandates MD5


def parse_digest(header: str) -> dict[str, str]:
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "digest":
        return {}
    return {k.lower(): (q if q else u) for k, q, u in _PAIR.findall(rest)}


class CameraAuth:
    """Checks requests; ``challenge()`` builds the ``WWW-Authenticate`` for a 401."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        realm: str = "IP Camera(C1234)",
        basic_only: bool = False,
        nonce_ttl: float = 300.0,
    ) -> None:
        self.username = username
        self.password = password
        self.realm = realm
        self.basic_only = basic_only
        self._ttl = nonce_ttl
        self._nonces: dict[str, tuple[float, set[int]]] = {}
        self.failures = 0

    def challenge(self, stale: bool = False) -> str:
        if self.basic_only:
            return f'Basic realm="{self.realm}"'
        nonce = secrets.token_hex(16)
        now = time.monotonic()
        self._nonces = {n: v for n, v in self._nonces.items() if now - v[0] < self._ttl}
        if len(self._nonces) >= MAX_NONCES:
            self._nonces.pop(next(iter(self._nonces)))
        self._nonces[nonce] = (now, set())
        suffix = ', stale="true"' if stale else ""
        return f'Digest qop="auth", realm="{self.realm}", nonce="{nonce}", algorithm="MD5"{suffix}'

    def check(self, request: web.Request) -> tuple[bool, bool]:
        """Return (authenticated, stale_nonce)."""
        header = request.headers.get("Authorization", "")
        ok, stale = (
            (self._check_basic(header), False)
            if self.basic_only
            else self._check_digest(request, header)
        )
        if not ok and header:
            self.failures += 1
        return ok, stale

    def _check_basic(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, pwd = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user, self.username) & hmac.compare_digest(pwd, self.password)

    def _check_digest(self, request: web.Request, header: str) -> tuple[bool, bool]:
        params = parse_digest(header)
        needed = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        if any(k not in params for k in needed) or params["qop"] != "auth":
            return False, False
        entry = self._nonces.get(params["nonce"])
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return False, True
        try:
            nc = int(params["nc"], 16)
        except ValueError:
            return False, False
        if nc in entry[1] or params["uri"] != request.rel_url.raw_path_qs:
            return False, False
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        ha2 = _md5(f"{request.method}:{params['uri']}")
        expected = _md5(f"{ha1}:{params['nonce']}:{params['nc']}:{params['cnonce']}:auth:{ha2}")
        user_ok = hmac.compare_digest(params["username"], self.username)
        if not (user_ok & hmac.compare_digest(expected, params["response"])):
            return False, False
        entry[1].add(nc)
        return True, False
