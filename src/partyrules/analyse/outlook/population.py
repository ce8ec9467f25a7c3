"""Every subject's outlook at once: the candidate completions of every subject are built as population tables
and scored with the vectorised backend; each subject's lowest and highest are picked as :func:`.single.outlook`
picks them (a vetoed completion is the worst, then the lowest total), so both paths agree number for number."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...evaluate.population import score_population
from ...facts import SubjectFacts
from ...periods import Month, Period
from ...population import facts_to_population
from ...rulesets.model import RuleSet
from .complete import candidates, completion, situation
from .domain import build_domain, model_plan
from .single import threshold_grade

__all__ = ["PopulationOutlook", "outlook_population"]


@dataclass
class PopulationOutlook:
    """``frame``: one row per subject: ``subject_id``, ``lowest``, ``highest``, ``grade_low``, ``grade_high``,
    ``vetoed_low``, ``vetoed_high`` and ``status`` (secure, at_risk, out_of_reach) against ``warn_below``."""

    ruleset: RuleSet
    as_of: str
    warn_below: str
    frame: Any

    def counts(self) -> dict[str, int]:
        got = dict(self.frame.group_by("status").len().iter_rows()) if self.frame.height else {}
        return {s: int(got.get(s, 0)) for s in ("secure", "at_risk", "out_of_reach")}

    def warnings(self) -> Any:
        """The early-warning list: who can no longer reach the grade, then who may fall below it."""
        import polars as pl

        return (self.frame.filter(pl.col("status") != "secure")
                .sort(["status", "highest", "subject_id"], descending=[True, False, False]))


def outlook_population(ruleset: RuleSet, subjects: Iterable[SubjectFacts], as_of: Month | str, *,
                       directions: Mapping[str, str] | None = None,
                       bounds: Mapping[str, tuple[float, float]] | None = None,
                       warn_below: str | None = None) -> PopulationOutlook:
    """The outlook of every subject of ``subjects`` the rule set applies to (see :func:`.single.outlook`), scored
    as tables with the vectorised backend."""
    import polars as pl

    m = Month.parse(as_of) if isinstance(as_of, str) else as_of
    dom = build_domain(ruleset, directions=directions, bounds=bounds)
    period = Period.year(m.year)
    sits = [situation(f, m) for f in subjects]
    plans = [model_plan(s.known, m.year) if dom.kind == "member" else (lambda _month: {}) for s in sits]
    sides: dict[str, pl.DataFrame] = {}
    for side in ("worst", "best"):
        frames: list[pl.DataFrame] = []
        shapes: dict[tuple[bool, str], list[int]] = {}
        for i, sit in enumerate(sits):  # subjects share a few shapes of candidates: one table per shape
            for c in candidates(dom, sit, side):
                shapes.setdefault((c.recorded, c.annual), []).append(i)
        for (recorded, annual), idx in shapes.items():
            facts = [completion(dom, sits[i], plans[i], _cand(side, recorded, annual)) for i in idx]
            scores = score_population(ruleset, facts_to_population(facts), period, missing_tables="empty")
            frames.append(scores.frame.select("subject_id", "total", "grade", "vetoed"))
        both = pl.concat(frames)
        order = [pl.col("vetoed").not_(), pl.col("total")]
        pick = (both.sort(order, descending=side == "best").group_by("subject_id", maintain_order=True).first())
        sides[side] = pick
    low = sides["worst"].rename({"total": "lowest", "grade": "grade_low", "vetoed": "vetoed_low"})
    high = sides["best"].rename({"total": "highest", "grade": "grade_high", "vetoed": "vetoed_high"})
    warn = threshold_grade(ruleset, warn_below)
    rank = {g.id: i for i, g in enumerate(ruleset.grades)}
    ok = pl.col("grade_low").replace_strict(rank, return_dtype=pl.Int64) <= rank[warn]
    ok_high = pl.col("grade_high").replace_strict(rank, return_dtype=pl.Int64) <= rank[warn]
    ids = pl.DataFrame({"subject_id": [s.known.subject_id for s in sits]})
    frame = (ids.join(low, on="subject_id", how="inner", maintain_order="left")
             .join(high, on="subject_id", how="inner", maintain_order="left")
             .with_columns(pl.when(ok & pl.col("vetoed_low").not_()).then(pl.lit("secure"))
                           .when(ok_high & pl.col("vetoed_high").not_()).then(pl.lit("at_risk"))
                           .otherwise(pl.lit("out_of_reach")).alias("status")))
    return PopulationOutlook(ruleset, str(m), warn, frame)


def _cand(side: str, recorded: bool, annual: str) -> Any:
    from .complete import Candidate

    return Candidate(side, recorded, annual)


