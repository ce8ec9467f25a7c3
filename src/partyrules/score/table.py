"""Scores of a whole population as one table: the form analysts compare, diagnose and plot.

:class:`PopulationScores` is what both backends give for a population. Its ``frame`` has one row per scored
subject, in population order, with these columns:

- ``subject_id`` (text), then the grouping attributes carried from the subjects (``ATTRIBUTES``);
- ``total`` (float), ``grade`` (the grade's id), ``vetoed`` (bool);
- ``dim:<dimension id>``: each dimension's subtotal, in declaration order;
- ``rule:<rule id>``: each standard's and deduction's points as its breakdown line has them (a deduction is
  negative, 0 when it did not fire), in declaration order (standards, then deductions);
- ``veto:<veto id>`` and ``check:<check id>``: whether each veto and structure check fired.

Any one subject's full, explained :class:`~partyrules.ScoreBreakdown` is produced on demand from its facts
(:meth:`PopulationScores.breakdown`), so the table stays small while every number in it can be explained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import EvaluationError
from ..results import ScoreBreakdown
from ..rulesets.model import RuleSet

if TYPE_CHECKING:
    import polars as pl

    from ..facts import SubjectFacts

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "member": ("category", "status", "branch_id"),
    "branch": ("branch_type", "parent_org_id"),
    "community": (),
}
"""The subject fields every score table carries, for grouping (by category, by branch type, ...)."""

Explainer = Callable[[RuleSet, "SubjectFacts", str], ScoreBreakdown]
"""How one subject's breakdown is made from its facts: (rule set, facts, period) -> breakdown."""

# The engine that explains a row lives in the evaluate layer, above this one: it installs itself here when it is
# imported (partyrules.evaluate), and every table that has facts to explain was made by it.
_EXPLAINER: list[Explainer] = []


def set_explainer(explain: Explainer) -> None:
    """Install how :meth:`PopulationScores.breakdown` explains a subject (the evaluate layer installs the
    engine's when it is imported)."""
    _EXPLAINER[:] = [explain]


def score_columns(ruleset: RuleSet) -> list[str]:
    """The score columns of a rule set's table, in order (after ``subject_id`` and the attributes)."""
    return ["total", "grade", "vetoed",
            *(f"dim:{d.id}" for d in ruleset.dimensions),
            *(f"rule:{r.id}" for r in ruleset.standards), *(f"rule:{r.id}" for r in ruleset.deductions),
            *(f"veto:{v.id}" for v in ruleset.vetoes),
            *(f"check:{c.id}" for c in ruleset.checks)]


def table_schema(ruleset: RuleSet, attributes: Sequence[str] = ()) -> dict[str, Any]:
    import polars as pl

    schema: dict[str, Any] = {"subject_id": pl.String}
    schema.update({a: pl.String for a in attributes})
    for c in score_columns(ruleset):
        schema[c] = pl.Boolean if c == "vetoed" or c.startswith(("veto:", "check:")) else \
            pl.String if c == "grade" else pl.Float64
    return schema


@dataclass
class PopulationScores:
    """A rule set's scores for a population (see the module docstring for the columns of ``frame``).

    ``not_applicable`` lists the subjects the rule set does not apply to (``applies_to`` is not true), and
    ``failures`` the subjects that could not be scored, each with its reason: nothing is dropped silently.
    """

    ruleset: RuleSet
    frame: pl.DataFrame
    period: str
    not_applicable: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (subject id or row, reason)
    facts_of: Callable[[str], SubjectFacts] | None = None
    backend: str = "vector"
    # tables the input did not give that were taken as empty on request (missing_tables="empty"), each with the
    # rules that read it: every subject's points from those rules rest on that assumption
    assumed_empty: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.frame.height

    @property
    def attributes(self) -> list[str]:
        scores = set(score_columns(self.ruleset))
        return [c for c in self.frame.columns if c != "subject_id" and c not in scores]

    def breakdown(self, subject_id: str) -> ScoreBreakdown:
        """The full, explained breakdown of one subject, evaluated from its facts by the engine."""
        if self.facts_of is None or not _EXPLAINER:
            raise EvaluationError("these scores were made without their facts, so no breakdown can be produced",
                                  hint="score the population with partyrules.score_population")
        return _EXPLAINER[0](self.ruleset, self.facts_of(subject_id), self.period)

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame (needs pandas and pyarrow)."""
        return self.frame.to_pandas()

    def _repr_html_(self) -> str:  # notebooks show the headline, the grade counts and the first rows
        from ._html import scores_html

        return scores_html(self)


def breakdown_row(b: ScoreBreakdown, ruleset: RuleSet) -> dict[str, Any]:
    """One subject's row of the table, read off its breakdown."""
    points = {ln.rule_id: ln.points for ln in b.lines}
    dims = {d.id: d.subtotal for d in b.dimensions}
    fired = {v.rule_id for v in b.vetoes}
    warned = {w.id for w in b.warnings}
    row: dict[str, Any] = {"total": b.total, "grade": b.grade.id, "vetoed": b.vetoed}
    row.update({f"dim:{d.id}": dims[d.id] for d in ruleset.dimensions})
    row.update({f"rule:{r.id}": points.get(r.id, 0.0) for r in ruleset.standards})
    row.update({f"rule:{r.id}": points.get(r.id, 0.0) for r in ruleset.deductions})
    row.update({f"veto:{v.id}": v.id in fired for v in ruleset.vetoes})
    row.update({f"check:{c.id}": c.id in warned for c in ruleset.checks})
    return row


def scores_from_breakdowns(ruleset: RuleSet, breakdowns: Iterable[ScoreBreakdown],
                           attributes: dict[str, dict[str, Any]] | None = None, *, period: str = "",
                           facts_of: Callable[[str], SubjectFacts] | None = None,
                           backend: str = "engine") -> PopulationScores:
    """The table of subjects scored one at a time (by the engine or the reference backend).

    ``attributes`` maps each subject id to its grouping attributes (the columns after ``subject_id``).
    """
    import polars as pl

    rows = []
    names: list[str] = []
    for b in breakdowns:
        attrs = (attributes or {}).get(b.subject_id, {})
        if not names and attrs:
            names = list(attrs)
        rows.append({"subject_id": b.subject_id, **{a: attrs.get(a) for a in names}, **breakdown_row(b, ruleset)})
        period = period or b.period.label
    schema = table_schema(ruleset, names)
    frame = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return PopulationScores(ruleset, frame, period, facts_of=facts_of, backend=backend)
