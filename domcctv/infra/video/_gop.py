"""Finding the packets of a span: the keyframe at or before its start, up to its end.

Shared by ``cut_clip`` (which copies them) and ``thumbnail_jpeg`` (which decodes them), so a
thumbnail is taken from exactly the frames a clip would hold.

MP4 and Matroska inputs are sought through their sample index (cheap for long files; the
seek lands on a keyframe at or before the target). Inputs without a reliable index (MPEG-PS
from recorders) are read from the beginning: they are the span that was asked of the recorder,
so this reads little, and it avoids PS seeking, which lands on packets without timestamps.
If a seek ever lands past the start, the span is read again from the beginning.

Demuxing without decoding is cheap, so the anchor keyframe is found by reading packets: the
candidate GOP is buffered until a packet *decoded* after the start appears; no keyframe at or
before the start can follow it (a keyframe's DTS never exceeds its PTS).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from itertools import chain

from domcctv.infra.video._source import Source, Timed, video_packets

_INDEXED_FORMATS = ("mov", "matroska")


def _is_indexed(source: Source) -> bool:
    return source.container.format.name.split(",")[0] in _INDEXED_FORMATS


def span_packets(source: Source, start_tick: int, end_tick: int) -> Iterator[Timed]:
    """Packets (decode order) from the keyframe at or before ``start_tick`` to ``end_tick``:
    frames displayed before the end, plus any displayed after it that such a frame references
    (B-frames), and nothing else."""
    if _is_indexed(source) and start_tick > source.origin:
        source.seek(start_tick)
        packets = _anchored(source, start_tick, end_tick)
        first = next(packets, None)
        if first is not None and first.pts <= start_tick:
            yield first
            yield from packets
            return
        packets.close()  # the seek overshot: fall back to reading from the beginning
        source.seek(source.origin)
    yield from _anchored(source, start_tick, end_tick)


def _anchored(source: Source, start_tick: int, end_tick: int) -> Generator[Timed]:
    """Packets of ``[start, end)`` in decode order, from the keyframe at or before start."""
    packets = video_packets(source)
    gop: list[Timed] = []  # from the latest keyframe that can still be the anchor
    for timed in packets:
        if timed.is_keyframe and (not gop or timed.pts <= start_tick):
            gop = [timed]
        elif gop:
            gop.append(timed)
        # No keyframe at or before start can follow a packet decoded after start.
        if gop and timed.dts > start_tick:
            break
    if not gop:
        return
    anchor = gop[0]
    held: list[Timed] = []  # displayed at/after end: kept only if a later frame may need them
    for timed in chain(gop, packets):
        if timed is not anchor and timed.dts >= end_tick:
            break
        if timed.pts < anchor.pts:
            continue  # a leading picture of an open GOP: it references the previous GOP
        if timed is not anchor and timed.pts >= end_tick:
            held.append(timed)
            continue
        yield from held
        held.clear()
        yield timed
