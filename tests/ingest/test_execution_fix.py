"""The graphql-core per-event memo workaround is installed and gives each event a fresh memo."""

from __future__ import annotations

from graphql.execution.executor import Executor

from resolvers import build_schema


def test_build_schema_installs_per_event_memo_fix() -> None:
    build_schema()
    build_schema()  # idempotent: patching twice would wrap twice
    # Two wrappers, each once: the shared execution (resolvers/shared_execution.py) around the
    # per-event memo fix, around graphql-core's own method.
    layers = []
    method = Executor.build_per_event_executor
    while method.__closure__:
        layers.append(method)
        inner = [c.cell_contents for c in method.__closure__ if callable(c.cell_contents)]
        method = inner[0]
    assert [bool(getattr(m, "_domcctv_shared_events", False)) for m in layers] == [True, False]
    assert [bool(getattr(m, "_domcctv_per_event_memo", False)) for m in layers] == [False, True]
