"""Workaround for a per-subscription memory leak in graphql-core 3.3.2.

``Executor.build_per_event_executor`` makes a shallow copy, so each subscription event adds
entries to a ``_relevant_sub_fields`` memo shared by the whole subscription and keeps the field
lists alive. With hundreds of live subscribers memory grows with every detection and full GC
pauses reach hundreds of milliseconds (measured by bench/fanout.py). Giving each event its own
memo keeps memoisation within one event. Strawberry pins graphql-core >= 3.3, so we cannot
fall back to 3.2; remove this once graphql-core fixes the copy.

The same (single) wrapper also shares each pushed event's execution among subscribers alike
(``resolvers/shared_execution.py``): one patch of the method, installed once.
"""

from __future__ import annotations

from typing import Any

from graphql.execution.executor import Executor

from resolvers.shared_execution import share_execution

_MARK = "_domcctv_per_event_executor"


def install_per_event_executor() -> None:
    """Idempotently patch ``Executor.build_per_event_executor``: a fresh memo per event, and
    the event's execution shared among subscriptions alike."""
    original = Executor.build_per_event_executor
    if getattr(original, _MARK, False):
        return

    def build_per_event_executor(self: Executor[Any], payload: Any) -> Executor[Any]:
        executor = original(self, payload)
        executor._relevant_sub_fields = {}
        return share_execution(self, executor, payload)

    setattr(build_per_event_executor, _MARK, True)
    Executor.build_per_event_executor = build_per_event_executor  # type: ignore[method-assign]
