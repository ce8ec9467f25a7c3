"""The demo's view of a live session as the service keeps one (``POST /sessions``), without HTTP: a member's year
opened without its last month, the month's record added, an incident withdrawn on appeal; each breakdown logged as
a decision, and the log replayed offline. Needs only the library (no fastapi)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..cycle.scoring import choose_ruleset
from ..evaluate.live import LiveSession
from ..rulesets.model import RuleSet
from ..synthetic import SubDistrict
from .deciding import decision_row
from .decisions import DecisionLog
from .replay import replay


def show_live_session(area: SubDistrict, rulesets: Mapping[str, RuleSet], lang: str) -> None:
    """Print the steps of one member's live session and the replay of the decisions it logged."""
    zh = lang == "zh"
    period = str(area.year)
    member = next((m for m in area.members_in("in_service") if any(i.verified for i in m.incidents)
                   and len(m.records) == 12), None)
    if member is None:
        return
    last, incident = member.records[-1], next(i for i in member.incidents if i.verified)
    start = member.model_copy(update={"records": member.records[:-1]})
    print("\n" + ("实时会话 (POST /sessions): 随记录和申诉更新一名党员的得分, 每次得分都记入决策日志" if zh else
                  "A live session (POST /sessions): one member's score kept up to date as records and appeals "
                  "arrive, each breakdown logged as a decision"))
    with tempfile.TemporaryDirectory() as tmp:
        log = DecisionLog(Path(tmp) / "decisions.sqlite")
        with LiveSession(choose_ruleset(start, rulesets.values(), period), start, period) as session:
            steps = [(f"打开会话 ({len(start.records)} 个月的记录)" if zh else
                      f"opened ({len(start.records)} months of records)", lambda: None),
                     (f"添加 {last.month} 的记录" if zh else f"record of {last.month} added",
                      lambda: session.add_record(last)),
                     (f"申诉成立, 撤回事件 {incident.incident_id}" if zh else
                      f"appeal upheld: incident {incident.incident_id} withdrawn",
                      lambda: session.retract_incident(incident.incident_id))]
            for label, change in steps:
                change()
                b = session.breakdown()
                (number,) = log.record([decision_row(session.facts, period, "demo", b)])
                print(f"  #{number} {member.subject_id} {label}: {b.total:.2f} "
                      f"{b.grade.zh if zh else b.grade.en}" + (" (否决)" if zh and b.vetoed else
                                                               " (vetoed)" if b.vetoed else ""))
        log.close()
        again = replay(Path(tmp) / "decisions.sqlite", rulesets.values())
    print(("  离线重算: {n} 项决策, {d} 项与重新评价不一致" if zh else
           "  Replayed offline: {n} decisions, {d} differ from a fresh evaluation").format(
        n=again.checked, d=len(again.differences)))
