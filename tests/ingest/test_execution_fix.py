"""The graphql-core per-event memo workaround is installed and gives each event a fresh memo."""

from __future__ import annotations

from graphql.execution.executor import Executor

from resolvers import build_schema


def test_build_schema_installs_per_event_memo_fix() -> None:
    build_schema()
    build_schema()  # idempotent: patching twice would wrap twice
    patched = Executor.build_per_event_executor
    assert getattr(patched, "_domcctv_per_event_memo", False)
    assert not getattr(patched.__closure__[0].cell_contents, "_domcctv_per_event_memo", False)
