"""Lexer and recursive-descent parser for the expression language. Never uses ``eval``.

Precedence, lowest first: ``a if c else b``; ``or``; ``and``; ``not``; comparisons (``== != < <= > >= in``,
``not in``, not chained); ``+ -``; ``* /``; unary ``-``; postfix ``.field``; atoms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ExprProblem
from .ast import (
    AGGREGATES,
    KEYWORDS,
    Aggregate,
    Attr,
    Binary,
    Call,
    IfElse,
    ListLit,
    Literal,
    Name,
    Node,
    Unary,
)
from .limits import NUMBER_HINT, number_problem

MAX_LENGTH = 4000
MAX_DEPTH = 48
MAX_NODES = 1500

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,|\.)
    """,
    re.VERBOSE,
)
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num, str, name, op, kw, end
    text: str
    start: int
    end: int
    value: object = None


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            ch = text[pos]
            hint = None
            if ch == "=":
                hint = "compare with '=='"
            elif ch in "&|":
                hint = "write 'and' / 'or'"
            elif ch == "!":
                hint = "write 'not'"
            raise ExprProblem("EX101", f"unexpected character {ch!r}", pos, pos + 1, hint)
        kind = m.lastgroup or ""
        raw = m.group()
        if kind == "ws":
            pos = m.end()
            continue
        value: object = None
        if kind == "num":
            value = float(raw) if any(c in raw for c in ".eE") else int(raw)
            problem = number_problem(value, raw)
            if problem is not None:
                raise ExprProblem("EX216", problem, pos, m.end(), NUMBER_HINT)
        elif kind == "str":
            value = _unescape(raw, pos)
        elif kind == "name":
            if raw.startswith("_"):
                raise ExprProblem("EX102", f"names starting with '_' are not allowed: {raw!r}", pos, m.end(),
                                  "use the field names of the fact schema")
            if raw in KEYWORDS:
                kind = "kw"
        tokens.append(Token(kind, raw, pos, m.end(), value))
        pos = m.end()
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def _unescape(raw: str, start: int) -> str:
    body = raw[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            nxt = body[i + 1] if i + 1 < len(body) else ""
            if nxt not in _ESCAPES:
                raise ExprProblem("EX103", f"unknown escape '\\{nxt}' in a string", start + 1 + i, start + 3 + i)
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            raise ExprProblem("EX110", f"expression of {len(text)} characters is longer than {MAX_LENGTH}", 0,
                              len(text), "split it into parameters or several rules")
        if not text.strip():
            raise ExprProblem("EX104", "empty expression", 0, 1)
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.nodes = 0

    # -- helpers ---------------------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, text: str) -> bool:
        t = self.tok
        return t.kind in ("op", "kw") and t.text == text

    def expect(self, text: str) -> Token:
        if not self.at(text):
            t = self.tok
            found = "the end of the expression" if t.kind == "end" else repr(t.text)
            raise ExprProblem("EX105", f"expected {text!r} but found {found}", t.start, max(t.end, t.start + 1))
        return self.advance()

    def _count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExprProblem("EX110", f"expression has more than {MAX_NODES} parts", 0, len(self.text),
                              "split it into several rules")

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprProblem("EX111", f"expression nested deeper than {MAX_DEPTH} levels", self.tok.start,
                              self.tok.end, "simplify the expression")

    # -- grammar ---------------------------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.expr()
        if self.tok.kind != "end":
            t = self.tok
            hint = "join conditions with 'and' / 'or'" if t.kind in ("name", "num", "str") else None
            raise ExprProblem("EX106", f"unexpected {t.text!r} after a complete expression", t.start, t.end, hint)
        return node

    def expr(self) -> Node:
        self._enter()
        try:
            node = self.or_expr()
            if self.at("if"):
                self.advance()
                test = self.or_expr()
                self.expect("else")
                orelse = self.expr()
                self._count()
                node = IfElse(node.start, orelse.end, node, test, orelse)
            return node
        finally:
            self.depth -= 1

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.at("or"):
            self.advance()
            right = self.and_expr()
            self._count()
            node = Binary(node.start, right.end, "or", node, right)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at("and"):
            self.advance()
            right = self.not_expr()
            self._count()
            node = Binary(node.start, right.end, "and", node, right)
        return node

    def not_expr(self) -> Node:
        if self.at("not"):
            t = self.advance()
            self._enter()
            try:
                operand = self.not_expr()
            finally:
                self.depth -= 1
            self._count()
            return Unary(t.start, operand.end, "not", operand)
        return self.comparison()

    _COMPARE = ("==", "!=", "<", "<=", ">", ">=", "in")

    def comparison(self) -> Node:
        left = self.additive()
        op = None
        if self.tok.kind in ("op", "kw") and self.tok.text in self._COMPARE:
            op = self.advance().text
        elif self.at("not") and self.peek().kind == "kw" and self.peek().text == "in":
            self.advance()
            self.advance()
            op = "not in"
        if op is None:
            return left
        right = self.additive()
        if self.tok.kind in ("op", "kw") and self.tok.text in self._COMPARE:
            t = self.tok
            raise ExprProblem("EX107", "comparisons cannot be chained", t.start, t.end,
                              "write 'a < b and b < c'")
        self._count()
        return Binary(left.start, right.end, op, left, right)

    def additive(self) -> Node:
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.advance().text
            right = self.term()
            self._count()
            node = Binary(node.start, right.end, op, node, right)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            op = self.advance().text
            right = self.unary()
            self._count()
            node = Binary(node.start, right.end, op, node, right)
        return node

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text == "-":
            t = self.advance()
            self._enter()
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            self._count()
            return Unary(t.start, operand.end, "-", operand)
        return self.postfix()

    def postfix(self) -> Node:
        node = self.atom()
        while self.at("."):
            self.advance()
            t = self.tok
            if t.kind != "name":
                raise ExprProblem("EX108", "expected a field name after '.'", t.start, max(t.end, t.start + 1))
            self.advance()
            self._count()
            node = Attr(node.start, t.end, node, t.text)
        return node

    def atom(self) -> Node:
        t = self.tok
        self._count()
        if t.kind == "num":
            self.advance()
            return Literal(t.start, t.end, t.value)
        if t.kind == "str":
            self.advance()
            return Literal(t.start, t.end, t.value)
        if t.kind == "kw" and t.text in ("true", "false", "none"):
            self.advance()
            return Literal(t.start, t.end, {"true": True, "false": False, "none": None}[t.text])
        if self.at("("):
            self.advance()
            self._enter()
            try:
                inner = self.expr()
            finally:
                self.depth -= 1
            self.expect(")")
            return inner
        if self.at("["):
            return self.list_literal()
        if t.kind == "name":
            self.advance()
            if self.at("("):
                return self.call(t)
            return Name(t.start, t.end, t.text)
        found = "the end of the expression" if t.kind == "end" else repr(t.text)
        raise ExprProblem("EX109", f"expected a value but found {found}", t.start, max(t.end, t.start + 1))

    def list_literal(self) -> Node:
        start = self.advance().start
        items: list[Node] = []
        while not self.at("]"):
            items.append(self.expr())
            if not self.at("]"):
                self.expect(",")
        end = self.advance().end
        return ListLit(start, end, tuple(items))

    def call(self, name: Token) -> Node:
        self.expect("(")
        if name.text in AGGREGATES and self.tok.kind == "name" and self._aggregate_ahead():
            return self.aggregate(name)
        args: list[Node] = []
        self._enter()
        try:
            while not self.at(")"):
                args.append(self.expr())
                if not self.at(")"):
                    self.expect(",")
        finally:
            self.depth -= 1
        end = self.advance().end
        return Call(name.start, end, name.text, tuple(args))

    def _aggregate_ahead(self) -> bool:
        """``sum(records.x)`` is an aggregate; ``max(a, b)`` is a plain call: look for a comma at this level."""
        depth = 0
        j = self.i
        while j < len(self.tokens):
            t = self.tokens[j]
            if t.kind == "op" and t.text in "([":
                depth += 1
            elif t.kind == "op" and t.text in ")]":
                if depth == 0:
                    return True
                depth -= 1
            elif t.kind == "op" and t.text == "," and depth == 0:
                return False
            elif t.kind == "end":
                return True
            j += 1
        return True  # pragma: no cover

    def aggregate(self, func: Token) -> Node:
        src = self.advance()
        project: Node | None = None
        if self.at("."):
            self.advance()
            if self.at("("):
                self.advance()
                self._enter()
                try:
                    project = self.expr()
                finally:
                    self.depth -= 1
                self.expect(")")
            else:
                t = self.tok
                if t.kind != "name":
                    raise ExprProblem("EX108", "expected a field name after '.'", t.start, max(t.end, t.start + 1))
                self.advance()
                project = Name(t.start, t.end, t.text)
                while self.at("."):
                    self.advance()
                    t2 = self.tok
                    if t2.kind != "name":
                        raise ExprProblem("EX108", "expected a field name after '.'", t2.start, t2.end)
                    self.advance()
                    project = Attr(project.start, t2.end, project, t2.text)
        where: Node | None = None
        if self.at("where"):
            self.advance()
            where = self.expr()
        end = self.expect(")").end
        return Aggregate(func.start, end, func.text, src.text, src.start, project, where)


def parse(text: str) -> Node:
    """Parse an expression into a syntax tree, or raise :class:`ExprProblem`."""
    return Parser(text).parse()
