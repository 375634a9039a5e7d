"""What a GraphQL document costs, measured before any validation rule or resolver sees it.

A document is small; what it asks for can be huge. `fragment F1 on Query { ...F0 ...F0 }` doubles
`F0`, and twenty such lines select a million fields in 817 bytes. Whoever expands each spread again
at each use (Strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` do) spends time exponential
in the document's nesting. Here every fragment is costed once and its cost reused at each spread, so
the measure takes time linear in the document's size:

- `fields`: field selections once fragments are expanded (a spread counts its fragment's fields
  each time it is used), summed over the document's operations;
- `depth`: the deepest nesting of fields that have a selection set, fragments expanded (a leaf field
  adds nothing, as in `QueryDepthLimiter`; introspection fields such as `__schema` are not counted,
  so GraphiQL's own schema query, nine `ofType` levels deep, passes);
- `aliases`: aliased fields once fragments are expanded;
- `run_details`: Jobs API calls the document asks for at most, known before it runs: a run's
  `message` or `attempt` (outside the active runs) costs a `runs/get` per run, so each selection
  of them counts once, times the page sizes (`first`; a variable counts as the largest page) of the
  lists around it. Active runs carry their message, so nothing under `activeRuns` counts, nor an
  error's `message` (a fragment on another type than `JobRun`). Error
  text of failed tasks is not counted: how many tasks failed is known only once it runs.

Counts that multiply saturate at `SATURATED` (2^53 - 1, the largest integer a JavaScript client
reads exactly), so a count of 3^24 costs no more time than a count of 3. A fragment that spreads
itself, directly or through others, counts nothing for the repeated spread: the cycle is a
validation error (`NoFragmentCyclesRule`) and the measure must not loop on it. An unknown fragment
counts nothing either (`KnownFragmentNamesRule` reports it).

The traversal keeps its own stack, so a long chain of fragments or a deeply nested document cannot
exhaust the interpreter's recursion limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionNode,
)

SATURATED = 2**53 - 1


RUN_DETAIL_FIELDS = frozenset({"message", "attempt"})
RUN_TYPE = "JobRun"
"""Only a run's `message` and `attempt` cost a call: under a fragment on another type (an error's
`message`) they are free."""
FREE_RUN_DETAILS = frozenset({"activeRuns"})
DEFAULT_PAGE = 20
"""The page size of a list asked for without `first` (as `pagination.DEFAULT_PAGE_SIZE`)."""


@dataclass(frozen=True, slots=True)
class DocumentCost:
    """The size of what a document asks for, fragments expanded (see the module's docstring)."""

    fields: int
    depth: int
    aliases: int
    run_details: int = 0


_NOTHING = DocumentCost(fields=0, depth=0, aliases=0)


def _multiply(left: int, right: int) -> int:
    return min(left * right, SATURATED)


def _page_size(node: FieldNode, largest_page: int) -> int:
    """How many items a field's list holds at most: its `first`, else the default page."""
    for argument in node.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(0, min(int(argument.value.value), SATURATED))
            return largest_page
    return DEFAULT_PAGE if node.name.value in PAGED_FIELDS else 1


PAGED_FIELDS = frozenset({"jobs", "jobRuns", "runs", "breaches"})


def _add(left: int, right: int) -> int:
    return min(left + right, SATURATED)


def _is_introspection(node: FieldNode) -> bool:
    return node.name.value.startswith("__")


@dataclass(slots=True)
class _Frame:
    """One selection set being summed: the position in it, the running totals, and the selection
    whose nested cost is being measured on the frame above it."""

    selections: tuple[SelectionNode, ...]
    fragment: str | None = None
    index: int = 0
    fields: int = 0
    depth: int = 0
    aliases: int = 0
    run_details: int = 0
    asks_run_detail: bool = False
    waiting_on: SelectionNode | None = None
    not_a_run: bool = False
    """The selections are on a type other than a run (a fragment's type condition says so)."""

    def add(self, cost: DocumentCost, *, own_fields: int = 0, own_aliases: int = 0) -> None:
        self.fields = _add(self.fields, _add(cost.fields, own_fields))
        self.aliases = _add(self.aliases, _add(cost.aliases, own_aliases))

    def total(self) -> DocumentCost:
        # `message` and `attempt` of one run come from the same call.
        run_details = _add(self.run_details, 1 if self.asks_run_detail else 0)
        return DocumentCost(
            fields=self.fields, depth=self.depth, aliases=self.aliases, run_details=run_details
        )


class _Measure:
    """One document's fragments, each costed at most once."""

    def __init__(self, document: DocumentNode, largest_page: int) -> None:
        self._largest_page = largest_page
        self._fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                # A duplicate name is a validation error; the first definition is measured.
                self._fragments.setdefault(definition.name.value, definition)
        self._costs: dict[str, DocumentCost] = {}
        self._in_progress: set[str] = set()

    def selection_set(self, selections: tuple[SelectionNode, ...]) -> DocumentCost:
        stack = [_Frame(selections)]
        returned: DocumentCost | None = None
        while True:
            frame = stack[-1]
            if returned is not None:
                self._absorb(frame, returned)
                returned = None
            if frame.index == len(frame.selections):
                stack.pop()
                done = frame.total()
                if frame.fragment is not None:
                    self._costs[frame.fragment] = done
                    self._in_progress.discard(frame.fragment)
                if not stack:
                    return done
                returned = done
                continue
            selection = frame.selections[frame.index]
            frame.index += 1
            nested = self._nested(selection)
            if nested is None:
                continue
            if isinstance(nested, DocumentCost):
                self._absorb(frame, nested, selection)
                continue
            frame.waiting_on = selection
            stack.append(nested)

    def _nested(self, selection: SelectionNode) -> _Frame | DocumentCost | None:
        """A frame to measure what `selection` contains, or its cost when already known."""
        if isinstance(selection, FieldNode):
            if selection.selection_set is None:
                return _NOTHING
            return _Frame(selection.selection_set.selections)
        if isinstance(selection, InlineFragmentNode):
            return _Frame(
                selection.selection_set.selections,
                not_a_run=_not_a_run(selection.type_condition),
            )
        if isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            known = self._costs.get(name)
            if known is not None:
                return known
            fragment = self._fragments.get(name)
            if fragment is None or name in self._in_progress:
                return _NOTHING  # unknown or cyclic: a validation error, costed as nothing
            self._in_progress.add(name)
            return _Frame(
                fragment.selection_set.selections,
                fragment=name,
                not_a_run=_not_a_run(fragment.type_condition),
            )
        return None  # pragma: no cover (graphql-core has no other selection kind)

    def _absorb(
        self, frame: _Frame, nested: DocumentCost, selection: SelectionNode | None = None
    ) -> None:
        """Adds the cost of the selection `frame` was waiting on (or of `selection`)."""
        owner = selection if selection is not None else frame.waiting_on
        frame.waiting_on = None
        if isinstance(owner, FieldNode):
            frame.add(nested, own_fields=1, own_aliases=1 if owner.alias else 0)
            if owner.selection_set is not None and not _is_introspection(owner):
                frame.depth = max(frame.depth, nested.depth + 1)
            name = owner.name.value
            if owner.selection_set is None and name in RUN_DETAIL_FIELDS:
                frame.asks_run_detail = frame.asks_run_detail or not frame.not_a_run
            elif name not in FREE_RUN_DETAILS:
                calls = _multiply(nested.run_details, _page_size(owner, self._largest_page))
                frame.run_details = _add(frame.run_details, calls)
        else:
            frame.add(nested)
            frame.depth = max(frame.depth, nested.depth)
            frame.run_details = _add(frame.run_details, nested.run_details)


def _not_a_run(type_condition: NamedTypeNode | None) -> bool:
    return type_condition is not None and type_condition.name.value != RUN_TYPE


def measure_document(document: DocumentNode, largest_page: int = 100) -> DocumentCost:
    """The cost of every operation in `document`: fields, aliases and Jobs API calls summed, the
    deepest depth. `largest_page` is what a `first` given by a variable may be.

    Only one operation runs, but validation reads them all, so all of them count.
    """
    measure = _Measure(document, largest_page)
    fields = depth = aliases = run_details = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            cost = measure.selection_set(definition.selection_set.selections)
            fields = _add(fields, cost.fields)
            aliases = _add(aliases, cost.aliases)
            run_details = _add(run_details, cost.run_details)
            depth = max(depth, cost.depth)
    return DocumentCost(fields=fields, depth=depth, aliases=aliases, run_details=run_details)
