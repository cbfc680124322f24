"""ISAPI (camera/NVR HTTP API) client, pure XML/multipart parsers and event assembly."""

from integrations.hikvision.isapi.client import IsapiClient
from integrations.hikvision.isapi.events import (
    AlertAssembler,
    event_from_parts,
    parse_event_document,
    parse_push,
)
from integrations.hikvision.isapi.multipart import AlertStreamParser, MimePart, parse_push_multipart

__all__ = [
    "AlertAssembler",
    "AlertStreamParser",
    "IsapiClient",
    "MimePart",
    "event_from_parts",
    "parse_event_document",
    "parse_push",
    "parse_push_multipart",
]
