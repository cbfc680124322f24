"""HikCentral Professional / iSecure Center OpenAPI ("Artemis" gateway) client."""

from integrations.hikvision._http import ClientState
from integrations.hikvision.hikcentral.auth import sign_request, string_to_sign, verify_request
from integrations.hikvision.hikcentral.client import HikCentralClient

__all__ = ["ClientState", "HikCentralClient", "sign_request", "string_to_sign", "verify_request"]
