"""The diagnostics of a rule set over a scored population (:class:`Diagnostics`), and its findings in
plain English or Chinese: what the tables say a policy office should look at first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Diagnostics"]


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
        "not_assessed": "{rid} is not assessed in this period (due {due}): its 0 points are not a finding",
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
        "not_assessed": "{rid} 本期不予评估(考核周期: {due}), 其 0 分不构成问题",
    },
}


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
    - ``crowding``: per grade boundary (``grade``, with its names ``grade_zh`` and ``grade_en``), subjects
      without a veto within ``window`` points below (``[b - w, b)``) and above (``[b, b + w)``), their
      ``ratio``, the one-sided binomial ``p_below`` (more below than a fair coin would put there) and
      ``bunching_below`` (``p_below < alpha``).
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
    not_assessed: dict[str, str] = field(default_factory=dict)  # rules the period does not assess: id -> due

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
            out += self._rule_findings(r, t, who, ceiling, floor)
        out += self._correlation_findings(t, correlated)
        for c in self.crowding.filter(pl.col("bunching_below")).iter_rows(named=True):
            grade = c["grade_zh"] if lang == "zh" else c["grade"]
            out.append(t["crowding"].format(below=c["below"], who=who, grade=grade, boundary=c["boundary"],
                                            above=c["above"], window=self.window, p=c["p_below"]))
        for d in self.dimensions.iter_rows(named=True):
            if d["at_max"] is not None and d["at_max"] >= ceiling:
                out.append(t["dim_max"].format(dim=d["dimension"], pct=_pct(d["at_max"]), max=d["max_points"]))
        for v in self.vetoes.filter(pl.col("fired") == 0).iter_rows(named=True):
            out.append(t["veto_never"].format(rid=v["veto_id"]))
        out += self.notes
        return out

    def _repr_html_(self) -> str:  # notebooks show coverage, the findings, the rules and crowding
        from ._html import diagnostics_html

        return diagnostics_html(self)

    def _rule_findings(self, r: dict[str, Any], t: dict[str, str], who: str, ceiling: float,
                       floor: float) -> list[str]:
        """What one rule's row says: not assessed, never or always firing, at the ceiling or floor, pulling
        against the rest."""
        n = self.subjects
        out: list[str] = []
        rid, std = r["rule_id"], r["kind"] == "standard"
        if rid in self.not_assessed:  # 0 for everyone by cadence, not by conduct or by a flaw of the rule
            return [t["not_assessed"].format(rid=rid, due=self.not_assessed[rid])]
        if r["never_fires"]:
            return [t["never_earns" if std else "never_fires"].format(rid=rid, n=n, who=who)]
        if r["always_fires"] and not std:
            out.append(t["always"].format(rid=rid, n=n, who=who))
        if std and r["at_ceiling"] is not None and r["at_ceiling"] >= ceiling:
            out.append(t["ceiling"].format(rid=rid, pct=_pct(r["at_ceiling"]), who=who))
        elif std and r["at_floor"] is not None and r["at_floor"] >= floor:
            out.append(t["floor"].format(rid=rid, pct=_pct(r["at_floor"])))
        if r["item_rest_corr"] is not None and r["item_rest_corr"] < -0.1:
            out.append(t["against"].format(rid=rid, r=r["item_rest_corr"]))
        return out

    def _correlation_findings(self, t: dict[str, str], correlated: float) -> list[str]:
        import polars as pl

        out: list[str] = []
        if self.correlations.height:
            ids = self.correlations["rule_id"].to_list()
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    v = self.correlations.filter(pl.col("rule_id") == a)[b][0]
                    if v is not None and abs(v) >= correlated:
                        out.append(t["correlate"].format(a=a, b=b, r=v))
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

