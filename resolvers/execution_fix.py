"""Workaround for a per-subscription memory leak in graphql-core 3.3.2.

``Executor.build_per_event_executor`` makes a shallow copy, so each subscription event adds
entries to a ``_relevant_sub_fields`` memo shared by the whole subscription and keeps the field
lists alive. With hundreds of live subscribers memory grows with every detection and full GC
pauses reach hundreds of milliseconds (measured by bench/fanout.py). Giving each event its own
memo keeps memoisation within one event. Strawberry pins graphql-core >= 3.3, so we cannot
fall back to 3.2; remove this once graphql-core fixes the copy.
"""

from __future__ import annotations

from typing import Any

from graphql.execution.executor import Executor

_INSTALLED = False
_MARK = "_domcctv_per_event_memo"


def install_per_event_memo() -> None:
    """Idempotently patch ``Executor.build_per_event_executor``."""
    global _INSTALLED
    if _INSTALLED:  # (a mark on the method would be hidden under the other wrapper)
        return
    _INSTALLED = True
    original = Executor.build_per_event_executor

    def build_per_event_executor(self: Executor[Any], payload: Any) -> Executor[Any]:
        executor = original(self, payload)
        executor._relevant_sub_fields = {}
        return executor

    setattr(build_per_event_executor, _MARK, True)
    Executor.build_per_event_executor = build_per_event_executor  # type: ignore[method-assign]
