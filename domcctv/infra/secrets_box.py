"""Encryption at rest for device credentials (Fernet, key derived from a server secret)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    """Encrypts/decrypts short secrets such as ISAPI passwords."""

    def __init__(self, secret: str) -> None:
        key = base64.urlsafe_b64encode(
            hashlib.sha256(b"device-credentials|" + secret.encode()).digest()
        )
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None
