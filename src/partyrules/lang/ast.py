"""Syntax tree of the expression language, as parsed (names not yet resolved)."""

from __future__ import annotations

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
