"""Random conditions and the rule sets that test them: conditions (comparisons with constants and with ``none``,
membership, truth tests, ``not``, ``and``, ``or``) over a member's fields, its records and its incidents, drawn as
trees that keep their structure, so that a test can compute their three-valued meaning on its own and check the
engine's translation of conditions against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import yaml
from hypothesis import strategies as st

from ..rulesets.loader import loads_ruleset
from ..rulesets.model import RuleSet
from .generated import texts

__all__ = [
    "INCIDENT_VALUES",
    "RECORD_VALUES",
    "SUBJECT_VALUES",
    "Compare",
    "Cond",
    "ConditionRuleSet",
    "Join",
    "MemberOf",
    "Not",
    "Truth",
    "condition_rulesets",
    "conditions",
]


def _lit(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


@dataclass(frozen=True)
class Compare:
    """``name op const``: ``op`` one of ``== != < <= > >=``, ``const`` a value or None (the language's none)."""

    name: str
    op: str
    const: Any

    @property
    def text(self) -> str:
        return f"{self.name} {self.op} {_lit(self.const)}"


@dataclass(frozen=True)
class MemberOf:
    """``name in [values]``, or ``name not in [values]`` when ``negate``."""

    name: str
    values: tuple[Any, ...]
    negate: bool

    @property
    def text(self) -> str:
        return f"{self.name} {'not in' if self.negate else 'in'} [{', '.join(_lit(x) for x in self.values)}]"


@dataclass(frozen=True)
class Truth:
    """A boolean value read as a condition."""

    name: str

    @property
    def text(self) -> str:
        return self.name


@dataclass(frozen=True)
class Not:
    """``not (inner)``."""

    inner: Cond

    @property
    def text(self) -> str:
        return f"not ({self.inner.text})"


@dataclass(frozen=True)
class Join:
    """``(left) op (right)``, ``op`` being ``and`` or ``or``."""

    op: str
    left: Cond
    right: Cond

    @property
    def text(self) -> str:
        return f"({self.left.text}) {self.op} ({self.right.text})"


Cond: TypeAlias = Compare | MemberOf | Truth | Not | Join
"""A drawn condition: its ``text`` is what a rule set says; its structure is what it means."""

# (name, kind, nullable, sample constants) of what a condition may read, per scope
Values: TypeAlias = tuple[tuple[str, str, bool, tuple[Any, ...]], ...]
SUBJECT_VALUES: Values = (
    ("placard_displayed", "bool", False, (True, False)),
    ("is_organ_staff", "bool", False, (True, False)),
    ("health_limited", "bool", False, (True, False)),
    ("birth_year", "num", False, (1930, 1960, 1975, 1975.5, 2005)),
    ("category", "enum", False, ("in_service", "retired", "new_citizen", "mobile")),
    ("status", "enum", False, ("formal", "probationary")),
    ("employer_unit", "str", True, ("District Office", "Water Works", "Nowhere")),
    ("grid_id", "str", True, ("GR1", "GR9")),
    ("len(cards)", "num", False, (0, 1, 2, 4)),
    ("count(records where dues_paid_on_time)", "num", False, (0, 1, 6, 12)),
    ("sum(records.volunteer_hours)", "num", False, (0, 0.5, 10, 100.25)),
    ('exists(incidents where kind == "gambling")', "bool", False, (True, False)),
    ("annual.evaluation_score", "num", True, (0, 50, 50.5, 100)),
    ("annual.org_life_meeting_held", "bool", True, (True, False)),
)
"""What a condition on a member may read (its fields, aggregations of its records and incidents, its annual
evaluation): name, kind (bool, num, enum, str), whether it may be none, sample constants."""
RECORD_VALUES: Values = (
    ("dues_paid_on_time", "bool", False, (True, False)),
    ("post_duty_performed", "bool", False, (True, False)),
    ("households_contacted", "num", False, (0, 1, 3, 1000000)),
    ("volunteer_hours", "num", False, (0, 0.5, 8, 744)),
    ("meetings_attended.member_meeting", "num", False, (0, 1, 2)),
    ("month", "str", False, ("2026-01", "2026-06", "2026-12")),
    ("spot_check_passed", "bool", True, (True, False)),
    ("mediation_cases", "num", True, (0, 1, 3)),
)
"""What a condition on one monthly record may read (as :data:`SUBJECT_VALUES`)."""
INCIDENT_VALUES: Values = (
    ("kind", "enum", False, ("gambling", "littering", "crisis_retreat", "complaint_substantiated")),
    ("severity", "enum", False, ("minor", "major", "serious")),
    ("consequence", "str", True, ("较大负面影响", "造成不良后果")),
    ("occurred_on", "date", False, ()),
)
"""What a condition on one incident may read (as :data:`SUBJECT_VALUES`)."""


@st.composite
def _atom(draw: st.DrawFn, values: Values) -> Cond:
    name, kind, nullable, consts = draw(st.sampled_from([v for v in values if v[1] != "date"]))
    shape = draw(st.sampled_from(["compare", "in", "truth", "none"]))
    if kind == "bool" and shape == "truth":
        return Truth(name)
    if nullable and shape == "none":
        return Compare(name, draw(st.sampled_from(["==", "!="])), None)
    if shape == "in" and kind != "bool":
        picked = draw(st.lists(st.sampled_from(consts), min_size=1, max_size=3, unique=True))
        return MemberOf(name, tuple(picked), draw(st.booleans()))
    ops = ["==", "!="] if kind in ("bool", "enum") else ["==", "!=", "<", "<=", ">", ">="]
    return Compare(name, draw(st.sampled_from(ops)), draw(st.sampled_from(consts)))


def conditions(values: Values) -> st.SearchStrategy[Cond]:
    """Random conditions over ``values`` (:data:`SUBJECT_VALUES`, :data:`RECORD_VALUES` or
    :data:`INCIDENT_VALUES`), up to 5 comparisons joined by ``not``, ``and`` and ``or``."""
    return st.recursive(
        _atom(values),
        lambda inner: st.one_of(
            inner.map(Not),
            st.tuples(st.sampled_from(["and", "or"]), inner, inner).map(lambda t: Join(*t)),
        ),
        max_leaves=5,
    )


@dataclass
class ConditionRuleSet:
    """A rule set whose rules test random conditions: a flag (S1), a standard's applicability (S2), a veto (V1), a
    deduction per matching record (K1) and one per matching incident (K2)."""

    text: str
    flag: Cond
    when: Cond
    veto: Cond
    records: Cond
    incidents: Cond

    def load(self) -> RuleSet:
        """The rule set, loaded as any YAML file is."""
        return loads_ruleset(self.text, file="conditions.yaml")


@st.composite
def condition_rulesets(draw: st.DrawFn) -> ConditionRuleSet:
    """A member rule set whose rules test conditions drawn by :func:`conditions`."""
    subject = conditions(SUBJECT_VALUES)
    flag, when, veto = draw(subject), draw(subject), draw(subject)
    records, incidents = draw(conditions(RECORD_VALUES)), draw(conditions(INCIDENT_VALUES))
    text = yaml.safe_dump({
        "id": "conditions", "version": "1", "title": texts("条件", "Conditions"), "subject": "member",
        "dimensions": [{"id": "D1", **texts("一", "One"), "max": 100}, {"id": "D2", **texts("二", "Two"), "max": 50}],
        "standards": [
            {"id": "S1", "dimension": "D1", **texts("甲", "A"), "source": "t", "points": 50, "flag": flag.text},
            {"id": "S2", "dimension": "D1", **texts("乙", "B"), "source": "t", "points": 50, "flag": "true",
             "when": when.text, "if_not_applicable": "zero"},
            {"id": "S3", "dimension": "D2", **texts("丙", "C"), "source": "t", "points": 50, "flag": "true"},
        ],
        "deductions": [
            {"id": "K1", "dimension": "D2", **texts("丁", "D"), "source": "t", "points": 1, "cap": 20,
             "per": f"count(records where {records.text})"},
            {"id": "K2", "dimension": "D2", **texts("戊", "E"), "source": "t", "points": 1, "cap": 20,
             "per": f"count(incidents where {incidents.text})"},
        ],
        "vetoes": [{"id": "V1", **texts("否", "V"), "source": "t", "when": veto.text}],
        "grading": [{"id": "good", **texts("好", "Good"), "at_least": 60},
                    {"id": "low", **texts("差", "Low"), "at_least": 0}],
    }, allow_unicode=True, sort_keys=False)
    return ConditionRuleSet(text, flag, when, veto, records, incidents)
