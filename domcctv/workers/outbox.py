"""The outbox sweeper: relays live pushes that were committed but not published at once, and
drops published rows once they are past the replay window."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from domcctv.infra.bus import Bus
from domcctv.services import outbox

logger = logging.getLogger(__name__)


async def run_outbox_sweeper(
    bus: Bus, *, interval_seconds: float = 1.0, min_age: timedelta = timedelta(seconds=2)
) -> None:
    """Every ``interval_seconds``, relay rows older than ``min_age`` (the writer had its chance
    to relay them itself; anything older was left by a failed publish or a dead process)."""
    while True:
        try:
            while await outbox.relay(bus, older_than=min_age):
                pass
            await outbox.purge_published()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("outbox sweep failed; retrying", exc_info=True)
        await asyncio.sleep(interval_seconds)
