"""Both blob store backends, for the same behavioural tests.

S3 is the real protocol over the wire: moto's server mode runs as a subprocess on a private
free port for the whole session (started once, stopped by pid at the end), and each test gets
its own bucket, so tests never see each other's objects. Without moto the S3 half fails loudly
instead of skipping: a green run must mean both backends were exercised.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from processes import base_env

from domcctv.infra.storage import BlobStore, LocalBlobStore
from domcctv.infra.storage.s3 import MIN_PART_SIZE, S3BlobStore

from live_server import free_port

MakeS3Store = Callable[..., S3BlobStore]


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if importlib.util.find_spec("moto.server") is None:
        pytest.fail("moto[server] is not installed: the S3 blob store cannot be tested")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=base_env(),
            cwd=log.parent,
            start_new_session=True,
        )
    try:
        _wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"moto server exited early:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"moto server never listened:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)


@pytest.fixture
def make_s3_store(moto_endpoint: str) -> MakeS3Store:
    """``make_s3_store(bucket, prefix="")``: a store on the moto server with the smallest part
    size S3 allows, so the 20 MB test file goes up as a 4-part multipart upload."""

    def make(bucket: str, prefix: str = "") -> S3BlobStore:
        return S3BlobStore(
            bucket,
            moto_endpoint,
            "us-east-1",
            "testing-access",
            "testing-secret",
            prefix,
            part_size=MIN_PART_SIZE,
        )

    return make


@pytest.fixture
async def s3_blob_store(make_s3_store: MakeS3Store) -> AsyncIterator[S3BlobStore]:
    async with make_s3_store(f"evidence-{uuid.uuid4().hex[:12]}", "site-a") as store:
        await store.create_bucket()
        yield store


@pytest.fixture
def local_blob_store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> BlobStore:
    """Each behavioural test runs once per backend."""
    name = "local_blob_store" if request.param == "local" else "s3_blob_store"
    backend: BlobStore = request.getfixturevalue(name)
    return backend
