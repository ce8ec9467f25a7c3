"""A rule set compiled for evaluation: one object owning the plan, the engine rules, the scorer and the matchers.

Every backend evaluates a :class:`CompiledRuleSet`, never a bare rule set: the durable-rules plan (the engine rules
and the closures), the scorer's tables, the reference backend's matchers and the vectorised backend's evaluator
are built once per rule set (with its effective parameters) and shared by every evaluation and every thread.

The compiled objects are kept in one small cache, :func:`compiled_ruleset`, keyed by the identity of the rule set
(parameter overrides first give the rule set's variant, which the loader keeps per parameter set, so a variant is
compiled once too). The cache holds at most :data:`CACHE_SIZE` rule sets, least recently used out first: enough
for a year's rule sets, a notebook's reforms and their parameter variants, while a program that builds rule sets
without end (a search over parameters) keeps a bounded number compiled. An entry holds its rule set, so an id in
the cache always names the rule set that is alive; an evicted rule set is simply compiled again when next used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..compile.durable import Plan, compile_ruleset
from ..rulesets.model import RuleSet
from ..score.scoring import Scorer
from .engine import Engine

if TYPE_CHECKING:
    from .reference import Matchers
    from .vector import VectorEvaluator

CACHE_SIZE = 64
"""How many compiled rule sets are kept (least recently used out first)."""


class CompiledRuleSet:
    """One rule set (with its effective parameters) compiled once for every backend.

    Each part is built on first use, under a lock, so threads sharing a compiled rule set build each once, and a
    backend builds only what it uses (the vectorised backend needs no engine plan); the engine makes its engine
    rulesets per thread, on each thread's first evaluation.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._lock = threading.Lock()
        self._plan: Plan | None = None
        self._scorer: Scorer | None = None
        self._engine: Engine | None = None
        self._matchers: Matchers | None = None
        self._vector: VectorEvaluator | None = None

    @property
    def plan(self) -> Plan:
        """The durable-rules plan: the engine rules in chunks, the facts' shapes and the expression closures."""
        plan = self._plan
        if plan is None:
            with self._lock:
                plan = self._plan
                if plan is None:
                    plan = self._plan = compile_ruleset(self.ruleset)
        return plan

    @property
    def scorer(self) -> Scorer:
        """The scorer's tables: where every per-subject backend's firings become points and lines."""
        sc = self._scorer
        if sc is None:
            plan = self.plan
            with self._lock:
                sc = self._scorer
                if sc is None:
                    sc = self._scorer = Scorer(plan)
        return sc

    @property
    def engine(self) -> Engine:
        """The durable-rules engine running this plan (thread safe: each thread gets its own engine rulesets)."""
        eng = self._engine
        if eng is None:
            plan = self.plan
            with self._lock:
                eng = self._engine
                if eng is None:
                    eng = self._engine = Engine(plan)
        return eng

    @property
    def matchers(self) -> Matchers:
        """The reference backend's rules: each rule's firing decided by the expression closures."""
        m = self._matchers
        if m is None:
            from .reference import Matchers  # reference imports this module for its backend

            plan = self.plan
            with self._lock:
                m = self._matchers
                if m is None:
                    m = self._matchers = Matchers(plan)
        return m

    @property
    def vector(self) -> VectorEvaluator:
        """The vectorised backend's evaluator (it needs polars, the analysis extra, so it is imported here)."""
        v = self._vector
        if v is None:
            from .vector import VectorEvaluator

            with self._lock:
                v = self._vector
                if v is None:
                    v = self._vector = VectorEvaluator(self.ruleset)
        return v

    def __repr__(self) -> str:
        return f"<CompiledRuleSet {self.ruleset.id} {self.ruleset.content_hash[:12]}>"


_cache: OrderedDict[int, CompiledRuleSet] = OrderedDict()
_cache_lock = threading.Lock()


def compiled_ruleset(ruleset: RuleSet, params: Mapping[str, Any] | None = None) -> CompiledRuleSet:
    """The compiled form of ``ruleset`` with ``params`` overriding its parameters, built once (see the module)."""
    rs = ruleset.with_params(**params) if params else ruleset
    key = id(rs)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit.ruleset is rs:
            _cache.move_to_end(key)
            return hit
    built = CompiledRuleSet(rs)  # compiled outside the lock: two threads may both build it, one is kept
    with _cache_lock:
        hit = _cache.get(key)
        if hit is None or hit.ruleset is not rs:
            hit = _cache[key] = built
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return hit


def clear_cache() -> None:
    """Forget every compiled rule set (they are compiled again when next used)."""
    with _cache_lock:
        _cache.clear()
