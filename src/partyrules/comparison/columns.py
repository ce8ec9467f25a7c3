"""The columns of a comparison: the parts a total is split into (:class:`ContributionKey`, a ``d:<key>`` column
each in the wide frame), the grades in order, the groupings of the per-group tables, and the expressions the
table, the statistics and the partitioned form share.

Under each rule set a subject's total is the sum of:

- each standard's and deduction's points (``rule:<id>``, deductions after the dimension floor);
- ``<dimension>:max``: what the dimension's maximum took off the sum of its lines (``dim:<id>`` minus its rules);
- under ``veto_effect: zero_total``, the points a veto took by zeroing the total, given to the first fired veto in
  id order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ComparisonError
from ..rulesets.model import Deduction, RuleSet, Standard

if TYPE_CHECKING:
    import polars as pl

__all__ = ["ALL", "DEFAULT_BY", "EPSILON", "NONE_GROUP", "NOT_APPLICABLE", "TOP_RULES", "ComparisonError",
           "ContributionKey", "comparison_keys", "contribution_keys", "grade_order", "grouping_columns", "groupings"]

NOT_APPLICABLE = "n/a"  # the grade of a subject a rule set does not apply to (or that it did not score)
EPSILON = 1e-6  # a change of total below this is float noise (points are rounded to 1e-6)
_TINY = 1e-9
_MICRO = 1_000_000  # points are rounded to 6 decimals, so whole millionths are exact integers
ALL = "all"
NONE_GROUP = "(none)"
TOP_RULES = 3
# the columns a comparison computes, which are not attributes of the subjects to group by
_FIXED = frozenset({"subject_id", "in_base", "in_reform", "base_total", "reform_total", "delta", "base_grade",
                    "reform_grade", "base_vetoed", "reform_vetoed", "base_vetoes", "reform_vetoes", "vetoes_added",
                    "vetoes_removed"})


@dataclass(frozen=True)
class ContributionKey:
    """One part of a total: a rule, a dimension's maximum, or a veto that zeroes the total."""

    key: str
    kind: str  # standard, deduction, dimension_max, veto
    dimension: str | None


def contribution_keys(ruleset: RuleSet) -> list[ContributionKey]:
    """The parts a total of ``ruleset`` is split into (see the module docstring), in declaration order."""
    scored: tuple[Standard | Deduction, ...] = (*ruleset.standards, *ruleset.deductions)
    out = [ContributionKey(r.id, r.kind, r.dimension) for r in scored]
    out += [ContributionKey(f"{d.id}:max", "dimension_max", d.id) for d in ruleset.dimensions]
    if ruleset.spec.veto_effect == "zero_total":
        out += [ContributionKey(v.id, "veto", v.dimension) for v in sorted(ruleset.vetoes, key=lambda v: v.id)]
    return out


def _contribution_exprs(ruleset: RuleSet) -> dict[str, pl.Expr]:
    import polars as pl

    scored: tuple[Standard | Deduction, ...] = (*ruleset.standards, *ruleset.deductions)
    exprs: dict[str, pl.Expr] = {r.id: pl.col(f"rule:{r.id}") for r in scored}
    for d in ruleset.dimensions:
        mine = [pl.col(f"rule:{r.id}") for r in scored if r.dimension == d.id]
        exprs[f"{d.id}:max"] = pl.col(f"dim:{d.id}") - (pl.sum_horizontal(mine) if mine else pl.lit(0.0))
    if ruleset.spec.veto_effect == "zero_total" and ruleset.vetoes:
        dims = [pl.col(f"dim:{d.id}") for d in ruleset.dimensions]
        zeroed = pl.col("total") - (pl.sum_horizontal(dims) if dims else pl.lit(0.0))
        earlier: list[pl.Expr] = []
        for v in sorted(ruleset.vetoes, key=lambda v: v.id):
            fired = pl.col(f"veto:{v.id}")
            first = fired if not earlier else fired & ~pl.any_horizontal(earlier)
            exprs[v.id] = pl.when(first).then(zeroed).otherwise(0.0)
            earlier.append(fired)
    return {k: e.round(6) for k, e in exprs.items()}


def comparison_keys(base: RuleSet, reform: RuleSet) -> list[ContributionKey]:
    """The parts of the totals of a comparison: the base's (see :func:`contribution_keys`), then the reform's new
    ones; a ``d:<key>`` column of :func:`wide_frame` each."""
    keys: list[ContributionKey] = []
    seen: set[str] = set()
    for k in (*contribution_keys(base), *contribution_keys(reform)):
        if k.key not in seen:
            seen.add(k.key)
            keys.append(k)
    return keys


