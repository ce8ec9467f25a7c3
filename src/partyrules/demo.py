"""``partyrules demo``: score a generated sample population end to end with the rule set shipped in the package."""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from importlib import resources
from pathlib import Path

from .evaluate.evaluator import Evaluator
from .explain.breakdown import ScoreBreakdown
from .facts import MemberCategory
from .facts.generate import generate_member_facts
from .rulesets.loader import load_ruleset


def _pad(text: str, width: int) -> str:
    """Left-align by display width: CJK characters take two terminal columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return text + " " * max(0, width - used)


def example_ruleset_path() -> Path:
    """The example member index shipped in the package (until the full shipped rule sets exist)."""
    return Path(str(resources.files("partyrules") / "data" / "example" / "member-example.yaml"))


def run_demo(*, lang: str = "zh", members: int = 600, seed: int = 2026) -> int:
    zh = lang == "zh"
    t0 = time.perf_counter()
    rs = load_ruleset(example_ruleset_path())
    population = generate_member_facts(members, seed=seed, year=2026, category=MemberCategory.IN_SERVICE)
    t1 = time.perf_counter()
    result = Evaluator(rs).evaluate_many(population, "2026")
    t2 = time.perf_counter()
    scored = result.breakdowns
    print(f"{rs.title_zh if zh else rs.title_en} ({rs.id} {rs.version}, {rs.content_hash[:12]})")
    c = rs.counts()
    print(("{d} 个维度, {s} 条标准, {k} 条扣分细则, {v} 条一票否决, 满分 {m:g}" if zh else
           "{d} dimensions, {s} standards, {k} deductions, {v} vetoes, max {m:g}").format(
        d=c["dimensions"], s=c["standards"], k=c["deductions"], v=c["vetoes"], m=rs.max_points))
    print(("评分 {n} 名在职党员 (生成 {g:.2f}s, 评分 {e:.2f}s, {r:,.0f} 人/秒)" if zh else
           "Scored {n} in-service members (generated in {g:.2f}s, scored in {e:.2f}s, {r:,.0f} members/s)"
           ).format(
        n=len(scored), g=t1 - t0, e=t2 - t1, r=len(scored) / max(t2 - t1, 1e-9)))
    for f in result.failures:
        print(f"  ! {f}")

    grades = Counter(b.grade.id for b in scored)
    print("\n" + ("等次分布" if zh else "Grade distribution"))
    for g in rs.grades:
        n = grades.get(g.id, 0)
        bar = "█" * round(40 * n / max(1, len(scored)))
        print(f"  {_pad(g.zh if zh else g.en, 20)} {n:>5}  {bar}")

    ranked = sorted(scored, key=lambda b: (b.vetoed, -b.total, b.subject_id))
    print("\n" + ("排名 (前 8 名与后 4 名)" if zh else "Ranking (top 8 and bottom 4)"))
    header = (("名次", "党员", "总分", "等次", "主要失分") if zh
              else ("rank", "member", "total", "grade", "lost most at"))
    print(f"  {_pad(header[0], 5)}  {_pad(header[1], 10)} {_pad(header[2], 8)}  {_pad(header[3], 20)} {header[4]}")
    shown = [*enumerate(ranked[:8], 1), *[(len(ranked) - 3 + i, b) for i, b in enumerate(ranked[-4:])]]
    for rank, b in shown:
        if rank == len(ranked) - 3:
            print("  " + "·" * 5)
        reasons = ", ".join(r.code for r in b.reason_codes[:2])
        grade = _pad(b.grade.zh if zh else b.grade.en, 20)
        print(f"  {rank:>5}  {b.subject_id:<10} {b.total:>8.2f}  {grade} {reasons}")

    example = _pick_example(scored)
    if example is not None:
        print("\n" + ("一名党员的完整得分说明" if zh else "One member's full explained breakdown"))
        print(example.to_text(lang))
    vetoed = next((b for b in scored if b.vetoed), None)
    if vetoed is not None:
        print("\n" + ("一票否决示例" if zh else "A vetoed member"))
        print(vetoed.to_text(lang))
    return 0 if not result.failures else 10


def _pick_example(scored: list[ScoreBreakdown]) -> ScoreBreakdown | None:
    """A member with both deductions and partial standards shows the most of an explanation."""
    def interest(b: ScoreBreakdown) -> tuple[int, int, str]:
        ded = sum(1 for ln in b.lines if ln.kind == "deduction")
        partial = sum(1 for ln in b.lines if ln.status == "partial")
        return (-(min(ded, 2) + min(partial, 2)), int(b.vetoed), b.subject_id)

    return min(scored, key=interest) if scored else None
