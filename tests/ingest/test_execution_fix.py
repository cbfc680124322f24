"""The graphql-core per-event memo workaround is installed and gives each event a fresh memo."""

from __future__ import annotations

from graphql.execution.executor import Executor

from resolvers import build_schema


def test_build_schema_installs_per_event_memo_fix() -> None:
    build_schema()
    build_schema()  # idempotent: patching twice would wrap twice
    # One wrapper, once (the fresh memo and the shared execution both live in it), around
    # graphql-core's own method.
    layers = []
    method = Executor.build_per_event_executor
    while method.__closure__:
        layers.append(method)
        inner = [c.cell_contents for c in method.__closure__ if callable(c.cell_contents)]
        method = inner[0]
    assert [bool(getattr(m, "_domcctv_per_event_executor", False)) for m in layers] == [True]
