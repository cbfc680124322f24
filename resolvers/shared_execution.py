"""Execute each pushed event once per distinct subscription, not once per subscriber.

Two hundred dashboards subscribed with the same document, the same variables and the same
rights receive byte-identical results for a detection; executing the selection set for each
of them was ~60 % of the server's CPU per push (bench/fanout.py). The subscription resolvers
(``resolvers/live.py``) already yield one shared payload object per bus message; here the
per-event execution is memoised on that payload, keyed by

* the operation's document text, operation name and coerced variables, and
* the viewer: role, scope (company) and permissions — everything resolvers and permission
  checks read from the actor (loaders are shared on the same key, ``resolvers/push_loaders``).

The first subscriber of a key executes; the others await the same result. A result carrying
errors is never shared (each subscriber then executes on its own, so error masking and
logging stay per operation). The memo lives as long as the payload object: it goes away when
the last subscriber has been served.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import Any

from graphql import ExecutionResult
from graphql.execution.executor import Executor

_KEY_ATTRIBUTE = "_domcctv_share_key"
_NO_KEY = object()

# on each payload object: {share key: the execution (a future, or a finished result)}
_MEMO_ATTRIBUTE = "_domcctv_executions"


def share_key(executor: Executor[Any]) -> tuple[object, ...] | None:
    """What makes two subscriptions' results identical, or None when it cannot be told."""
    cached: Any = getattr(executor, _KEY_ATTRIBUTE, _NO_KEY)
    if cached is not _NO_KEY:
        return cached  # type: ignore[no-any-return]
    key: tuple[object, ...] | None = None
    actor = getattr(executor.context_value, "actor", None)
    operation = executor.operation
    if actor is not None and operation.loc is not None:
        try:
            variables = json.dumps(executor.variable_values, sort_keys=True, default=str)
        except (TypeError, ValueError):
            variables = None
        if variables is not None:
            name = operation.name.value if operation.name else ""
            key = (
                operation.loc.source.body,
                name,
                variables,
                actor.role,
                actor.scope,
                actor.permissions,
            )
    setattr(executor, _KEY_ATTRIBUTE, key)
    return key


def _memo_of(payload: Any) -> dict[tuple[object, ...], Any] | None:
    """The memo kept on the payload object itself (payloads are unhashable dataclasses)."""
    try:
        attributes = vars(payload)
    except TypeError:  # no __dict__ (slots, builtins): no sharing
        return None
    memo: dict[tuple[object, ...], Any] | None = attributes.get(_MEMO_ATTRIBUTE)
    if not isinstance(memo, dict):
        memo = attributes[_MEMO_ATTRIBUTE] = {}
    return memo


def _shared(
    execute: Any, payload: Any, key: tuple[object, ...]
) -> Any:  # the per-event executor's bound execute_operation, wrapped
    def execute_once(serially: bool | None = None) -> Any:
        memo = _memo_of(payload)
        if memo is None:
            return execute(serially)
        done = memo.get(key)
        if isinstance(done, ExecutionResult):
            return done if not done.errors else execute(serially)
        if isinstance(done, asyncio.Future):
            return _await_shared(done, execute, serially)
        result = execute(serially)
        if isinstance(result, ExecutionResult):
            if not result.errors:
                memo[key] = result
            return result
        # A task of its own, awaited through a shield by every subscriber (this one too), so
        # a subscriber that goes away mid-execution cannot cancel it for the others.
        future = asyncio.ensure_future(_as_coroutine(result))
        memo[key] = future
        return _await_own(future)

    return execute_once


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def _await_own(future: asyncio.Future[Any]) -> Any:
    """The first subscriber's own execution, run as the shared task (errors and all)."""
    return await asyncio.shield(future)


async def _await_shared(future: asyncio.Future[Any], execute: Any, serially: bool | None) -> Any:
    """Another subscriber's execution of this key; our own if that one failed or carries
    errors."""
    try:
        result = await asyncio.shield(future)
    except asyncio.CancelledError:
        if not future.cancelled():
            raise  # this subscriber was cancelled, not the shared execution
        result = None
    except Exception:
        result = None
    if isinstance(result, ExecutionResult) and not result.errors:
        return result
    own = execute(serially)
    return await own if not isinstance(own, ExecutionResult) else own


def share_execution(
    subscription: Executor[Any], executor: Executor[Any], payload: Any
) -> Executor[Any]:
    """``executor`` (built from ``subscription`` for ``payload``) with its execution shared by
    every subscription alike (``resolvers/execution_fix.py`` calls this for each event)."""
    key = share_key(subscription)
    if key is not None:
        executor.execute_operation = _shared(  # type: ignore[method-assign]
            executor.execute_operation, payload, key
        )
    return executor
