"""Syntax tree of the expression language, as parsed (names not yet resolved)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: object  # int, float, str, bool or None


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Attr(Node):
    obj: Node
    name: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "not" or "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # and or + - * / == != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class IfElse(Node):
    then: Node
    test: Node
    orelse: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Aggregate(Node):
    """``count(records where x > 0)``, ``sum(records.volunteer_hours)``, ``sum(records.(a - b) where c)``."""

    func: str
    source: str
    source_start: int
    project: Node | None
    where: Node | None


AGGREGATES = frozenset({"count", "exists", "sum", "mean", "min", "max", "longest_run"})
KEYWORDS = frozenset({"and", "or", "not", "in", "if", "else", "where", "true", "false", "none"})


def walk(node: Node) -> Iterator[Node]:
    """Every node of a syntax tree, the root included (depth first; the order is not part of the contract)."""
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        yield n
        for slot in getattr(n, "__slots__", ()):
            child = getattr(n, slot, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple):
                stack.extend(c for c in child if isinstance(c, Node))


def params_read(node: Node) -> set[str]:
    """The names of the parameters a syntax tree reads (``params.NAME``), before any constant folding."""
    return {n.name for n in walk(node)
            if isinstance(n, Attr) and isinstance(n.obj, Name) and n.obj.name == "params"}
