"""``calibrate(...)``: the cut-offs (or a parameter's value) that meet stated targets, as a reform with its
comparison against the base, or a :class:`NoCalibrationError` naming what cannot be met."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ...errors import CalibrationError, NoCalibrationError
from ...score.table import PopulationScores
from .cutoffs import CutoffSearch
from .result import CalibrationResult, Unmet, achieved
from .shares import Grading, Table, counts, miss, table_of
from .targets import Target, describe, parse_target, resolve

if TYPE_CHECKING:
    from ...rulesets.model import RuleSet


def _targets(targets: Sequence[Target | str], ruleset: RuleSet) -> list[Target]:
    parsed = [t if isinstance(t, Target) else parse_target(t) for t in targets]
    if not parsed:
        raise CalibrationError("no targets given / 未给出目标", hint="e.g. '优秀<=1/3 per branch'")
    return resolve(parsed, ruleset)


def regrade(scores: PopulationScores, ruleset: RuleSet) -> PopulationScores:
    """The same scores graded by ``ruleset``'s cut-offs (the totals do not change, so nothing is re-scored)."""
    import polars as pl

    grade: Any = pl.lit(ruleset.lowest_grade.id)
    for g in reversed(ruleset.grades):
        grade = pl.when(pl.col("total") + 1e-9 >= g.at_least).then(pl.lit(g.id)).otherwise(grade)
    grade = pl.when(pl.col("vetoed")).then(pl.lit(ruleset.lowest_grade.id)).otherwise(grade)
    frame = scores.frame.with_columns(grade.alias("grade"))
    return PopulationScores(ruleset, frame, scores.period, list(scores.not_applicable), list(scores.failures),
                            scores.facts_of, scores.backend, dict(scores.assumed_empty))


def calibrate(scores: PopulationScores, targets: Sequence[Target | str], *,
              param: str | None = None, range: tuple[float, float] | None = None, step: float | None = None,
              population: Any = None, warning_below: str | None = None,
              community_of_branch: Mapping[str, str] | None = None, name: str | None = None) -> CalibrationResult:
    """The grade cut-offs of ``scores.ruleset`` (or, with ``param``, that parameter's value in ``range``) that meet
    every target over the scored population.

    ``targets`` are :class:`Target` values or their text (``"优秀<=1/3 per branch"``, ``"excellent~20%±2%"``,
    ``"warning~10%"``: graded below ``warning_below``, by default 合格). Over cut-offs the search is exact and
    re-scores nothing; over a parameter the population (``population``, the facts ``scores`` were made from) is
    re-scored for each value tried. Returns a :class:`CalibrationResult`; raises :class:`NoCalibrationError` when
    no candidate meets every target, naming the targets that cannot be met and the closest shares reachable.
    """
    ruleset = scores.ruleset
    resolved = _targets(targets, ruleset)
    grading = Grading.of(ruleset, warning_below)
    if param is not None:
        from .params import calibrate_param

        if range is None or population is None:
            raise CalibrationError("a parameter calibration needs range=(lo, hi) and the population / "
                                   "参数校准需要取值范围和人员数据", hint="calibrate(scores, ..., param=NAME, "
                                   "range=(LO, HI), population=P)")
        return calibrate_param(scores, resolved, grading, param, range, step, population, community_of_branch,
                               name)
    per = sorted({t.per for t in resolved if t.per is not None})
    table = table_of(scores.frame, per, community_of_branch)
    return calibrate_cutoffs(scores, table, grading, resolved, community_of_branch, name)


def calibrate_cutoffs(scores: PopulationScores, table: Table, grading: Grading, targets: list[Target],
                      community_of_branch: Mapping[str, str] | None = None,
                      name: str | None = None) -> CalibrationResult:
    from ...comparison import compare
    from ..reform import Reform, apply_reform

    ruleset = scores.ruleset
    search = CutoffSearch(table, grading, targets, ruleset.max_points)
    choice = search.run()
    if choice is None:
        raise _refusal(table, grading, targets, ruleset.max_points)
    changed = {grading.ids[f]: choice.cuts[f] for f in search.moving if choice.cuts[f] != grading.cuts[f]}
    reform = Reform.make(name or "calibrated-cutoffs", grades=changed, target=ruleset.id,
                         description="Grade cut-offs calibrated to: " + "; ".join(t.label() for t in targets))
    after = regrade(scores, apply_reform(ruleset, reform))
    comparison = compare(scores, after, community_of_branch=community_of_branch)
    evaluated = sum(search.candidates(f).size for f in search.moving)
    return CalibrationResult(reform, achieved(table, grading, choice.cuts, targets),
                             {grading.ids[f]: grading.cuts[f] for f in search.moving},
                             {grading.ids[f]: choice.cuts[f] for f in search.moving}, comparison, "cutoffs",
                             evaluated, labels={g.id: (g.zh, g.en) for g in ruleset.grades})


def _refusal(table: Table, grading: Grading, targets: list[Target], max_points: float) -> NoCalibrationError:
    """Which targets cannot be met (alone, or with the others) and the closest share each can reach."""
    unmet: list[Unmet] = []
    for t in targets:
        others = [x for x in targets if x is not t]
        alone = CutoffSearch(table, grading, [t], max_points).run() is None
        if not alone and others and CutoffSearch(table, grading, others, max_points).run() is None:
            continue  # removing this one alone does not help: it is not the conflict
        near = CutoffSearch(table, grading, [] if alone else others, max_points, objective=t).run()
        if near is None:
            continue
        n, size = counts(table, grading, near.cuts, t), table.sizes(t.per)
        _, worst = miss(n, size, t)
        at = {grading.ids[f]: near.cuts[f] for f in grading.depends_on(t)}
        unmet.append(Unmet(t, Fraction(int(n[worst]), int(size[worst])) if size[worst] else Fraction(0),
                           table.names[t.per][worst] if t.per else None, alone, at))
    return no_solution(unmet, targets, "cut-offs")


def no_solution(unmet: list[Unmet], targets: list[Target], what: str) -> NoCalibrationError:
    if not unmet:
        named = "; ".join(describe(t) for t in targets)
        return NoCalibrationError(f"no {what} meet every target: together they conflict ({named}) / "
                                  "没有任何取值能同时满足全部目标", hint="relax one of them")
    text = " | ".join(u.text("en") for u in unmet)
    zh = " | ".join(u.text("zh") for u in unmet)
    return NoCalibrationError(f"no {what} meet every target: {text} / 无解: {zh}", unmet=unmet,
                              hint="relax the target named, or calibrate another cut-off or parameter")
