"""Secrets never reach a log: push tokens (they are in the URL path), JWTs, Authorization
headers, passwords. Checked on the real access log of a real uvicorn server, in the output of a
real `domcctv serve` process, and on any logger of the process."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from domcctv import cli
from domcctv.config import Settings, get_settings
from domcctv.logging_setup import REDACTED, install_log_redaction, redact

from live_server import free_port, start_server, stop_server

PUSH_TOKEN = "pUsHt0ken-ZXJ9aq7Lw2"  # what a camera's push URL carries
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsInNpZCI6IjcifQ."
    "3Vh0u6nTg3c0m0vJ2s4cQmQ1lC3j1mW5bq7x9k2a1Yw"
)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f'127.0.0.1:5000 - "POST /ingest/isapi/{PUSH_TOKEN} HTTP/1.1" 200', PUSH_TOKEN),
        (f"pushing to http://127.0.0.1:8000/ingest/isapi/{PUSH_TOKEN}?x=1", PUSH_TOKEN),
        (f"headers {{'authorization': 'Bearer {JWT}'}}", JWT),
        ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
        ("[(b'authorization', b'Bearer opaque-token-123')]", "opaque-token-123"),
        (f"token {JWT} rejected", JWT),
        ("connecting to mysql://domcctv:S3cr3t-pw@db:3306/domcctv", "S3cr3t-pw"),
        ("redis://:r3dis-pw@cache:6379/0 down", "r3dis-pw"),
        ("login body {'email': 'a@b.cl', 'password': 'Hunter2-secret'}", "Hunter2-secret"),
        ('{"refresh_token": "rt-9f8e7d6c5b4a"}', "rt-9f8e7d6c5b4a"),
        ("GET /media/events/1/plate.jpg?exp=1700000000&sig=abcdef0123456789 200", "abcdef0123"),
        ("HIKCENTRAL_APP_SECRET=sk-live-123456", "sk-live-123456"),
    ],
)
def test_redact_removes_the_secret_and_keeps_the_context(text: str, secret: str) -> None:
    clean = redact(text)
    assert secret not in clean
    assert REDACTED in clean


def test_redact_leaves_ordinary_lines_alone() -> None:
    line = '127.0.0.1:5000 - "POST /graphql HTTP/1.1" 200 (max_tokens=4000, plate HJKL42)'
    assert redact(line) == line


@pytest.fixture
def fresh_record_factory() -> Iterator[None]:
    """Start without redaction installed (it is process-global), restore afterwards."""
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)


def test_redaction_covers_arguments_non_string_arguments_and_tracebacks(
    fresh_record_factory: None, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_redaction()
    install_log_redaction()  # idempotent: wraps the factory once
    log = logging.getLogger("domcctv.anything")
    with caplog.at_level(logging.INFO):
        log.info("push from %s", f"/ingest/isapi/{PUSH_TOKEN}")
        log.info("push to /ingest/isapi/%s (%d bytes)", PUSH_TOKEN, 12)
        log.info("headers: %s", {"Authorization": f"Bearer {JWT}"})
        try:
            raise ConnectionError("cannot reach mysql://root:S3cr3t-pw@db:3306/x")
        except ConnectionError:
            log.exception("database down")
    assert PUSH_TOKEN not in caplog.text
    assert JWT not in caplog.text
    assert "S3cr3t-pw" not in caplog.text
    assert "database down" in caplog.text
    assert "ConnectionError" in caplog.text


def test_uvicorn_access_formatter_still_works_on_redacted_records(
    fresh_record_factory: None,
) -> None:
    install_log_redaction()
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", f"/ingest/isapi/{PUSH_TOKEN}", "1.1", 200),
        None,
    )
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line == f'127.0.0.1:5000 - "POST /ingest/isapi/{REDACTED} HTTP/1.1" 200 OK'


def test_a_signed_media_url_in_the_access_log_keeps_the_record_formattable(
    fresh_record_factory: None,
) -> None:
    """The signature is redacted in the argument, and the rendered line is then clean: the
    record keeps its arguments (redacting "[REDACTED]" again used to give "[REDACTED]]" and
    flatten the record, which uvicorn's access formatter cannot unpack: a "Logging error"
    traceback per picture served)."""
    install_log_redaction()
    path = "/media/ab/cd/x.jpg?exp=1795831020&sig=4663a8b3577b655b"
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    assert isinstance(record.args, tuple)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line == (
        f'127.0.0.1:5000 - "GET /media/ab/cd/x.jpg?exp=1795831020&sig={REDACTED} HTTP/1.1" 200 OK'
    )


@pytest.mark.parametrize(
    "text",
    [
        "GET /media/a.jpg?exp=1&sig=abc 200",
        f"POST /ingest/isapi/{PUSH_TOKEN}",
        f"Authorization: Bearer {JWT}",
        "mysql://u:pw@h/db password=x token: y",
    ],
)
def test_redacting_twice_changes_nothing(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


async def test_real_server_access_log_never_shows_the_push_token(
    settings: Settings, db: str
) -> None:
    running = await start_server(settings)
    access = logging.getLogger("uvicorn.access")
    captured: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(self.format(record))

    # The very formatter uvicorn's access log writes with.
    handler = Capture()
    handler.setFormatter(access.handlers[0].formatter)
    access.addHandler(handler)
    try:
        async with httpx.AsyncClient(base_url=running.http) as client:
            response = await client.post(
                f"/ingest/isapi/{PUSH_TOKEN}",
                content=b"<EventNotificationAlert/>",
                headers={"Authorization": f"Bearer {JWT}", "Content-Type": "application/xml"},
            )
    finally:
        access.removeHandler(handler)
        await stop_server(running)
    assert response.status_code in (400, 401)
    lines = [line for line in captured if "/ingest/isapi/" in line]
    assert lines, f"the access log did not log the push: {captured}"
    assert all(f"/ingest/isapi/{REDACTED}" in line for line in lines)
    assert not any(PUSH_TOKEN in line or JWT in line for line in captured)


async def test_domcctv_serve_output_never_shows_the_push_token(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    """The whole `domcctv serve` process (uvicorn's own logging config, root logging)."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.redis_url or "",
        "REDIS_NAMESPACE": settings.redis_namespace,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "SEED_DEMO_DATA": "false",
        "SIMULATOR_ENABLED": "false",
        "LOG_LEVEL": "INFO",
        "MEDIA_DIR": str(tmp_path / "media"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "domcctv.cli",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(300):  # a start-up guard, not a timing assertion
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, "domcctv serve exited during start-up"
                await asyncio.sleep(0.1)
            pushed = await client.post(f"/ingest/isapi/{PUSH_TOKEN}", content=b"<x/>")
    finally:
        process.terminate()
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    text = output.decode()
    assert pushed.status_code in (400, 401)
    assert f"POST /ingest/isapi/{REDACTED}" in text, text
    assert PUSH_TOKEN not in text


def test_domcctv_worker_installs_redaction(
    fresh_record_factory: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    """`domcctv worker` sets up logging (with redaction) before its loop logs anything."""

    async def worker_that_logs_a_secret() -> None:
        logging.getLogger("domcctv.workers").warning("push URL /ingest/isapi/%s", PUSH_TOKEN)

    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("JWT_SECRET", "w" * 8 + "Zx9-Qm2_Lp7.Tr4+Yb6~Kd1!Hs3")
    monkeypatch.setattr(cli, "_worker", worker_that_logs_a_secret)
    get_settings.cache_clear()
    try:
        with caplog.at_level(logging.INFO):
            assert cli.main(["worker"]) == 0
    finally:
        get_settings.cache_clear()
    assert "/ingest/isapi/" in caplog.text
    assert PUSH_TOKEN not in caplog.text
