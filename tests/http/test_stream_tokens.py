"""Stream tokens: what a video URL's path grants, and every way a token is refused.

A token is the only credential a ``<video>`` element sends, so it must bind the user, the
subject, the purpose, the variant and the expiry, fail closed on any edit, and never be
mistaken for another signature made from the same application secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

import pytest

from domcctv.infra.media import MediaSigner
from domcctv.infra.stream_tokens import (
    STREAM_KINDS,
    STREAM_PURPOSES,
    StreamGrant,
    StreamTokens,
    TokenRejected,
)

SECRET = "test-secret-0123456789abcdef0123456789abcdef"
NOW = 1_750_000_000


def _reason(tokens: StreamTokens, token: str, now: float = NOW) -> str:
    with pytest.raises(TokenRejected) as rejected:
        tokens.verify(token, now=now)
    return rejected.value.reason


def _resign(token: str, secret_key: bytes) -> str:
    payload = token.rpartition(".")[0]
    mac = hmac.new(secret_key, payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_a_token_round_trips_every_field() -> None:
    tokens = StreamTokens(SECRET)
    for kind in sorted(STREAM_KINDS):
        for purpose in sorted(STREAM_PURPOSES):
            token = tokens.issue(
                user_id=42,
                kind=kind,
                subject_id="3f2a-clip_9",
                purpose=purpose,
                variant="medium",
                ttl_seconds=600,
                now=NOW,
            )
            assert tokens.verify(token, now=NOW + 599) == StreamGrant(
                user_id=42,
                kind=kind,
                subject_id="3f2a-clip_9",
                purpose=purpose,
                variant="medium",
                expires_at=NOW + 600,
            )


def test_a_token_is_one_url_path_segment_and_compact() -> None:
    token = StreamTokens(SECRET).issue(
        user_id=1234567, kind="clip", subject_id=98765432, purpose="play", now=NOW
    )
    assert quote(token, safe="") == token  # nothing to escape: no "/", "?", "#", "%"
    assert token not in (".", "..")
    assert len(token) < 110


def test_integer_subjects_are_carried_as_text() -> None:
    tokens = StreamTokens(SECRET)
    token = tokens.issue(user_id=1, kind="export", subject_id=77, purpose="download", now=NOW)
    assert tokens.verify(token, now=NOW).subject_id == "77"


def test_expiry_is_exclusive_and_reported_only_for_genuine_tokens() -> None:
    tokens = StreamTokens(SECRET)
    token = tokens.issue(
        user_id=1, kind="clip", subject_id="1", purpose="play", ttl_seconds=60, now=NOW
    )
    tokens.verify(token, now=NOW + 59)
    assert _reason(tokens, token, now=NOW + 60) == "expired"
    # A forged expired token is reported as tampered, never as "expired" (no oracle).
    forged = token.rpartition(".")[0] + "." + "A" * 43
    assert _reason(tokens, forged, now=NOW + 3600) == "tampered"


@pytest.mark.parametrize(
    ("index", "replacement"),
    [
        (1, "43"),  # another user
        (2, "e"),  # another kind
        (3, "2"),  # another subject
        (4, "d"),  # another purpose
        (5, "original"),  # another variant
        (6, str(NOW + 10**6)),  # a later expiry
    ],
)
def test_editing_any_field_is_tampering(index: int, replacement: str) -> None:
    tokens = StreamTokens(SECRET)
    token = tokens.issue(
        user_id=42, kind="clip", subject_id="1", purpose="play", variant="low", now=NOW
    )
    parts = token.split(".")
    assert parts[index] != replacement
    parts[index] = replacement
    assert _reason(tokens, ".".join(parts)) == "tampered"


def test_another_secret_or_another_token_kind_never_verifies() -> None:
    tokens = StreamTokens(SECRET)
    token = tokens.issue(user_id=1, kind="clip", subject_id="1", purpose="play", now=NOW)
    assert _reason(StreamTokens(SECRET + "x"), token) == "tampered"
    # The same payload signed with the raw secret, or with the media URLs' key, is refused:
    # the stream key is derived with a label of its own.
    assert _reason(tokens, _resign(token, SECRET.encode())) == "tampered"
    media_key = hashlib.sha256(b"media|" + SECRET.encode()).digest()
    assert MediaSigner(SECRET)._key == media_key
    assert _reason(tokens, _resign(token, media_key)) == "tampered"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "1.2.c.3.p.original.1750000600",  # no MAC
        "2.1.c.1.p.original.1750000600." + "A" * 43,  # unknown version
        "1.01.c.1.p.original.1750000600." + "A" * 43,  # non-canonical user id
        "1.-1.c.1.p.original.1750000600." + "A" * 43,
        "1.1.x.1.p.original.1750000600." + "A" * 43,  # unknown kind
        "1.1.c.1.z.original.1750000600." + "A" * 43,  # unknown purpose
        "1.1.c..p.original.1750000600." + "A" * 43,  # empty subject
        "1.1.c.a/b.p.original.1750000600." + "A" * 43,  # a path in the subject
        "1.1.c.1.p.original.17500006e2." + "A" * 43,
        "1.1.c.1.p.original.1750000600." + "A" * 42,  # short MAC
        "1.1.c.1.p.original.1750000600." + "A" * 42 + "B",  # non-canonical base64 tail
        "1.1.c.1.p.original.1750000600." + "A" * 42 + "=",
        "1.1.c.1.p.original.1750000600." + "é" * 43,
        "1.1.c.1.p.x.y.1750000600." + "A" * 43,  # an extra field
        "1" * 1000,
    ],
)
def test_malformed_tokens_are_refused_as_malformed(token: str) -> None:
    assert _reason(StreamTokens(SECRET), token) == "malformed"


def test_issue_refuses_what_a_token_cannot_carry() -> None:
    tokens = StreamTokens(SECRET)
    with pytest.raises(ValueError, match="kind"):
        tokens.issue(user_id=1, kind="movie", subject_id="1", purpose="play")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="purpose"):
        tokens.issue(user_id=1, kind="clip", subject_id="1", purpose="stream")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="subject_id"):
        tokens.issue(user_id=1, kind="clip", subject_id="../1", purpose="play")
    with pytest.raises(ValueError, match="variant"):
        tokens.issue(user_id=1, kind="clip", subject_id="1", purpose="play", variant="a.b")
    with pytest.raises(ValueError, match="user_id"):
        tokens.issue(user_id=True, kind="clip", subject_id="1", purpose="play")
    with pytest.raises(ValueError, match="ttl"):
        tokens.issue(user_id=1, kind="clip", subject_id="1", purpose="play", ttl_seconds=0)
    with pytest.raises(ValueError, match="secret"):
        StreamTokens("")
