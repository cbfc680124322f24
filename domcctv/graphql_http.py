"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/): the transport rules of
``/graphql`` that Strawberry leaves to the application, as small pure helpers used by
``domcctv.graphql_view``.

* content negotiation: ``application/graphql-response+json`` when the client asks for it,
  ``application/json`` for legacy clients, ``*/*`` and a missing ``Accept``; 406 otherwise;
* status codes: with ``application/graphql-response+json`` a request error (unparsable or
  invalid document, variables that do not coerce: no ``data`` entry) is 400 and an internal
  failure before execution 500; with ``application/json`` every well-formed request is 200;
* the request body: a size limit enforced on ``Content-Length`` and on the bytes actually
  received (413), strict UTF-8 (400) and bounded JSON nesting (400);
* request-level failures are answered as a GraphQL response with one error carrying
  ``extensions.code`` (BAD_REQUEST, METHOD_NOT_ALLOWED, NOT_ACCEPTABLE, NOT_FOUND,
  PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE), never as a bare text or a 500;
* response bodies are encoded with orjson (UTF-8, as JSON must be), several times faster than
  the standard library on a page of events; graphql-transport-ws messages too, and a pushed
  result shared by many subscribers (``resolvers/shared_execution.py``) is encoded once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.responses import Response
from starlette.types import Message, Receive

from resolvers.document_limits import json_depth

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class RequestRefused(HTTPException):
    """A request-level failure with its code and extra headers (``Allow`` for 405)."""

    def __init__(
        self, status_code: int, reason: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status_code, reason)
        self.headers = dict(headers or {})


class UnreadableJSON(json.JSONDecodeError):
    """JSON we refuse to decode (not UTF-8, nested too deep). A JSONDecodeError, so every
    caller that handles malformed JSON (HTTP and websocket alike) handles it too."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "", 0)
        self.reason = reason


def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header, or None when neither is acceptable.

    Explicitly listed types win over wildcards; between two explicitly listed types of equal
    quality, ``application/graphql-response+json``; for ``*/*`` or ``application/*``,
    ``application/json`` (the spec's choice while legacy clients exist).
    """
    if accept is None or not accept.strip():
        return JSON
    best: tuple[float, int, int] = (0.0, -1, -1)
    chosen: str | None = None
    for candidate in (GRAPHQL_RESPONSE_JSON, JSON):
        quality, specificity = _quality(accept, candidate)
        if quality <= 0:
            continue
        exact = specificity == 2
        preferred = (candidate == GRAPHQL_RESPONSE_JSON) == exact
        score = (quality, specificity, int(preferred))
        if score > best:
            best, chosen = score, candidate
    return chosen


def _quality(accept: str, media_type: str) -> tuple[float, int]:
    """The quality the header gives ``media_type`` and how specific the matching range is
    (2 exact, 1 ``type/*``, 0 ``*/*``, -1 none); the most specific range decides (RFC 9110)."""
    main = media_type.split("/", 1)[0]
    found: tuple[int, float] = (-1, 0.0)
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media_range = fields[0].lower()
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{main}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        if specificity > found[0]:
            found = (specificity, quality)
    return found[1], found[0]


def error_body(status_code: int, reason: str) -> dict[str, Any]:
    return {
        "errors": [
            {"message": reason, "extensions": {"code": _CODES.get(status_code, "BAD_REQUEST")}}
        ]
    }


def refusal_response(error: HTTPException, media_type: str | None) -> Response:
    """A request-level failure as a GraphQL response (406 answers in application/json)."""
    headers = dict(getattr(error, "headers", None) or {})
    if error.status_code == 405:
        headers.setdefault("Allow", "GET, POST")
    return Response(
        json.dumps(error_body(error.status_code, error.reason), separators=(",", ":")),
        status_code=error.status_code,
        media_type=media_type or JSON,
        headers=headers,
    )


def encode_response(data: object) -> bytes:
    """A GraphQL response body: orjson, or the standard library for the rare value orjson
    refuses (a lone surrogate in a string, an integer beyond 64 bits, a non-string key)."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return json.dumps(data, separators=(",", ":")).encode()


_SHARED_DATA_SLOTS = 64
# id(data) -> (data, its JSON text): the data object is held so its id cannot be reused
_shared_data: dict[int, tuple[object, str]] = {}


