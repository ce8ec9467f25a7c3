"""Facts built by hand that several test modules share (drawn facts come from partyrules.testing)."""

from __future__ import annotations

import partyrules as pr
from partyrules.testing import VERIFIER


def veto_incident(incident_id: str = "IV", *, member_id: str = "M1", verified: bool = True,
                  occurred_on: str = "2026-08-01") -> pr.Incident:
    """A crisis_retreat with a consequence: the example rule set's veto EX.V1 when verified, and the crisis veto of
    ``generated_rulesets(with_crisis_veto=True)``."""
    return pr.Incident(
        incident_id=incident_id, subject_kind="member", subject_id=member_id, kind="crisis_retreat",
        occurred_on=occurred_on, severity="serious", consequence="较大负面影响", verified=verified,
        verified_by=VERIFIER if verified else None, evidence_ref=f"doc/{incident_id}",
    )


def distinct_members(facts_list: list[pr.MemberFacts]) -> list[pr.MemberFacts]:
    """Give drawn members distinct ids (the strategies draw every member as M1)."""
    out = []
    for i, f in enumerate(facts_list):
        data = f.model_dump(mode="json")
        sid = f"M{i:03d}"
        data["member"]["member_id"] = sid
        for r in data["records"]:
            r["member_id"] = sid
        for x in (*data["incidents"], *data["commendations"]):
            x["subject_id"] = sid
        if data.get("annual"):
            data["annual"]["subject_id"] = sid
        out.append(pr.MemberFacts.model_validate(data))
    return out
