"""``partyrules demo``: score a generated sample sub-district end to end with the shipped rule sets.

19 communities, 175 branches and 2,972 members (the main seed's proportions), a year of monthly records,
incidents and commendations: every member scored with the index of their category, every branch with the
combat-effectiveness index, every community with the six-star rating.
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from importlib import resources
from pathlib import Path

from .evaluate.evaluator import Evaluator
from .explain.breakdown import ScoreBreakdown
from .facts.subdistrict import generate_subdistrict
from .rulesets.loader import load_ruleset
from .rulesets.model import RuleSet
from .shipped_rulesets import shipped_ruleset_path

CATEGORIES = ("in_service", "retired", "new_citizen")


def _pad(text: str, width: int) -> str:
    """Left-align by display width: CJK characters take two terminal columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return text + " " * max(0, width - used)


def example_ruleset_path() -> Path:
    """The small example member index shipped in the package (used by the docs and tests)."""
    return Path(str(resources.files("partyrules") / "data" / "example" / "member-example.yaml"))


def _rank(scored: list[ScoreBreakdown]) -> list[ScoreBreakdown]:
    # vetoed subjects rank below everyone; ties by total are broken by id, so the order never depends on input
    return sorted(scored, key=lambda b: (b.vetoed, -b.total, b.subject_id))


def _table(title: str, ranked: list[ScoreBreakdown], zh: bool, top: int = 8, bottom: int = 4) -> None:
    print("\n" + title)
    head = ("名次", "对象", "总分", "等次", "主要失分") if zh else ("rank", "subject", "total", "grade", "lost most at")
    print(f"  {_pad(head[0], 5)}  {_pad(head[1], 10)} {_pad(head[2], 8)}  {_pad(head[3], 14)} {head[4]}")
    n = len(ranked)
    rows = [(i + 1, b) for i, b in enumerate(ranked[:top])]
    if n > top:
        rows += [(n - bottom + 1 + i, b) for i, b in enumerate(ranked[-bottom:]) if n - bottom + i >= top]
    last = 0
    for rank, b in rows:
        if rank > last + 1:
            print("  " + "·" * 5)
        last = rank
        reasons = ", ".join(r.code for r in b.reason_codes[:2])
        grade = _pad(b.grade.zh if zh else b.grade.en, 14)
        print(f"  {rank:>5}  {b.subject_id:<10} {b.total:>8.2f}  {grade} {reasons}")


def _distribution(title: str, rs: RuleSet, scored: list[ScoreBreakdown], zh: bool) -> None:
    counts = Counter(b.grade.id for b in scored)
    print(f"  {title}")
    for g in rs.grades:
        n = counts.get(g.id, 0)
        bar = "█" * round(30 * n / max(1, len(scored)))
        print(f"    {_pad(g.zh if zh else g.en, 20)} {n:>5}  {bar}")


def run_demo(*, lang: str = "zh", seed: int = 2026) -> int:
    zh = lang == "zh"
    t0 = time.perf_counter()
    rulesets = {k: load_ruleset(shipped_ruleset_path(k)) for k in (*CATEGORIES, "branch", "community")}
    area = generate_subdistrict(seed=seed)
    t1 = time.perf_counter()
    members: dict[str, list[ScoreBreakdown]] = {}
    failures = []
    for cat in CATEGORIES:
        result = Evaluator(rulesets[cat]).evaluate_many(area.members_in(cat), str(area.year))
        members[cat] = result.breakdowns
        failures += result.failures
    branch_result = Evaluator(rulesets["branch"]).evaluate_many(area.branches, str(area.year))
    community_result = Evaluator(rulesets["community"]).evaluate_many(area.communities, str(area.year))
    failures += branch_result.failures + community_result.failures
    t2 = time.perf_counter()

    scored = sum(len(v) for v in members.values()) + len(branch_result.breakdowns) + len(community_result.breakdowns)
    print("示例街道 (生成数据)" if zh else "Sample sub-district (generated)")
    print(("{c} 个社区, {b} 个党组织, {m} 名党员; 生成并载入 {g:.1f}s, 评分 {s} 个对象 {e:.1f}s" if zh else
           "{c} communities, {b} Party organisations, {m} members; generated and loaded in {g:.1f}s, "
           "scored {s} subjects in {e:.1f}s").format(
        c=len(area.communities), b=len(area.branches), m=len(area.members), g=t1 - t0, s=scored, e=t2 - t1))
    for f in failures:
        print(f"  ! {f}")

    print("\n" + ("规则集" if zh else "Rule sets"))
    for rs in rulesets.values():
        c = rs.counts()
        print(f"  {rs.id:<30} {c['dimensions']:>2} dims {c['standards']:>3} std {c['deductions']:>3} ded "
              f"{c['vetoes']:>2} vetoes  {rs.title_zh if zh else rs.title_en}")

    print("\n" + ("等次分布" if zh else "Grade distribution"))
    for cat in CATEGORIES:
        _distribution(rulesets[cat].title_zh if zh else rulesets[cat].title_en, rulesets[cat], members[cat], zh)
    _distribution(rulesets["branch"].title_zh if zh else rulesets["branch"].title_en, rulesets["branch"],
                  branch_result.breakdowns, zh)
    _distribution(rulesets["community"].title_zh if zh else rulesets["community"].title_en, rulesets["community"],
                  community_result.breakdowns, zh)

    every = [*[b for v in members.values() for b in v], *branch_result.breakdowns, *community_result.breakdowns]
    warned = Counter((w.id, w.zh if zh else w.en) for b in every for w in b.warnings)
    print("\n" + ("结构提示 (不影响得分)" if zh else "Structure warnings (never change the points)"))
    for (wid, text), n in sorted(warned.items()):
        print(f"  {wid:<5} {n:>5}  {text}")

    ranked_branches = _rank(branch_result.breakdowns)
    _table("党支部战斗力指数排名" if zh else "Branch ranking (combat-effectiveness index)", ranked_branches, zh)
    for cat in CATEGORIES:
        title = rulesets[cat].title_zh + "排名" if zh else f"Member ranking: {rulesets[cat].title_en}"
        _table(title, _rank(members[cat]), zh, top=5, bottom=3)

    member = _pick_example(members["in_service"])
    if member is not None:
        print("\n" + ("一名党员的完整得分说明" if zh else "One member's full explained breakdown"))
        print(member.to_text(lang))
    branch = _pick_example(branch_result.breakdowns)
    if branch is not None:
        print("\n" + ("一个党支部的完整得分说明" if zh else "One branch's full explained breakdown"))
        print(branch.to_text(lang))
    return 0 if not failures else 10


def _pick_example(scored: list[ScoreBreakdown]) -> ScoreBreakdown | None:
    """A subject with deductions and partial standards shows the most of an explanation."""
    def interest(b: ScoreBreakdown) -> tuple[int, int, str]:
        ded = sum(1 for ln in b.lines if ln.kind == "deduction")
        partial = sum(1 for ln in b.lines if ln.status == "partial")
        return (-(min(ded, 2) + min(partial, 2)), int(b.vetoed), b.subject_id)

    return min(scored, key=interest) if scored else None
