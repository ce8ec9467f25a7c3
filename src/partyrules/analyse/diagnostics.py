"""Diagnostics of a rule set over a population, from its score table, with polars.

:func:`diagnose` answers the questions a policy office asks of an index before trusting it: which rules ever fire,
which standards give (nearly) everyone full points (the sources' complaint that under vague standards "basically
everyone gets the points"), how well each standard separates subjects, which standards measure the same thing,
and whether totals crowd just below a grade boundary. It reads only ``PopulationScores.frame`` and ``.ruleset``;
every statistic is a column aggregate, so a million rows take seconds.

Undefined statistics (no subjects, a constant column) are null, never NaN, and :meth:`Diagnostics.findings` says
why in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..score.table import PopulationScores

if TYPE_CHECKING:
    import polars as pl

    from ..population.frames import Population

__all__ = ["Diagnostics", "diagnose"]

_EPS = 1e-6
_NOUN = {"en": {"member": "members", "branch": "branches", "community": "communities"},
         "zh": {"member": "党员", "branch": "党支部", "community": "社区"}}
# The findings in each language; the placeholders are filled from the tables.
_FINDINGS: dict[str, dict[str, str]] = {
    "en": {
        "none": "no {who} were scored: nothing to diagnose",
        "never_earns": "{rid} never earns points (0 of {n} {who})",
        "never_fires": "{rid} never fires (0 of {n} {who})",
        "always": "{rid} fires for every one of the {n} {who}",
        "ceiling": "{rid}: {pct} at full points: does not separate {who}",
        "floor": "{rid}: {pct} get 0 points: almost nobody earns it",
        "against": "{rid} moves against the rest of the index (item-rest correlation {r:.2f})",
        "correlate": "{a} and {b} correlate at {r:.2f}: they may measure the same thing",
        "crowding": "{below} {who} just below the {grade} boundary ({boundary:g}) against {above} just above it, "
                    "within {window:g} points (p = {p:.2g}): crowding below the line",
        "dim_max": "dimension {dim}: {pct} at its maximum of {max:g}",
        "veto_never": "veto {rid} never fires in this population",
    },
    "zh": {
        "none": "没有评分的{who}: 无可诊断",
        "never_earns": "{rid} 无人得分({n} 名{who}中 0 名)",
        "never_fires": "{rid} 从未触发({n} 名{who}中 0 名)",
        "always": "{rid} 对全部 {n} 名{who}都触发",
        "ceiling": "{rid}: {pct} 得满分, 区分不出{who}(“基本上都能得分”)",
        "floor": "{rid}: {pct} 得 0 分, 几乎无人达到",
        "against": "{rid} 与指数其余部分反向(项目-其余相关 {r:.2f})",
        "correlate": "{a} 与 {b} 相关系数 {r:.2f}: 可能重复衡量同一件事",
        "crowding": "{below} 名{who}处于“{grade}”分界线({boundary:g})下方 {window:g} 分以内, 上方仅 {above} 名"
                    "(p = {p:.2g}): 分界线下方扎堆",
        "dim_max": "维度 {dim}: {pct} 达到满分 {max:g}",
        "veto_never": "否决项 {rid} 在本群体中从未触发",
    },
}


def _num(x: Any) -> float | None:
    """A float, with NaN and infinities as None."""
    if x is None:
        return None
    v = float(x)
    return v if v == v and abs(v) != float("inf") else None


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


@dataclass
class Diagnostics:
    """The diagnostics of one rule set over one scored population (see :func:`diagnose`).

    - ``rules``: one row per standard and deduction: ``rule_id, kind, dimension, max_points`` (a standard's full
      points; a deduction's cap as a negative number), ``fires`` (share of subjects where its points are not 0),
      ``at_ceiling`` (share at full points, for a deduction: at its cap), ``at_floor`` (share at 0), ``mean``,
      ``std``, ``never_fires``, ``always_fires``, ``item_rest_corr`` (Pearson correlation of its points with the
      sum of all the other rules' points: how well it agrees with the rest of the index) and ``variance_share``
      (cov(points, total) / var(total): its share of the spread of totals; the shares of all the parts of a
      total, including dimension maxima and vetoes, add up to 1).
    - ``dimensions``: ``dimension, max_points, mean, std, at_max, at_zero``.
    - ``correlations``: the standard x standard Pearson matrix (column ``rule_id`` then one column per standard),
      without constant standards (listed in ``notes``).
    - ``crowding``: per grade boundary, subjects without a veto within ``window`` points below (``[b - w, b)``)
      and above (``[b, b + w)``), their ``ratio``, the one-sided binomial ``p_below`` (more below than a fair
      coin would put there) and ``bunching_below`` (``p_below < alpha``).
    - ``vetoes``: ``veto_id, fired, rate, only_veto`` (subjects for whom it is the only veto).
    - ``coverage``: subjects scored, not applicable, failed, and (with a population) in the population.
    """

    ruleset_id: str
    subject_kind: str
    subjects: int
    rules: pl.DataFrame
    dimensions: pl.DataFrame
    correlations: pl.DataFrame
    crowding: pl.DataFrame
    vetoes: pl.DataFrame
    coverage: dict[str, int]
    window: float
    alpha: float
    notes: list[str] = field(default_factory=list)

    def findings(self, *, ceiling: float = 0.9, floor: float = 0.9, correlated: float = 0.9,
                 lang: str = "en") -> list[str]:
        """Plain-language findings, most important first: standards that do not separate subjects (at least
        ``ceiling`` of them at full points, or ``floor`` at 0), rules that never or always fire, rules that pull
        against the rest of the index, pairs of standards correlated at ``correlated`` or more, crowding below a
        grade boundary, vetoes that never fire. ``lang``: ``"en"`` or ``"zh"``."""
        import polars as pl

        if lang not in _FINDINGS:
            raise ValueError(f"lang must be one of {sorted(_FINDINGS)}, not {lang!r}")
        t = _FINDINGS[lang]
        who = _NOUN[lang].get(self.subject_kind, "subjects")
        n = self.subjects
        if n == 0:
            return [t["none"].format(who=who)]
        out: list[str] = []
        for r in self.rules.iter_rows(named=True):
            rid, std = r["rule_id"], r["kind"] == "standard"
            if r["never_fires"]:
                out.append(t["never_earns" if std else "never_fires"].format(rid=rid, n=n, who=who))
                continue
            if r["always_fires"] and not std:
                out.append(t["always"].format(rid=rid, n=n, who=who))
            if std and r["at_ceiling"] is not None and r["at_ceiling"] >= ceiling:
                out.append(t["ceiling"].format(rid=rid, pct=_pct(r["at_ceiling"]), who=who))
            elif std and r["at_floor"] is not None and r["at_floor"] >= floor:
                out.append(t["floor"].format(rid=rid, pct=_pct(r["at_floor"])))
            if r["item_rest_corr"] is not None and r["item_rest_corr"] < -0.1:
                out.append(t["against"].format(rid=rid, r=r["item_rest_corr"]))
        if self.correlations.height:
            ids = self.correlations["rule_id"].to_list()
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    v = self.correlations.filter(pl.col("rule_id") == a)[b][0]
                    if v is not None and abs(v) >= correlated:
                        out.append(t["correlate"].format(a=a, b=b, r=v))
        for c in self.crowding.filter(pl.col("bunching_below")).iter_rows(named=True):
            out.append(t["crowding"].format(below=c["below"], who=who, grade=c["grade"], boundary=c["boundary"],
                                            above=c["above"], window=self.window, p=c["p_below"]))
        for d in self.dimensions.iter_rows(named=True):
            if d["at_max"] is not None and d["at_max"] >= ceiling:
                out.append(t["dim_max"].format(dim=d["dimension"], pct=_pct(d["at_max"]), max=d["max_points"]))
        for v in self.vetoes.filter(pl.col("fired") == 0).iter_rows(named=True):
            out.append(t["veto_never"].format(rid=v["veto_id"]))
        out += self.notes
        return out

    def summary(self) -> dict[str, Any]:
        """Headline numbers: subjects, rules that never/always fire, standards at the ceiling, crowded boundaries."""
        import polars as pl

        return {
            "ruleset": self.ruleset_id,
            "subjects": self.subjects,
            "never_fire": self.rules.filter(pl.col("never_fires"))["rule_id"].to_list(),
            "always_fire": self.rules.filter(pl.col("always_fires"))["rule_id"].to_list(),
            "at_ceiling_90": self.rules.filter((pl.col("kind") == "standard") & (pl.col("at_ceiling") >= 0.9))
            ["rule_id"].to_list(),
            "crowded_boundaries": self.crowding.filter(pl.col("bunching_below"))["grade"].to_list(),
        }


def _rule_stats(scores: PopulationScores, n: int) -> pl.DataFrame:
    import polars as pl

    rs = scores.ruleset
    f = scores.frame
    rules = [*rs.standards, *rs.deductions]
    cols = [f"rule:{r.id}" for r in rules]
    raw = pl.sum_horizontal([pl.col(c) for c in cols]) if cols else pl.lit(0.0)
    aggs: list[pl.Expr] = [pl.col("total").var(ddof=0).alias("_vt")]
    for r, c in zip(rules, cols, strict=True):
        full = float(r.points) if r.kind == "standard" else -float(r.spec.cap)
        x = pl.col(c)
        at_ceiling = (x >= full - _EPS) if r.kind == "standard" else (x <= full + _EPS)
        aggs += [
            (x.abs() > _EPS).mean().alias(f"{c}|fires"),
            at_ceiling.mean().alias(f"{c}|ceil"),
            (x.abs() <= _EPS).mean().alias(f"{c}|floor"),
            x.mean().alias(f"{c}|mean"),
            x.std(ddof=0).alias(f"{c}|std"),
            pl.corr(x, raw - x).alias(f"{c}|irc"),
            pl.cov(x, pl.col("total"), ddof=0).alias(f"{c}|cov"),
        ]
    one = f.select(aggs).row(0, named=True) if n else {}
    vt = _num(one.get("_vt"))
    rows = []
    for r, c in zip(rules, cols, strict=True):
        fires = _num(one.get(f"{c}|fires"))
        std = _num(one.get(f"{c}|std"))
        constant = std is None or std <= _EPS
        cov = _num(one.get(f"{c}|cov"))
        rows.append({
            "rule_id": r.id, "kind": r.kind, "dimension": r.dimension,
            "max_points": float(r.points) if r.kind == "standard" else -float(r.spec.cap),
            "fires": fires, "at_ceiling": _num(one.get(f"{c}|ceil")), "at_floor": _num(one.get(f"{c}|floor")),
            "mean": _num(one.get(f"{c}|mean")), "std": std,
            "never_fires": bool(n) and fires == 0.0, "always_fires": bool(n) and fires == 1.0,
            "item_rest_corr": None if constant else _num(one.get(f"{c}|irc")),
            "variance_share": None if vt is None or vt <= _EPS or cov is None else cov / vt,
        })
    schema = {"rule_id": pl.String, "kind": pl.String, "dimension": pl.String, "max_points": pl.Float64,
              "fires": pl.Float64, "at_ceiling": pl.Float64, "at_floor": pl.Float64, "mean": pl.Float64,
              "std": pl.Float64, "never_fires": pl.Boolean, "always_fires": pl.Boolean,
              "item_rest_corr": pl.Float64, "variance_share": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def _dimension_stats(scores: PopulationScores, n: int) -> pl.DataFrame:
    import polars as pl

    dims = scores.ruleset.dimensions
    aggs: list[pl.Expr] = []
    for d in dims:
        x = pl.col(f"dim:{d.id}")
        aggs += [x.mean().alias(f"{d.id}|mean"), x.std(ddof=0).alias(f"{d.id}|std"),
                 (x >= d.max - _EPS).mean().alias(f"{d.id}|max"), (x <= _EPS).mean().alias(f"{d.id}|zero")]
    one = scores.frame.select(aggs).row(0, named=True) if n and aggs else {}
    rows = [{"dimension": d.id, "max_points": float(d.max), "mean": _num(one.get(f"{d.id}|mean")),
             "std": _num(one.get(f"{d.id}|std")), "at_max": _num(one.get(f"{d.id}|max")),
             "at_zero": _num(one.get(f"{d.id}|zero"))} for d in dims]
    return pl.DataFrame(rows, schema={"dimension": pl.String, "max_points": pl.Float64, "mean": pl.Float64,
                                      "std": pl.Float64, "at_max": pl.Float64, "at_zero": pl.Float64})


def _correlations(scores: PopulationScores, rules: pl.DataFrame, notes: list[str]) -> pl.DataFrame:
    import polars as pl

    standards = rules.filter(pl.col("kind") == "standard")
    constant = standards.filter(pl.col("std").is_null() | (pl.col("std") <= _EPS))["rule_id"].to_list()
    if constant and scores.frame.height:
        notes.append(f"left out of the correlations, being constant in this population: {', '.join(constant)}")
    ids = [r for r in standards["rule_id"].to_list() if r not in constant]
    if len(ids) < 2 or scores.frame.height < 2:
        return pl.DataFrame({"rule_id": ids, **{r: [1.0 if a == r else None for a in ids] for r in ids}},
                            schema={"rule_id": pl.String, **{r: pl.Float64 for r in ids}})
    pairs = [pl.corr(pl.col(f"rule:{a}"), pl.col(f"rule:{b}")).alias(f"{a}|{b}")
             for i, a in enumerate(ids) for b in ids[i + 1:]]
    one = scores.frame.select(pairs).row(0, named=True)
    m = {(a, a): 1.0 for a in ids}
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            m[(a, b)] = m[(b, a)] = _num(one[f"{a}|{b}"])
    return pl.DataFrame({"rule_id": ids, **{b: [m[(a, b)] for a in ids] for b in ids}},
                        schema={"rule_id": pl.String, **{r: pl.Float64 for r in ids}})


def _crowding(scores: PopulationScores, window: float, alpha: float) -> pl.DataFrame:
    import polars as pl
    from scipy.stats import binomtest

    t = pl.col("total")
    f = scores.frame.filter(~pl.col("vetoed"))
    rows = []
    for g in scores.ruleset.grades:
        b = float(g.at_least)
        if b <= 0:
            continue
        counts = f.select(((t + 1e-9 < b) & (t + 1e-9 >= b - window)).sum().alias("below"),
                          ((t + 1e-9 >= b) & (t + 1e-9 < b + window)).sum().alias("above")).row(0) \
            if f.height else (0, 0)
        below, above = int(counts[0] or 0), int(counts[1] or 0)
        p = binomtest(below, below + above, 0.5, alternative="greater").pvalue if below + above else None
        rows.append({"grade": g.id, "boundary": b, "below": below, "above": above,
                     "ratio": below / above if above else None, "p_below": _num(p),
                     "bunching_below": p is not None and p < alpha and below > above})
    return pl.DataFrame(rows, schema={"grade": pl.String, "boundary": pl.Float64, "below": pl.Int64,
                                      "above": pl.Int64, "ratio": pl.Float64, "p_below": pl.Float64,
                                      "bunching_below": pl.Boolean})


def _vetoes(scores: PopulationScores, n: int) -> pl.DataFrame:
    import polars as pl

    vetoes = scores.ruleset.vetoes
    cols = [pl.col(f"veto:{v.id}") for v in vetoes]
    count = pl.sum_horizontal([c.cast(pl.Int32) for c in cols]) if cols else pl.lit(0)
    aggs: list[pl.Expr] = []
    for v, c in zip(vetoes, cols, strict=True):
        aggs += [c.sum().alias(f"{v.id}|n"), (c & (count == 1)).sum().alias(f"{v.id}|only")]
    one = scores.frame.select(aggs).row(0, named=True) if n and aggs else {}
    rows = [{"veto_id": v.id, "fired": int(one.get(f"{v.id}|n") or 0),
             "rate": (int(one.get(f"{v.id}|n") or 0) / n) if n else None,
             "only_veto": int(one.get(f"{v.id}|only") or 0)} for v in vetoes]
    return pl.DataFrame(rows, schema={"veto_id": pl.String, "fired": pl.Int64, "rate": pl.Float64,
                                      "only_veto": pl.Int64})


def diagnose(scores: PopulationScores, *, population: Population | None = None, window: float = 2.0,
             alpha: float = 0.01) -> Diagnostics:
    """Diagnose ``scores.ruleset`` over the population ``scores`` were computed for.

    ``window`` (points) is the width of the bands below and above each grade boundary that :attr:`crowding`
    compares; ``alpha`` the level of its one-sided binomial test (under no crowding, a subject in the two bands
    is as likely to be below as above; a steep slope of the distribution at the boundary can also tip it, so read
    a flag with the histogram). ``population`` (optional) only adds its size to ``coverage``, so the share of
    the population the rule set scored is reported.
    """
    from ..errors import PartyRulesError

    if not isinstance(scores, PopulationScores):
        raise PartyRulesError(f"diagnose needs a PopulationScores table, got {type(scores).__name__}",
                              hint="score the population with partyrules.score_population")
    if not window > 0 or not 0 < alpha < 1:
        raise PartyRulesError(f"window must be above 0 and alpha in (0, 1), got window={window!r}, "
                              f"alpha={alpha!r}", hint="e.g. window=2.0, alpha=0.01")
    n = scores.frame.height
    notes: list[str] = []
    rules = _rule_stats(scores, n)
    coverage = {"scored": n, "not_applicable": len(scores.not_applicable), "failed": len(scores.failures)}
    if population is not None:
        coverage["population"] = population.subjects.height
    if scores.failures:
        notes.append(f"{len(scores.failures)} subject(s) could not be scored and are not in these diagnostics")
    return Diagnostics(scores.ruleset.id, scores.ruleset.subject_kind, n, rules, _dimension_stats(scores, n),
                       _correlations(scores, rules, notes), _crowding(scores, window, alpha), _vetoes(scores, n),
                       coverage, window, alpha, notes)
