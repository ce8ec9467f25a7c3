"""The values a rule set cares about: the constants and parameter values its expressions compare fields with.

Facts drawn at, just below and just above these values are where a rule set (or the library) is most likely to
be wrong, so the strategies draw them often.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..lang import ir as I
from ..rulesets.model import RuleSet


@dataclass(frozen=True, eq=False)  # hashed by identity: strategies built from one Edges are cached
class Edges:
    """Edge values of one rule set.

    ``read``: the names of the fields (every part of their paths) the rule set reads; the strategies vary only
    these, and give every other field one simple valid value, which keeps examples small and shrinking fast.
    ``by_field``: per field name (the last part of its path), the numbers it is compared with, directly or through
    an aggregation of it. ``numbers``: every number in the rule set's expressions and parameters. ``strings``: every
    string constant (kinds, categories, slugs), so that set-valued fields can hold what the rules look for.
    """

    by_field: dict[str, tuple[float, ...]] = field(default_factory=dict)
    numbers: tuple[float, ...] = ()
    strings: tuple[str, ...] = ()
    read: frozenset[str] | None = None  # names of the fields the rule set reads; None: every field matters

    def around(self, name: str, *, integral: bool) -> list[float]:
        """The values at, just below and just above each constant the field ``name`` is compared with."""
        out: list[float] = []
        for c in self.by_field.get(name, ()):
            if integral:
                base = math.floor(c)
                out += [base - 1, base, base + 1, math.ceil(c)]
            else:
                out += [c, math.nextafter(c, -math.inf), math.nextafter(c, math.inf)]
        return sorted(set(out))


def _field_names(node: I.IR) -> list[str]:
    """The names of the fields a comparison side reads: a field itself, or the projected field of an aggregation."""
    if isinstance(node, I.Field):
        return [node.path[-1]]
    if isinstance(node, I.Agg):
        out = []
        if node.project is not None:
            out += [f.path[-1] for f in node.project.walk() if isinstance(f, I.Field)]
        return out
    if isinstance(node, I.Arith | I.Func | I.Neg):
        return [f.path[-1] for f in node.walk() if isinstance(f, I.Field)]
    return []


def _number(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v) if math.isfinite(v) else None


def edges_of(ruleset: RuleSet) -> Edges:
    """Collect the edge values of every expression of a rule set (rules, checks, applicability) and its params."""
    by_field: dict[str, set[float]] = {}
    numbers: set[float] = set()
    strings: set[str] = set()
    read: set[str] = set()
    exprs = [e for r in (*ruleset.rules, *ruleset.checks) for e in r.exprs.values()]
    if ruleset.applies_to is not None:
        exprs.append(ruleset.applies_to)
    for e in exprs:
        for node in e.ir.walk():
            _collect(node, by_field, numbers, strings, read)
    for v in ruleset.params.values():
        n = _number(v)
        if n is not None:
            numbers.add(n)
    if ruleset.spec.monotone is not None:  # the monotone property raises these fields
        for path in (*ruleset.spec.monotone.increasing, *ruleset.spec.monotone.decreasing):
            read.update(path.split("."))
    return Edges({k: tuple(sorted(v)) for k, v in sorted(by_field.items())}, tuple(sorted(numbers)),
                 tuple(sorted(strings)), frozenset(read))


def _collect(node: I.IR, by_field: dict[str, set[float]], numbers: set[float], strings: set[str],
             read: set[str]) -> None:
    """What one node of an expression adds: the names it reads, its constants, a field's compared-to number."""
    if isinstance(node, I.Field):
        read.update(node.path)
    elif isinstance(node, I.Agg):
        read.add(node.source)
    if isinstance(node, I.Const):
        n = _number(node.value)
        if n is not None:
            numbers.add(n)
        elif isinstance(node.value, str):
            strings.add(node.value)
    elif isinstance(node, I.Compare):
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, I.Const) and (n := _number(other.value)) is not None:
                for name in _field_names(side):
                    by_field.setdefault(name, set()).add(n)
