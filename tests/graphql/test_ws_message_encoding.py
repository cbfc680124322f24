"""graphql-transport-ws messages are encoded as JSON text, and a pushed result shared by many
subscribers (resolvers/shared_execution.py) is encoded once (domcctv.graphql_http)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domcctv import graphql_http
from domcctv.graphql_http import encode_ws_message


def _next(operation_id: str, data: Any) -> dict[str, Any]:
    return {"id": operation_id, "type": "next", "payload": {"data": data}}


def test_a_next_message_is_the_same_json_as_the_standard_encoder_gives() -> None:
    data = {"eventDetected": {"plate": "HJKL42", "names": ["Ñuñoa", 'quote "x"'], "n": 1.5}}
    for message in (
        _next("op-1", data),
        _next('id with "quotes" and ñ', data),
        {"type": "connection_ack"},
        {"id": "x", "type": "error", "payload": [{"message": "bad"}]},
        {"id": "x", "type": "next", "payload": {"data": None, "errors": [{"message": "e"}]}},
        {"id": "x", "type": "complete"},
    ):
        text = encode_ws_message(message)
        assert isinstance(text, str)
        assert json.loads(text) == message


def test_subscribers_sharing_a_result_share_one_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = graphql_http.encode_response

    def counting(value: object) -> bytes:
        calls.append(value)
        return real(value)

    monkeypatch.setattr(graphql_http, "encode_response", counting)
    shared = {"eventDetected": {"plate": "AB1234"}}
    texts = [encode_ws_message(_next(f"op-{i}", shared)) for i in range(200)]
    assert sum(1 for value in calls if value is shared) == 1
    assert [json.loads(t)["id"] for t in texts] == [f"op-{i}" for i in range(200)]
    assert all(json.loads(t)["payload"]["data"] == shared for t in texts)


def test_an_equal_but_new_result_is_encoded_afresh() -> None:
    # The cache keys on the object, never on an id a later result could reuse.
    first = {"eventDetected": {"plate": "AB1234"}}
    assert json.loads(encode_ws_message(_next("a", first)))["payload"]["data"] == first
    for i in range(100):  # more pushes than the cache keeps
        encode_ws_message(_next("b", {"n": i}))
    second = {"eventDetected": {"plate": "ZZ9999"}}
    assert json.loads(encode_ws_message(_next("c", second)))["payload"]["data"] == second
