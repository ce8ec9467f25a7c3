"""Write facts and expectations as a YAML test case in the format of ``docs/testing-rulesets.md``.

The case carries every value of the facts (``null`` included), so pasted into any case file of the rule set it
overrides whatever that file's ``base`` holds, and missing months are dropped explicitly.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..explain.breakdown import ScoreBreakdown
from ..periods import Period

_OWNER = {"member": "member_id", "branch": "branch_id", "community": "community_id"}


def _strip(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


def case_for(facts: Any, period: Period, *, name: str, expect: dict[str, Any],
             description: str | None = None) -> dict[str, Any]:
    """A test case (as data) that rebuilds ``facts`` for ``period`` and states ``expect``."""
    kind = str(type(facts).subject_kind)
    data = facts.model_dump(mode="json")
    case: dict[str, Any] = {"name": name}
    if description:
        case["description"] = description
    case["period"] = str(period)
    case[kind] = data[kind]
    if kind == "community":
        case["grids"] = [_strip(g, "community_id") for g in data["grids"]]
    else:
        by_month = {r["month"]: _strip(r, _OWNER[kind], "month") for r in data["records"]}
        all_months = [str(period.start + i) for i in range(period.months)]
        # values shared by every record go once under record:, the rest per month; together they set every
        # field of every record, so a base: in the case file cannot change them
        rows = list(by_month.values())
        common = {k: v for k, v in rows[0].items() if all(r[k] == v for r in rows[1:])} if rows else {}
        if common:
            case["record"] = common
        diffs = {m: {k: v for k, v in by_month[m].items() if k not in common} for m in all_months if m in by_month}
        case["months"] = {m: d for m, d in diffs.items() if d}
        case["drop_months"] = [m for m in all_months if m not in by_month]
        annual = data.get("annual")
        case["annual"] = None if annual is None else _strip(annual, "subject_kind", "subject_id")
    case["incidents"] = [_strip(i, "subject_kind", "subject_id") for i in data["incidents"]]
    case["commendations"] = [_strip(c, "subject_kind", "subject_id") for c in data["commendations"]]
    case["expect"] = expect
    return case


def expect_from(b: ScoreBreakdown) -> dict[str, Any]:
    """Everything a case can state about a breakdown."""
    return {
        "total": b.total,
        "grade": b.grade.id,
        "vetoed": b.vetoed,
        "vetoes": [v.rule_id for v in b.vetoes],
        "dimensions": {d.id: d.subtotal for d in b.dimensions},
        "lines": {ln.rule_id: ln.points for ln in b.lines},
    }


def case_yaml(cases: list[dict[str, Any]]) -> str:
    """Cases as YAML list items, ready to paste under ``cases:``."""
    return yaml.safe_dump(cases, allow_unicode=True, sort_keys=False, width=120)
