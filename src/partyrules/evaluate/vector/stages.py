"""Intermediate columns for the vectorised plan: an expression computed once, under a name, in the stage before
the first expression that reads it.

polars expands an expression tree: an operand named twice at every level of a nested expression is computed
2^depth times (and planned as often). Rounding names its operand several times, so the plan binds each rounded
value to a column first (:meth:`Lets.bind`) and rounds the column. :meth:`Lets.run` then adds a stage's
expressions to the frame, after the layers of bound columns they read (each layer reads only earlier ones), and
drops those columns once the stage is done, so that at most one stage's intermediate columns are held at once.
"""

from __future__ import annotations

import polars as pl

OK = "@tie_free"  # every rounding of the row so far was polars' own (see partyrules.score.vector.tie_free)


class Lets:
    """Bound columns (``@let<n>``) and the checks that the rounding of each was exact."""

    def __init__(self) -> None:
        self._exprs: dict[str, pl.Expr] = {}
        self._depth: dict[str, int] = {}
        self._checks: dict[str, list[pl.Expr]] = {}

    def bind(self, e: pl.Expr) -> pl.Expr:
        """A column holding ``e`` (a column of the frame is bound too: its checks are then read with the value
        that was rounded, even if a later stage writes the column again)."""
        name = f"@let{len(self._exprs)}"
        self._depth[name] = 1 + max((self._depth[r] for r in e.meta.root_names() if r in self._depth), default=0)
        self._exprs[name] = e.alias(name)
        return pl.col(name)

    def check(self, x: pl.Expr, ok: pl.Expr) -> None:
        """``ok`` must hold on every row: it reads the bound column ``x``."""
        self._checks.setdefault(x.meta.output_name(), []).append(ok)

    def _needed(self, exprs: list[pl.Expr], done: set[str]) -> list[str]:
        need: list[str] = []
        todo = [r for e in exprs for r in e.meta.root_names()]
        while todo:
            r = todo.pop()
            if r in self._exprs and r not in done and r not in need:
                need.append(r)
                todo.extend(self._exprs[r].meta.root_names())
        return need

    def run(self, frame: pl.DataFrame, stages: list[list[pl.Expr]]) -> pl.DataFrame:
        """``frame`` with each stage's expressions added in turn, each after the bound columns it reads, and the
        checks of every rounding folded into the column :data:`OK`."""
        frame = frame.with_columns(pl.lit(True).alias(OK))
        done: set[str] = set()
        for stage in stages:
            need = self._needed(stage, done)
            done.update(need)
            for depth in sorted({self._depth[n] for n in need}):
                frame = frame.with_columns(self._exprs[n] for n in need if self._depth[n] == depth)
            checks = [c for n in need for c in self._checks.get(n, [])]
            frame = frame.with_columns(*stage, pl.all_horizontal(pl.col(OK), *checks).alias(OK)) if checks \
                else frame.with_columns(stage)
            if need:
                frame = frame.drop(need)
        return frame
