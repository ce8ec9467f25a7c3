"""Generated member rule sets: valid YAML drawn from pools of expressions, using every scoring method (flag, ratio,
ratio_to, bands, per_occurrence), deductions, vetoes, applicability, cadences and grades.

Every expression in the pools is monotone non-decreasing in ``records.volunteer_hours`` and
``records.households_contacted`` (the fields a generated rule set declares as ``monotone.increasing``), so the
monotonicity property holds by construction. A drawn rule set keeps its document, so that a test can compute what
each rule must give from the expressions it was made of (:data:`EXPRESSIONS` lists them all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from hypothesis import strategies as st

from ..rulesets.loader import loads_ruleset
from ..rulesets.model import RuleSet
from .edges import Edges

__all__ = ["EXPRESSIONS", "GENERATED_EDGES", "MONOTONE_FIELDS", "GeneratedRuleSet", "generated_rulesets"]

MONOTONE_FIELDS = ("records.volunteer_hours", "records.households_contacted")

# -- the pools of expressions ------------------------------------------------------------------------------------
FLAGS: tuple[str, ...] = (
    "placard_displayed",
    "placard_displayed and len(cards) >= 2",
    "is_organ_staff or placard_displayed",
    "count(records where dues_paid_on_time) >= 6",
    'exists(commendations where level in ["city", "above"])',
    "sum(records.households_contacted) >= 10",
    "exists(claimed_posts where active)",
)
RATIOS: tuple[tuple[str, str], ...] = (  # (numerator, denominator)
    ("sum(records.meetings_attended.member_meeting)", "sum(records.meetings_required.member_meeting)"),
    ("count(records where dues_paid_on_time)", "period.months"),
    ("count(records where households_contacted > 0)", "count(records)"),
    ("sum(records.study_sessions_attended)", "sum(records.study_sessions_required)"),
)
RATIOS_TO: tuple[tuple[str, str], ...] = (  # (value, target)
    ("sum(records.volunteer_hours)", "params.hours"),
    ("sum(records.households_contacted)", "params.contacts * period.months / 12"),
    ("count(records where post_duty_performed)", "6"),
    ("sum(records.volunteer_hours)", "params.hours if is_organ_staff else params.hours / 2"),
)
BAND_VALUES: tuple[str, ...] = (
    "count(records where dues_paid_on_time)",
    "sum(records.volunteer_hours)",
    "len(linked_household_ids)",
    "annual.evaluation_score",
    "sum(records.households_contacted)",
)
PER_OCCURRENCE: tuple[str, ...] = (
    'count(commendations where level in ["district", "city", "above"])',
    "count(records where households_contacted >= 3)",
    "count(claimed_posts where active)",
    "sum(records.difficulties_resolved)",
    "count(commendations) * 2",
)
WHENS: tuple[str, ...] = (
    'status == "formal"',
    "not health_limited",
    "is_organ_staff",
    "annual.evaluation_score >= 50",
)
DEDUCTION_PERS: tuple[str, ...] = (
    'count(incidents where kind == "complaint_substantiated")',
    'count(incidents where kind in ["gambling", "littering"] and severity != "minor")',
    "count(records where not dues_paid_on_time)",
    "sum(records.(meetings_required.member_meeting - meetings_attended.member_meeting))",
    "1 if longest_run(records where households_contacted == 0) >= 3 else 0",
    "count(records where households_contacted == 0)",
    "sum(records.excused_absences)",
)
# (veto expression, the incident kind that triggers it or None for a veto on records or the annual evaluation)
VETOES: tuple[tuple[str, str | None], ...] = (
    ('exists(incidents where kind == "crisis_retreat" and consequence != none)', "crisis_retreat"),
    ('count(incidents where kind == "criminal_conviction") > 0', "criminal_conviction"),
    ('count(incidents where kind in ["anti_party_speech", "illegal_org_participation"]) >= 1', "anti_party_speech"),
    ("longest_run(records where not dues_paid_on_time) >= 6", None),
    ("annual.evaluation_score < 10", None),
)
CRISIS_VETO = 0  # the veto that a verified crisis_retreat with a consequence fires

EXPRESSIONS: tuple[str, ...] = (*FLAGS, *(x for pair in (*RATIOS, *RATIOS_TO) for x in pair), *BAND_VALUES,
                                *PER_OCCURRENCE, *WHENS, *DEDUCTION_PERS, *(text for text, _ in VETOES))
"""Every expression a generated rule set may contain (ratio sides, band values and ``per`` counts included)."""

# The incident kinds the pools name: facts drawn with these edges hit the generated rules' deductions and vetoes
# (and the example rule set's) more often than the other registered kinds would.
GENERATED_EDGES = Edges(strings=("anti_party_speech", "complaint_substantiated", "crisis_retreat",
                                 "criminal_conviction", "gambling", "illegal_org_participation", "littering"))

_AMOUNTS = st.sampled_from([0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10, 12, 15, 20])


@dataclass
class GeneratedRuleSet:
    """A drawn rule set: its YAML text, its document, its veto effect and what its vetoes react to."""

    text: str
    doc: dict[str, Any]
    veto_effect: str
    veto_kinds: dict[str, str | None] = field(default_factory=dict)  # veto id -> triggering incident kind

    def load(self) -> RuleSet:
        """The rule set, loaded as any YAML file is."""
        return loads_ruleset(self.text, file="generated.yaml")


def texts(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _with_due(item: dict[str, object], due: str | None) -> None:
    """Set a cadence the loader accepts: a yearly item never prorates, and only a yearly one reads the annual
    evaluation (both checked at load)."""
    text = str(item)
    if due is not None and not (due == "yearly" and "period.months" in text) \
            and not (due != "yearly" and "annual." in text):
        item["due"] = due


@st.composite
def _standard(draw: st.DrawFn, sid: str, dim: str, points: float) -> dict[str, object]:
    out: dict[str, object] = {"id": sid, "dimension": dim, **texts(f"标准{sid}", f"Standard {sid}"),
                              "source": "generated", "points": points}
    if draw(st.integers(0, 3)) == 0:
        out["when"] = draw(st.sampled_from(WHENS))
        out["if_not_applicable"] = draw(st.sampled_from(["full", "zero", "not_assessed"]))
    due = draw(st.sampled_from([None, "monthly", "quarterly", "yearly", "any"]))
    method = draw(st.sampled_from(["flag", "ratio", "ratio_to", "bands", "per_occurrence"]))
    if method == "flag":
        out["flag"] = draw(st.sampled_from(FLAGS))
    elif method == "ratio":
        num, den = draw(st.sampled_from(RATIOS))
        out["ratio"] = {"numerator": num, "denominator": den,
                        "zero_denominator": draw(st.sampled_from(["full", "zero"]))}
    elif method == "ratio_to":
        value, target = draw(st.sampled_from(RATIOS_TO))
        out["ratio_to"] = {"value": value, "target": target, "zero_target": draw(st.sampled_from(["full", "zero"]))}
    elif method == "bands":
        cuts = sorted(draw(st.lists(st.integers(0, 400), min_size=1, max_size=4, unique=True)), reverse=True)
        pts = sorted(draw(st.lists(st.floats(0, points).map(lambda x: round(x, 1)), min_size=len(cuts),
                                   max_size=len(cuts))), reverse=True)
        out["bands"] = {"value": draw(st.sampled_from(BAND_VALUES)),
                        "steps": [{"at_least": c, "points": p} for c, p in zip(cuts, pts, strict=True)]}
    else:
        per = draw(st.sampled_from([a for a in (0.5, 1, 2, 3, 5, 10) if a <= points]))
        out["per_occurrence"] = {"count": draw(st.sampled_from(PER_OCCURRENCE)), "points": per}
    _with_due(out, due)
    return out


@st.composite
def generated_rulesets(draw: st.DrawFn, *, with_crisis_veto: bool = False, large: bool = False) -> GeneratedRuleSet:
    """A valid member rule set of 1-3 dimensions, with every scoring method, deductions and 0-2 vetoes.

    ``with_crisis_veto`` always includes the veto a verified ``crisis_retreat`` incident with a consequence fires
    (its id is the one whose ``veto_kinds`` entry is ``"crisis_retreat"``). ``large`` draws 3 dimensions of 8-14
    standards and 10-16 deductions: more engine rules than fit in one engine ruleset (chunk), so that rules and
    facts are split across several.
    """
    n_dims = draw(st.integers(3, 3) if large else st.integers(1, 3))
    dims: list[dict[str, object]] = []
    standards: list[dict[str, object]] = []
    sid = 0
    max_points = 0.0
    for d in range(1, n_dims + 1):
        dim_id = f"G.D{d}"
        pts = draw(st.lists(_AMOUNTS, min_size=8, max_size=14) if large else st.lists(_AMOUNTS, min_size=1, max_size=4))
        for p in pts:
            sid += 1
            standards.append(draw(_standard(f"G.S{sid}", dim_id, p)))
        dims.append({"id": dim_id, **texts(f"维度{d}", f"Dimension {d}"), "max": sum(pts)})
        max_points += sum(pts)
    deductions: list[dict[str, object]] = []
    for k in range(1, draw(st.integers(10, 16) if large else st.integers(0, 4)) + 1):
        points = draw(_AMOUNTS)
        cap = points * draw(st.integers(1, 6))
        ded: dict[str, object] = {"id": f"G.K{k}", "dimension": f"G.D{draw(st.integers(1, n_dims))}",
                                  **texts(f"扣分{k}", f"Deduction {k}"), "source": "generated",
                                  "per": draw(st.sampled_from(DEDUCTION_PERS)), "points": points, "cap": cap}
        if draw(st.booleans()):
            ded["when"] = draw(st.sampled_from(WHENS))
        _with_due(ded, draw(st.sampled_from([None, "monthly", "quarterly", "yearly", "any"])))
        deductions.append(ded)
    picked = draw(st.lists(st.integers(0, len(VETOES) - 1), unique=True, max_size=2))
    if with_crisis_veto and CRISIS_VETO not in picked:
        picked = [CRISIS_VETO, *picked]
    vetoes = [{"id": f"G.V{j}", **texts(f"否决{j}", f"Veto {j}"), "source": "generated", "when": VETOES[i][0]}
              for j, i in enumerate(picked, start=1)]
    veto_kinds = {f"G.V{j}": VETOES[i][1] for j, i in enumerate(picked, start=1)}
    fractions = draw(st.lists(st.floats(0.05, 1.0), max_size=3))
    cuts = sorted({c for c in (round(max_points * f, 1) for f in fractions) if c > 0}, reverse=True)
    grading = [{"id": f"g{i}", **texts(f"等级{i}", f"Grade {i}"), "at_least": c} for i, c in enumerate(cuts)]
    grading.append({"id": "lowest", **texts("最低", "Lowest"), "at_least": 0})
    veto_effect = draw(st.sampled_from(["lowest_grade", "zero_total"]))
    doc = {
        "id": "generated",
        "version": "1",
        "title": texts("生成的规则集", "Generated rule set"),
        "subject": "member",
        "params": {"hours": draw(st.integers(1, 200)), "contacts": draw(st.integers(1, 50))},
        "monotone": {"increasing": list(MONOTONE_FIELDS)},
        "veto_effect": veto_effect,
        "dimensions": dims,
        "standards": standards,
        "deductions": deductions,
        "vetoes": vetoes,
        "grading": grading,
    }
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    return GeneratedRuleSet(text, doc, veto_effect, veto_kinds)
