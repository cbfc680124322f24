"""Lower qualities of READY clips (MEDIUM 480p, LOW 240p), transcoded once in the background.

A request never transcodes: a quality that is not made yet is simply not offered
(``VideoClip.qualities``). The heavy encodes run in the video workers' CPU-bound lane, one
clip at a time, oldest first; a clip whose variants fail keeps playing in its original quality.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from domcctv.infra.storage.base import BlobStore
from domcctv.infra.video.runner import VideoWorkers
from domcctv.infra.video.variants import transcode_variant, variants_for
from domcctv.models import ClipStatus, VideoClip

logger = logging.getLogger(__name__)


async def next_clip_needing_variants() -> VideoClip | None:
    return (
        await VideoClip.filter(variants_pending=True, status=ClipStatus.READY)
        .order_by("ready_at", "id")
        .first()
    )


async def make_variants(
    clip: VideoClip, store: BlobStore, workers: VideoWorkers, work_dir: Path | None = None
) -> dict[str, str]:
    """Transcode and store every standard quality below the clip's own; returns them."""
    assert clip.storage_key is not None
    work = Path(tempfile.mkdtemp(prefix=f"variants{clip.id}-", dir=work_dir))
    made: dict[str, str] = dict(clip.variants or {})
    try:
        source = work / "source.mp4"
        await store.fetch_to_path(clip.storage_key, source)
        for spec in variants_for(clip.height or 0):
            out = work / f"{spec.quality.value.lower()}.mp4"
            await workers.run(transcode_variant, source, out, spec.height, spec.video_bitrate)
            key = f"clips/{clip.event_id}/{clip.id}/{spec.quality.value.lower()}.mp4"
            await store.put_file(key, out, "video/mp4")
            made[spec.quality.value] = key
    except Exception:
        logger.warning("clip %s: variants failed; original only", clip.id, exc_info=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    await VideoClip.filter(id=clip.id).update(variants=made, variants_pending=False)
    clip.variants, clip.variants_pending = made, False
    return made
