"""A small, explicit backoff helper for workers.

The clients never retry on their own: a hidden retry inside a poll loop multiplies load on a
struggling platform and hides outages from metrics.  Workers decide the policy and call this.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from integrations.hikvision.errors import (
    HikCentralApiError,
    HikvisionDeviceError,
    HikvisionTransportError,
)

logger = logging.getLogger(__name__)


def is_retryable(exc: BaseException) -> bool:
    """Transport and timeout errors, retryable API codes and busy devices; never auth errors."""
    if isinstance(exc, HikvisionTransportError):
        return True
    if isinstance(exc, HikCentralApiError | HikvisionDeviceError):
        return exc.retryable
    return False


def backoff_delay(attempt: int, base_delay: float, max_delay: float, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter" so many workers do not retry in lockstep."""
    ceiling = min(max_delay, base_delay * (2.0**attempt))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def _predicate(
    retry_on: Callable[[BaseException], bool] | tuple[type[BaseException], ...],
) -> Callable[[BaseException], bool]:
    if isinstance(retry_on, tuple):
        types = retry_on
        return lambda exc: isinstance(exc, types)
    return retry_on


async def retry_with_backoff[T](
    fn: Callable[[], Awaitable[T]],
    *,
    attempts: int = 5,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
    retry_on: Callable[[BaseException], bool] | tuple[type[BaseException], ...] = is_retryable,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> T:
    """Call ``fn`` until it succeeds, a non-retryable error occurs, or ``attempts`` run out.

    ``retry_on`` is a predicate (default :func:`is_retryable`) or a tuple of exception types.
    The last exception propagates unchanged, so callers still see the typed error.
    """
    if attempts < 1:
        raise ValueError("attempts must be >= 1")
    should_retry = _predicate(retry_on)
    jitter = rng or random.Random()
    for attempt in range(attempts):
        try:
            return await fn()
        except Exception as exc:
            if attempt + 1 >= attempts or not should_retry(exc):
                raise
            delay = backoff_delay(attempt, base_delay, max_delay, jitter)
            logger.warning(
                "retrying after %s (attempt %d/%d, sleeping %.2fs)",
                type(exc).__name__,
                attempt + 1,
                attempts,
                delay,
            )
            await sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
