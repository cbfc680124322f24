"""What-if server for ``bench.fanout --what-if-memo-fix``: NOT the shipped server.

It is ``domcctv serve`` (same process, same uvicorn settings) plus a workaround for what the
fan-out bench found in graphql-core 3.3.2: ``Executor.build_per_event_executor`` makes a
shallow copy, so every subscription event adds entries (keyed by ``id()`` of freshly built
field lists, and keeping those lists alive) to one ``_relevant_sub_fields`` memo shared by the
whole subscription. With 200 subscribers that is ~50 live objects per delivery, forever:
memory grows and full GC pauses grow with it (100-250 ms within 10 s of load). Giving each
event its own memo keeps the memoisation inside an event and drops it afterwards.

Run: ``python -m bench.whatif_serve`` with the same environment as ``domcctv serve``.
"""

from __future__ import annotations

import sys
from typing import Any

from graphql.execution.executor import Executor


def install_per_event_memo() -> None:
    original = Executor.build_per_event_executor
    if getattr(original, "_bench_whatif", False):
        return

    def build_per_event_executor(self: Executor, payload: Any) -> Executor:
        executor = original(self, payload)
        executor._relevant_sub_fields = {}
        return executor

    build_per_event_executor._bench_whatif = True  # type: ignore[attr-defined]
    Executor.build_per_event_executor = build_per_event_executor  # type: ignore[method-assign]


def main() -> int:
    install_per_event_memo()
    from domcctv.cli import main as domcctv_main

    return domcctv_main(["serve"])


if __name__ == "__main__":
    sys.exit(main())
