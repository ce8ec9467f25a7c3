"""The typed, resolved form of an expression: what the compilers (durable-rules, Python, columns) consume.

Parameters are already folded into :class:`Const` (with the parameter's name kept for explanations), and every
field reference says which fact it reads: the subject, the current item of an aggregation, the annual evaluation
or the period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .types import Type


@dataclass(frozen=True, slots=True, eq=False)
class IR:
    type: Type
    start: int
    end: int

    def children(self) -> tuple[IR, ...]:
        return ()

    def walk(self) -> Iterator[IR]:
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True, slots=True, eq=False)
class Const(IR):
    value: object
    param: str | None = None  # the parameter this constant came from, if any


@dataclass(frozen=True, slots=True, eq=False)
class Field(IR):
    scope: str  # subject, item, annual, period
    path: tuple[str, ...]

    @property
    def dotted(self) -> str:
        prefix = {"subject": "", "item": "", "annual": "annual.", "period": "period."}[self.scope]
        return prefix + ".".join(self.path)


@dataclass(frozen=True, slots=True, eq=False)
class Not(IR):
    operand: IR

    def children(self) -> tuple[IR, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, eq=False)
class Neg(IR):
    operand: IR

    def children(self) -> tuple[IR, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, eq=False)
class BoolOp(IR):
    op: str  # and / or
    items: tuple[IR, ...]

    def children(self) -> tuple[IR, ...]:
        return self.items


@dataclass(frozen=True, slots=True, eq=False)
class Compare(IR):
    op: str  # == != < <= > >=
    left: IR
    right: IR

    def children(self) -> tuple[IR, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True, eq=False)
class In(IR):
    item: IR
    container: IR
    negate: bool

    def children(self) -> tuple[IR, ...]:
        return (self.item, self.container)


@dataclass(frozen=True, slots=True, eq=False)
class ListValue(IR):
    items: tuple[IR, ...]

    def children(self) -> tuple[IR, ...]:
        return self.items


@dataclass(frozen=True, slots=True, eq=False)
class Arith(IR):
    op: str  # + - * /
    left: IR
    right: IR

    def children(self) -> tuple[IR, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True, eq=False)
class IfElse(IR):
    test: IR
    then: IR
    orelse: IR

    def children(self) -> tuple[IR, ...]:
        return (self.test, self.then, self.orelse)


@dataclass(frozen=True, slots=True, eq=False)
class Func(IR):
    name: str
    args: tuple[IR, ...]

    def children(self) -> tuple[IR, ...]:
        return self.args


@dataclass(frozen=True, slots=True, eq=False)
class Agg(IR):
    func: str
    source: str  # records, incidents, commendations, or a list-of-records field of the subject
    project: IR | None
    where: IR | None
    text: str = ""  # the source text of the aggregation, for explanations

    def children(self) -> tuple[IR, ...]:
        return tuple(x for x in (self.project, self.where) if x is not None)


def params_used(node: IR) -> set[str]:
    """The parameters an expression reads (their values are folded into constants)."""
    return {n.param for n in node.walk() if isinstance(n, Const) and n.param}
