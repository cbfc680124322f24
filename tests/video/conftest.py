"""Session-wide sample videos (made once with PyAV) and broken inputs for the video tests.

Sources, all 320x180, 25 fps, 300 frames = 12 s, H.264, each frame showing its index
(see ``video_samples``):

* ``gop25``: a keyframe every 25 frames, no B-frames; MP4 with ``moov`` at the end (as PyAV
  writes by default), so truncating it loses the index.
* ``bframes``: a keyframe every 50 frames with 2 B-frames, so PTS != DTS.
* ``gop25_faststart``: the same as ``gop25`` with the index first, so truncating it keeps
  the index and loses frames the index promises.
* ``recorder_ps``: MPEG-PS like a recorder download; it starts at 0.5 s and most packets carry
  no timestamp.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from video_samples import FFPROBE, Samples, encode_audio_only, encode_sample


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    if shutil.which(FFPROBE) is None:  # checked once here: never a silent skip later
        pytest.fail(f"{FFPROBE} is missing (apt-get install ffmpeg): outputs cannot be checked")
    directory = tmp_path_factory.mktemp("video-samples")
    made = Samples(
        gop25=directory / "gop25.mp4",
        bframes=directory / "bframes.mp4",
        recorder_ps=directory / "recorder.mpg",
        gop25_faststart=directory / "gop25-faststart.mp4",
        audio_only=directory / "audio.wav",
    )
    encode_sample(made.gop25, "mp4", gop=25, bframes=0)
    encode_sample(made.bframes, "mp4", gop=50, bframes=2)
    encode_sample(made.recorder_ps, "mpeg", gop=25, bframes=0)
    faststart = {"movflags": "+faststart"}
    encode_sample(made.gop25_faststart, "mp4", gop=25, bframes=0, options=faststart)
    encode_audio_only(made.audio_only)
    return made


@pytest.fixture
def corrupt_inputs(samples: Samples, tmp_path: Path) -> dict[str, Path]:
    """Broken files of each kind a recorder or a disk can produce."""
    data = samples.gop25.read_bytes()
    ps = samples.recorder_ps.read_bytes()
    indexed = samples.gop25_faststart.read_bytes()
    files = {
        "truncated_mp4_index_lost": data[: len(data) * 2 // 3],
        "truncated_mp4_frames_lost": indexed[: len(indexed) * 2 // 3],
        "truncated_ps": ps[: len(ps) * 2 // 3],
        "random_bytes": random.Random(7).randbytes(40_000),
        "empty": b"",
    }
    paths: dict[str, Path] = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name}.mp4"
        paths[name].write_bytes(content)
    return paths
