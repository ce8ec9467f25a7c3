"""The assessment year's progress: run_year tells each stage with counts and only watches; ``partyrules year``
draws the counts on a terminal (or with --progress) and nothing in a pipe."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from partyrules.cli import main
from partyrules.cycle.year import YEAR_STAGES, YearOptions, YearResult, run_year, shipped_rulesets
from partyrules.synthetic import SubDistrict, generate_subdistrict

YEAR = 2026


@cache
def area() -> SubDistrict:
    # more subjects than one progress chunk (100), so scoring is told in several steps
    return generate_subdistrict(seed=4, communities=3, organisations=8, members=140)


def _canonical(y: YearResult) -> str:
    return json.dumps(y.tables(), sort_keys=True, ensure_ascii=False, default=str)


def _run(progress=None) -> YearResult:
    a = area()
    return run_year(a.members, a.branches, a.communities, year=YEAR, rulesets=list(shipped_rulesets().values()),
                    options=YearOptions(funding_pool_fen=1_000_000), progress=progress)


def test_every_stage_reaches_its_total_and_the_result_is_unchanged():
    seen: list[tuple[str, int, int]] = []
    watched = _run(lambda stage, done, total: seen.append((stage, done, total)))
    stages = list(dict.fromkeys(s for s, _, _ in seen))
    assert stages == list(YEAR_STAGES)
    a = area()
    for stage in YEAR_STAGES:
        counts = [(d, t) for s, d, t in seen if s == stage]
        assert counts[0][0] == 0 and counts[-1][0] == counts[-1][1], (stage, counts)
        assert [d for d, _ in counts] == sorted(d for d, _ in counts)  # counts only go up
        assert len({t for _, t in counts}) == 1
    scoring = [(d, t) for s, d, t in seen if s == "scoring"]
    assert scoring[-1][1] == len(a.members) + len(a.branches) and len(scoring) > 2
    assert [(d, t) for s, d, t in seen if s == "communities"][-1] == (len(a.communities), len(a.communities))
    assert _canonical(watched) == _canonical(_run())
    assert [(f.index, f.subject_id) for f in watched.failures] == [(f.index, f.subject_id) for f in _run().failures]


def _population(tmp_path: Path) -> Path:
    a = area()
    pop = tmp_path / "population.jsonl"
    pop.write_text("\n".join(x.model_dump_json() for x in (*a.members[:20], *a.branches[:3], *a.communities))
                   + "\n", encoding="utf-8")
    return pop


def test_piped_output_has_no_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["year", str(_population(tmp_path)), "--year", str(YEAR), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0
    assert "partyrules:" not in err and "scoring" not in err and "━" not in err
    assert "members" in out


def test_progress_on_demand_shows_counts_per_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch):
    # a console large enough for every bar: rich crops what does not fit a small one
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("LINES", "60")
    code = main(["year", str(_population(tmp_path)), "--year", str(YEAR), "--out", str(tmp_path / "out"),
                 "--progress"])
    err = capsys.readouterr().err
    assert code == 0
    assert "2026: scoring" in err and "23/23" in err
    assert "2026: communities" in err and f"{len(area().communities)}/{len(area().communities)}" in err
    assert "2026: quota and ranking" in err and "2026: funding" in err and "2026: star targets" in err