def grade_order(base: RuleSet, reform: RuleSet) -> list[str]:
    """The grades of a comparison, best first: the base's, then the reform's new ones."""
    out = [g.id for g in base.grades]
    out += [g.id for g in reform.grades if g.id not in out]
    return out


DEFAULT_BY = ("category",)
"""The grouping when none is asked for: members' category, where the score tables have it."""


def grouping_columns(by: Sequence[str] | None, columns: Sequence[str], *, community: bool = False
                     ) -> tuple[tuple[str, ...], list[str]]:
    """The groupings of a comparison: those of ``by`` (then ``community`` when ``community`` is true, as
    :func:`compare` adds it for ``community_of_branch``), each a column of the wide frame (``columns``), and the
    notes about them (none: a grouping that cannot be made is an error, not a note inside a report).

    ``by=None`` is :data:`DEFAULT_BY` where the tables have it, else no grouping. A column of ``by`` that is not
    there is a :class:`ComparisonError` naming the columns that are; ``community`` without a community column
    says what gives one."""
    if by is None:
        by = tuple(c for c in DEFAULT_BY if c in columns)
    elif isinstance(by, str):
        by = (by,)  # one column given as text, not its letters
    wanted = list(dict.fromkeys(by))
    if community and "community" not in wanted:
        wanted.append("community")
    unknown = [c for c in wanted if c not in columns]
    if unknown:
        known = _attribute_columns(columns)
        names = ", ".join(repr(c) for c in unknown)
        hint = "group by one of: " + (", ".join(known) or "(none: these score tables carry no attributes; add "
                                      "some with groups=)")
        if "community" in unknown:
            # the member tables say which branch each member is in, not which community
            hint += ("; 'community' needs the branch-to-community map (community_of_branch=, e.g. "
                     "SubDistrict.community_of_branch) or groups= with a community column")
        raise ComparisonError(f"unknown grouping column {names}: the score tables have no such column / "
                              f"未知的分组列 {names}", hint=hint)
    return tuple(wanted), []


def _normalise_groups(groups: pl.DataFrame | Mapping[str, str] | None) -> pl.DataFrame | None:
    import polars as pl

    if groups is None:
        return None
    if isinstance(groups, pl.DataFrame):
        if "subject_id" not in groups.columns:
            raise ComparisonError("the groups frame has no subject_id column",
                                  hint="give a frame with subject_id and one column per grouping")
        return groups.unique("subject_id", keep="first", maintain_order=True).with_columns(pl.col("subject_id")
                                                                                           .cast(pl.String))
    if isinstance(groups, Mapping):
        return pl.DataFrame({"subject_id": list(groups), "community": [str(v) for v in groups.values()]},
                            schema={"subject_id": pl.String, "community": pl.String})
    raise ComparisonError(f"groups must be a polars DataFrame or a mapping subject_id -> community, got "
                          f"{type(groups).__name__}", hint="e.g. {'M000003': 'C01'}")


def groupings(by: Sequence[str]) -> list[tuple[str, pl.Expr]]:
    """Each grouping of the per-group tables as ``(name, expression of the group)``: the whole population
    (:data:`ALL`) first, then each column of ``by`` as text, a missing value as :data:`NONE_GROUP`."""
    import polars as pl

    out: list[tuple[str, pl.Expr]] = [(ALL, pl.lit(ALL))]
    out += [(b, pl.col(b).cast(pl.String).fill_null(NONE_GROUP)) for b in by]
    return out


def _micro(col: str) -> pl.Expr:
    """A 6-decimal column as whole millionths: sums of these are exact, whatever the order of the additions."""
    import polars as pl

    return (pl.col(col) * _MICRO).round(0).cast(pl.Int64)


def _moved_expr(epsilon: float) -> pl.Expr:
    import polars as pl

    return ((pl.col("in_base") != pl.col("in_reform")) | (pl.col("base_grade") != pl.col("reform_grade"))
            | (pl.col("delta").abs() > epsilon) | (pl.col("vetoes_added").list.len() > 0)
            | (pl.col("vetoes_removed").list.len() > 0))


def _attribute_columns(columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c not in _FIXED and not c.startswith("d:")]
