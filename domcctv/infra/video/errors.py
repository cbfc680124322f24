"""One typed error for everything the video toolkit refuses, with stable codes.

Callers (services, workers) branch on ``MediaError.code``, never on FFmpeg's message text,
which changes between FFmpeg releases. PyAV's own exceptions are translated at the two places
where they can arise: while reading an input (``reading``) and while writing an output
(``writing``); anything already a ``MediaError`` passes through untouched, so nested guards
never re-label an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import av


class MediaErrorCode(StrEnum):
    """Stable reasons; new codes may be added, existing ones never change meaning."""

    NOT_FOUND = "NOT_FOUND"  # the input file does not exist
    UNREADABLE = "UNREADABLE"  # the OS refused to read it (permissions, I/O error)
    CORRUPT = "CORRUPT"  # FFmpeg cannot parse it, or it is truncated / damaged
    NO_VIDEO = "NO_VIDEO"  # a readable container without a video stream
    UNSUPPORTED = "UNSUPPORTED"  # readable, but no decoder, or timing we cannot reconstruct
    EMPTY_RANGE = "EMPTY_RANGE"  # the asked span holds no frame
    OUTPUT_FAILED = "OUTPUT_FAILED"  # writing the result failed (disk full, muxer refusal)


class MediaError(Exception):
    """Bad or unusable media: ``code`` is for programs, ``message`` for people and logs."""

    def __init__(self, code: MediaErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[MediaError], tuple[MediaErrorCode, str]]:
        """Picklable with both arguments (process pools, task queues, log handlers)."""
        return (MediaError, (self.code, self.message))


def _input_code(error: BaseException) -> MediaErrorCode:
    if isinstance(error, FileNotFoundError | IsADirectoryError | NotADirectoryError):
        return MediaErrorCode.NOT_FOUND
    if isinstance(
        error,
        av.error.DecoderNotFoundError
        | av.error.DemuxerNotFoundError
        | av.error.PatchWelcomeError
        | av.error.OptionNotFoundError,
    ):
        return MediaErrorCode.UNSUPPORTED
    if isinstance(error, av.error.InvalidDataError | av.error.EOFError | av.error.UndefinedError):
        return MediaErrorCode.CORRUPT
    if isinstance(error, OSError):  # PyAV's errno errors are OSErrors too
        return MediaErrorCode.UNREADABLE
    return MediaErrorCode.CORRUPT


@contextmanager
def reading(path: Path | str) -> Iterator[None]:
    """Translate whatever PyAV raises while reading ``path`` into a ``MediaError``."""
    try:
        yield
    except MediaError:
        raise
    except (av.FFmpegError, OSError) as error:
        raise MediaError(_input_code(error), f"{Path(path).name}: {error}") from error


@contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Translate a failure while producing ``path`` into ``MediaError(OUTPUT_FAILED)``."""
    try:
        yield
    except MediaError:
        raise
    except (av.FFmpegError, OSError) as error:
        raise MediaError(
            MediaErrorCode.OUTPUT_FAILED, f"writing {Path(path).name}: {error}"
        ) from error
