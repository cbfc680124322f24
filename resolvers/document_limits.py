"""Document-level limits of the GraphQL endpoint, measured in one linear pass.

A GraphQL document can describe far more work than its size: each fragment that spreads the
previous one twice doubles the expansion, so 800 bytes describe 2**21 selections, and any check
that walks every expansion (as Strawberry's depth and alias limiters do) is itself the attack.
Here every definition is walked once and each fragment's numbers (depth, aliases, selections,
directives, expensive root fields) are computed once and reused wherever it is spread, so the
work is linear in the document's size whatever the expansion. Fragment cycles contribute
nothing here (graphql-core's NoFragmentCycles rule reports them) and never loop the walk.

The rule built by :func:`document_limits_rule` runs first in validation and, when a limit is
exceeded, aborts the whole validation at once: the other rules never walk a hostile document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.validation import ASTValidationRule
from graphql.validation.validate import ValidationAbortedError

# Root mutation fields that cost bcrypt rounds or send mail: one request may run one of them.
EXPENSIVE_MUTATIONS = frozenset(
    {
        "login",
        "refreshToken",
        "resetPassword",
        "requestPasswordReset",
        "changePassword",
        "createUser",
    }
)


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """The caps one document must respect (settings GRAPHQL_MAX_* feed the first three)."""

    max_depth: int = 12
    max_aliases: int = 20
    # Field selections once every fragment spread is expanded.
    max_selections: int = 1500
    # Directives once every fragment spread is expanded (the dashboard uses none).
    max_directives: int = 50
    # Nesting of the JSON variables (``{"a": [1]}`` is 2 deep).
    max_variables_depth: int = 20
    # Expensive root mutation fields: at most this many per operation, across aliases.
    max_expensive_mutations: int = 1
    expensive_mutations: frozenset[str] = EXPENSIVE_MUTATIONS


@dataclass(slots=True)
class _Numbers:
    """One definition's numbers; for a fragment, as if it were spread at the root."""

    # Levels of fields, introspection subtrees not counted (Strawberry's depth + 1).
    height: int = 0
    aliases: int = 0
    selections: int = 0
    directives: int = 0
    # Expensive fields selected at the root level, by name.
    expensive: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Own:
    """What a definition selects itself, with its fragment spreads left open."""

    numbers: _Numbers
    # (fragment name, field level for the depth or None inside introspection, at root level)
    spreads: list[tuple[str, int | None, bool]]


@dataclass(frozen=True, slots=True)
class Violation:
    """One exceeded limit."""

    message: str
    node: Node | None


@dataclass(slots=True)
class Measurement:
    """The outcome of :func:`measure`; ``steps`` counts the walker's unit operations."""

    steps: int = 0
    depth: int = 0
    aliases: int = 0
    selections: int = 0
    directives: int = 0
    violations: list[Violation] = field(default_factory=list)


