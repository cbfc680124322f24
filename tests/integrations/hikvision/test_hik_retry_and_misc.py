"""retry_with_backoff policy, simulator pictures and the simulator's command line."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from integrations.hikvision.errors import (
    HikCentralApiError,
    HikvisionAuthError,
    HikvisionTimeoutError,
    HikvisionTransportError,
)
from integrations.hikvision.hikcentral import HikCentralClient
from integrations.hikvision.retry import retry_with_backoff
from integrations.hikvision.simulator.__main__ import _parser, config_from_args
from integrations.hikvision.simulator.pictures import PictureRenderer

PROJECT_ROOT = Path(__file__).resolve().parents[3]


class Flaky:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def _no_sleep(_delay: float) -> None:
    return None


async def test_retry_recovers_from_transient_errors() -> None:
    fn = Flaky(
        HikvisionTransportError("reset"),
        HikvisionTimeoutError("slow"),
        HikCentralApiError("0x02401031", "busy"),
    )
    assert await retry_with_backoff(fn, attempts=4, sleep=_no_sleep) == "ok"
    assert fn.calls == 4


async def test_retry_never_retries_auth_or_permanent_errors() -> None:
    auth = Flaky(HikvisionAuthError("401"))
    with pytest.raises(HikvisionAuthError):
        await retry_with_backoff(auth, sleep=_no_sleep)
    assert auth.calls == 1
    permanent = Flaky(HikCentralApiError("0x00072001", "missing"))
    with pytest.raises(HikCentralApiError):
        await retry_with_backoff(permanent, sleep=_no_sleep)
    assert permanent.calls == 1


async def test_retry_gives_up_after_attempts_with_bounded_delays() -> None:
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    fn = Flaky(*(HikvisionTransportError("x") for _ in range(10)))
    with pytest.raises(HikvisionTransportError):
        await retry_with_backoff(fn, attempts=5, base_delay=1, max_delay=3, sleep=record)
    assert fn.calls == 5
    assert len(delays) == 4
    assert all(0.5 <= d <= 3 for d in delays)


@pytest.mark.parametrize("target", [None, 300_000])
def test_rendered_pictures_are_valid_jpegs(target: int | None) -> None:
    renderer = PictureRenderer(target_bytes=target)
    data = renderer.detection_picture("HJKL42", datetime.now(UTC), "PORTON NORTE")
    assert data.startswith(b"\xff\xd8")
    Image.open(io.BytesIO(data)).verify()
    if target is None:
        assert 15_000 < len(data) < 90_000
    else:
        assert abs(len(data) - target) < target * 0.05


def test_cli_flags_map_to_config() -> None:
    args = _parser().parse_args(
        [
            "--cameras",
            "3",
            "--fleet",
            "HJKL42, FK1234",
            "--create-lag",
            "1",
            "2",
            "--basic-only",
            "--no-push",
        ]
    )
    config = config_from_args(args)
    assert config.cameras == 3
    assert config.fleet_plates == ("HJKL42", "FK1234")
    assert config.create_lag == (1.0, 2.0)
    assert config.camera(2).basic_only
    assert not config.push_enabled


@pytest.mark.slow
async def test_simulator_runs_as_a_process(session: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "integrations.hikvision.simulator",
        "--gateway-port",
        "0",
        "--camera-base-port",
        "0",
        "--cameras",
        "1",
        "--rate",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        cwd=PROJECT_ROOT,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(await asyncio.wait_for(proc.stdout.readline(), 20))
        async with HikCentralClient(
            session, info["gateway_url"], info["app_key"], "SimAppSecret0123456789"
        ) as hcp:
            assert "HikCentral" in (await hcp.version()).product_name
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
    assert proc.returncode == 0


async def test_retry_on_accepts_exception_types() -> None:
    fn = Flaky(KeyError("x"), HikvisionTransportError("y"))
    with pytest.raises(HikvisionTransportError):
        await retry_with_backoff(fn, retry_on=(KeyError,), sleep=_no_sleep)
    assert fn.calls == 2