def _data_text(data: object) -> str:
    """The JSON text of a pushed result's ``data``, encoded once for every subscriber that
    shares the same result object."""
    entry = _shared_data.get(id(data))
    if entry is not None and entry[0] is data:
        return entry[1]
    text = encode_response(data).decode()
    if len(_shared_data) >= _SHARED_DATA_SLOTS:
        del _shared_data[next(iter(_shared_data))]  # the oldest push
    _shared_data[id(data)] = (data, text)
    return text


def encode_ws_message(message: object) -> str:
    """A graphql-transport-ws message as JSON text (text frames, as the protocol requires).

    A ``next`` message carrying only ``data`` is spliced around the shared data's text: two
    hundred dashboards subscribed alike receive one result object per detection, and
    encoding it once instead of once per socket was a fifth of the fan-out's CPU."""
    if isinstance(message, Mapping) and message.get("type") == "next":
        payload = message.get("payload")
        if isinstance(payload, Mapping) and payload.keys() == {"data"}:
            data = _data_text(payload["data"])
            operation_id = encode_response(message.get("id")).decode()
            return f'{{"id":{operation_id},"type":"next","payload":{{"data":{data}}}}}'
    return encode_response(message).decode()


def is_request_error(response: Mapping[str, Any]) -> bool:
    """A result whose errors all come from before execution (no ``data`` entry is allowed):
    ``data`` is null and no error has a path."""
    errors = response.get("errors")
    return (
        bool(errors)
        and response.get("data") is None
        and not any(isinstance(e, Mapping) and e.get("path") for e in errors or ())
    )


def status_for(response: Mapping[str, Any], media_type: str) -> int:
    """The HTTP status of a GraphQL response in ``media_type``."""
    if media_type != GRAPHQL_RESPONSE_JSON or "data" in response:
        return 200
    codes = {
        (e.get("extensions") or {}).get("code")
        for e in response.get("errors") or ()
        if isinstance(e, Mapping)
    }
    return 500 if "INTERNAL_SERVER_ERROR" in codes else 400


def declared_length(headers: Mapping[str, str], limit: int) -> None:
    """Refuse a body whose ``Content-Length`` is malformed or over ``limit``, before reading."""
    declared = headers.get("content-length")
    if declared is None:
        return
    if not declared.strip().isdigit():
        raise RequestRefused(400, "Malformed Content-Length header")
    if int(declared) > limit:
        raise RequestRefused(413, f"The request body is larger than {limit} bytes")


def limited_receive(receive: Receive, limit: int) -> Receive:
    """``receive`` that refuses the body once more than ``limit`` bytes have arrived, so a
    chunked or lying client cannot make the server read (or hold) more than that."""
    received = 0

    async def guarded() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise RequestRefused(413, f"The request body is larger than {limit} bytes")
        return message

    return guarded


def decode_json(data: str | bytes, max_depth: int) -> object:
    """Strict JSON (RFC 8259): UTF-8, no NaN/Infinity, no lone surrogate escapes, numbers of
    sane length, at most ``max_depth`` levels of nesting. Anything else is the client's error
    (:class:`UnreadableJSON`), never a crash further down (a database refusing a surrogate, a
    RecursionError in variable coercion)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableJSON("The request body is not valid UTF-8") from None
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise UnreadableJSON(f"JSON nested more than {max_depth} levels deep") from None
    except ValueError:  # e.g. an integer of more than 4300 digits
        raise UnreadableJSON("A JSON number is too long") from None
    problem = _problem(value, max_depth)
    if problem:
        raise UnreadableJSON(problem)
    return value


def _refuse_constant(name: str) -> object:
    raise UnreadableJSON(f"{name} is not JSON")


def _problem(value: object, max_depth: int) -> str | None:
    """Nesting past ``max_depth`` or a string that is not Unicode text (a lone surrogate),
    found without recursion."""
    if json_depth(value, max_depth) > max_depth:
        return f"JSON nested more than {max_depth} levels deep"
    stack: list[object] = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            strings: Iterable[str] = (current,)
        elif isinstance(current, dict):
            strings = current.keys()
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
            continue
        else:
            continue
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return "JSON strings must be Unicode text (a lone surrogate escape)"
    return None