class _Walker:
    """Measures one document; ``steps`` grows by one per selection, spread edge or definition."""

    def __init__(self, document: DocumentNode, limits: DocumentLimits) -> None:
        self.limits = limits
        self.steps = 0
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        self.operations: list[OperationDefinitionNode] = []
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                self.fragments.setdefault(definition.name.value, definition)
            elif isinstance(definition, OperationDefinitionNode):
                self.operations.append(definition)
        self.done: dict[str, _Numbers] = {}

    def own(self, selection_set: SelectionSetNode) -> _Own:
        """Walk one definition's selections (not into its spreads), without recursion."""
        numbers = _Numbers()
        spreads: list[tuple[str, int | None, bool]] = []
        expensive_names = self.limits.expensive_mutations
        stack: list[tuple[SelectionSetNode, int, int | None]] = [(selection_set, 0, 0)]
        while stack:
            current, level, depth_level = stack.pop()
            for selection in current.selections:
                self.steps += 1
                numbers.directives += len(selection.directives or ())
                if isinstance(selection, FieldNode):
                    name = selection.name.value
                    numbers.selections += 1
                    if selection.alias is not None:
                        numbers.aliases += 1
                    if level == 0 and name in expensive_names:
                        numbers.expensive[name] = numbers.expensive.get(name, 0) + 1
                    if depth_level is not None:
                        numbers.height = max(numbers.height, depth_level + 1)
                    if selection.selection_set is not None:
                        # Introspection subtrees are not counted for the depth (as in
                        # Strawberry); MaxIntrospectionDepthRule bounds them instead.
                        inner = (
                            None
                            if depth_level is None or name.startswith("__")
                            else depth_level + 1
                        )
                        stack.append((selection.selection_set, level + 1, inner))
                elif isinstance(selection, InlineFragmentNode):
                    stack.append((selection.selection_set, level, depth_level))
                elif isinstance(selection, FragmentSpreadNode):
                    spreads.append((selection.name.value, depth_level, level == 0))
        return _Own(numbers, spreads)

    def own_fragment(self, name: str) -> _Own:
        fragment = self.fragments[name]
        own = self.own(fragment.selection_set)
        own.numbers.directives += len(fragment.directives or ())
        return own

    def combine(self, own: _Own) -> _Numbers:
        """A definition's numbers: its own plus those of the fragments it spreads."""
        total = own.numbers
        for name, depth_level, at_root in own.spreads:
            self.steps += 1
            spread = self.done.get(name)
            if spread is None:  # unknown fragment, or a cycle: reported by graphql-core
                continue
            total.aliases += spread.aliases
            total.selections += spread.selections
            total.directives += spread.directives
            if depth_level is not None:
                total.height = max(total.height, depth_level + spread.height)
            if at_root:
                for key, count in spread.expensive.items():
                    total.expensive[key] = total.expensive.get(key, 0) + count
        return total

    def fragments_in_order(self) -> list[tuple[str, _Own]]:
        """Every fragment after the fragments it spreads (iterative DFS, cycles cut)."""
        owns: dict[str, _Own] = {}
        ordered: list[tuple[str, _Own]] = []
        state: dict[str, bool] = {}  # False: on the DFS path, True: finished
        for root in self.fragments:
            if root in state:
                continue
            self.steps += 1
            owns[root] = self.own_fragment(root)
            state[root] = False
            path: list[tuple[str, int]] = [(root, 0)]
            while path:
                name, index = path[-1]
                spreads = owns[name].spreads
                if index < len(spreads):
                    path[-1] = (name, index + 1)
                    child = spreads[index][0]
                    self.steps += 1
                    if child in state or child not in self.fragments:
                        continue
                    self.steps += 1
                    owns[child] = self.own_fragment(child)
                    state[child] = False
                    path.append((child, 0))
                    continue
                path.pop()
                state[name] = True
                ordered.append((name, owns[name]))
        return ordered

    def run(self) -> Measurement:
        limits = self.limits
        result = Measurement()
        for name, own in self.fragments_in_order():
            numbers = self.combine(own)
            self.done[name] = numbers
            if numbers.selections > limits.max_selections:
                # Stop at once: every operation spreading it is over the cap too.
                result.selections = numbers.selections
                result.violations.append(
                    Violation(_selections_message(limits), self.fragments[name])
                )
                result.steps = self.steps
                return result
        for operation in self.operations:
            self.steps += 1
            own = self.own(operation.selection_set)
            own.numbers.directives += len(operation.directives or ()) + sum(
                len(variable.directives or ()) for variable in operation.variable_definitions or ()
            )
            numbers = self.combine(own)
            result.aliases += numbers.aliases
            result.selections += numbers.selections
            result.directives += numbers.directives
            result.depth = max(result.depth, numbers.height - 1)
            if numbers.height - 1 > limits.max_depth:
                label = operation.name.value if operation.name else "anonymous"
                result.violations.append(
                    Violation(
                        f"'{label}' exceeds maximum operation depth of {limits.max_depth}",
                        operation,
                    )
                )
            if operation.operation == OperationType.MUTATION:
                runs = sum(numbers.expensive.values())
                if runs > limits.max_expensive_mutations:
                    result.violations.append(
                        Violation(_expensive_message(numbers, limits), operation)
                    )
        if result.selections > limits.max_selections:
            result.violations.append(Violation(_selections_message(limits), None))
        if result.aliases > limits.max_aliases:
            result.violations.append(
                Violation(f"{result.aliases} aliases found. Allowed: {limits.max_aliases}", None)
            )
        if result.directives > limits.max_directives:
            result.violations.append(
                Violation(
                    f"{result.directives} directives once fragments are expanded. "
                    f"Allowed: {limits.max_directives}",
                    None,
                )
            )
        result.steps = self.steps
        return result


def _selections_message(limits: DocumentLimits) -> str:
    return (
        f"The document selects more than {limits.max_selections} fields once its fragments "
        "are expanded; split it into smaller requests"
    )


def _expensive_message(numbers: _Numbers, limits: DocumentLimits) -> str:
    names = ", ".join(
        f"{name} {count} times" if count > 1 else name
        for name, count in sorted(numbers.expensive.items())
    )
    allowed = ", ".join(sorted(limits.expensive_mutations))
    return (
        f"One request may run only one of the expensive mutations ({allowed}); "
        f"this one asks for {names}. Send them as separate requests"
    )


def measure(document: DocumentNode, limits: DocumentLimits) -> Measurement:
    """Measure ``document`` against ``limits`` in time linear in its size."""
    return _Walker(document, limits).run()


class DocumentLimitExceeded(ValidationAbortedError):
    """Ends validation early: the document is refused before any other rule walks it."""


def document_limits_rule(limits: DocumentLimits) -> type[ASTValidationRule]:
    """A validation rule class for ``limits``; build it once per schema (the validation
    cache keys on rule classes)."""

    class DocumentLimitsRule(ASTValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            violations = measure(node, limits).violations
            if not violations:
                return
            *reported, last = violations
            for violation in reported:
                self.report_error(_error(violation))
            raise DocumentLimitExceeded(
                last.message, [last.node] if last.node is not None else None
            )

    return DocumentLimitsRule


def _error(violation: Violation) -> GraphQLError:
    return GraphQLError(violation.message, [violation.node] if violation.node else None)


def json_depth(value: object, limit: int) -> int:
    """Nesting depth of a decoded JSON value, counted without recursion; stops at ``limit + 1``
    so a hostile value costs no more than a legitimate one."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        children: Any
        if isinstance(current, Mapping):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest
