"""What the analysis knows before it reads an expression: the declared domains of fact fields (from the fact models'
annotations), the structural signature of an expression (the same expression written twice is the same value),
what a parameter may be, and the environment of values known at a point of a condition."""

from __future__ import annotations

import enum
import types as pytypes
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import annotated_types as at
from pydantic import BaseModel

from .. import ir as I
from .domains import AV, INF, NUM_ANY, _max_lo, _min_hi


# -- the domains of fact fields ----------------------------------------------------------------------------------
def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The base type of an annotation and the constraints (``Ge``, ``Le``...) written around it."""
    meta: list[Any] = []
    ann = annotation
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            args = typing.get_args(ann)
            ann, meta = args[0], [*meta, *args[1:]]
            continue
        if origin in (typing.Union, pytypes.UnionType):
            members = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(members) == 1:
                ann = members[0]
                continue
        return ann, meta


@lru_cache(maxsize=1024)
def field_domain(model: type[BaseModel] | None, path: tuple[str, ...]) -> AV:
    """The numeric domain of a field of a fact model (``NUM_ANY`` when nothing is declared)."""
    m = model
    for part in path[:-1]:
        info = m.model_fields.get(part) if m is not None else None
        if info is None:
            return NUM_ANY
        base, _ = _unwrap(info.annotation)
        m = base if isinstance(base, type) and issubclass(base, BaseModel) else None
    info = m.model_fields.get(path[-1]) if m is not None else None
    if info is None:
        return NUM_ANY
    base, meta = _unwrap(info.annotation)
    meta = [*info.metadata, *meta]
    lo, hi, lo_open, hi_open = -INF, INF, False, False
    for c in meta:
        if isinstance(c, at.Ge):
            lo, lo_open = _max_lo(lo, lo_open, float(c.ge), False)  # type: ignore[arg-type]
        elif isinstance(c, at.Gt):
            lo, lo_open = _max_lo(lo, lo_open, float(c.gt), True)  # type: ignore[arg-type]
        elif isinstance(c, at.Le):
            hi, hi_open = _min_hi(hi, hi_open, float(c.le), False)  # type: ignore[arg-type]
        elif isinstance(c, at.Lt):
            hi, hi_open = _min_hi(hi, hi_open, float(c.lt), True)  # type: ignore[arg-type]
    integer = isinstance(base, type) and issubclass(base, int) and not issubclass(base, (bool, enum.Enum))
    return AV("num", lo, hi, lo_open, hi_open, integer).normal()


# -- signatures: the same expression written twice is the same value --------------------------------------------
def sig(node: I.IR) -> tuple[Any, ...]:
    """A structural key of an expression, independent of where it is written."""
    if isinstance(node, I.Const):
        return ("C", type(node.value).__name__, repr(node.value), node.param)
    if isinstance(node, I.Field):
        return ("F", node.scope, node.path)
    if isinstance(node, I.BoolOp):
        return ("B", node.op, tuple(sig(x) for x in node.items))
    if isinstance(node, I.Compare):
        return ("CMP", node.op, sig(node.left), sig(node.right))
    if isinstance(node, I.Arith):
        return ("A", node.op, sig(node.left), sig(node.right))
    if isinstance(node, I.In):
        return ("IN", node.negate, sig(node.item), sig(node.container))
    if isinstance(node, I.Func):
        return ("FN", node.name, tuple(sig(x) for x in node.args))
    if isinstance(node, I.Agg):
        return ("AGG", node.func, node.source, sig(node.project) if node.project else None,
                sig(node.where) if node.where else None)
    return (type(node).__name__, tuple(sig(x) for x in node.children()))


@lru_cache(maxsize=4096)
def _item_bound(key: tuple[Any, ...]) -> bool:
    """Whether a key reads the current item of an aggregation (outside any aggregation of its own)."""
    if not key or not isinstance(key[0], str):
        return any(isinstance(k, tuple) and _item_bound(k) for k in key)  # a tuple of keys
    if key[0] == "AGG":
        return False
    if key[0] == "F":
        return bool(key[1] == "item")
    return any(isinstance(k, tuple) and _item_bound(k) for k in key[1:])


Env = Mapping[tuple[Any, ...], AV]


@dataclass(frozen=True)
class ParamInfo:
    """What a parameter may be: its current value and the values an override may give it."""

    value: object
    lo: float | None = None
    hi: float | None = None
    choices: tuple[object, ...] | None = None


@lru_cache(maxsize=1024)
def _reads_params(span: str) -> bool:
    """Whether a piece of expression text reads a parameter (its value was folded into a constant)."""
    from ..ast import params_read
    from ..parser import parse

    try:
        root = parse(span)
    except Exception:  # not an expression on its own: assume the worst
        return "params" in span
    return bool(params_read(root))


def _set(env: dict[tuple[Any, ...], AV], node: I.IR, value: AV) -> None:
    if not isinstance(node, I.Const):
        env[sig(node)] = value


def _with(env: Env, node: I.IR, value: AV) -> dict[tuple[Any, ...], AV]:
    out = dict(env)
    _set(out, node, value)
    return out


def _join_envs(envs: list[dict[tuple[Any, ...], AV] | None]) -> dict[tuple[Any, ...], AV] | None:
    live = [e for e in envs if e is not None]
    if not live:
        return None
    out = dict(live[0])
    for e in live[1:]:
        for k in list(out):
            if k in e:
                out[k] = out[k].join(e[k])
            else:
                del out[k]  # known on one path only: nothing is known after the join
    return out
