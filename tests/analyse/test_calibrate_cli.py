"""docs/calibrate.md runs as written (the issue's quota met on the demo population, the refusal of a fifth, the
parameter example), ``partyrules calibrate`` in both languages with its exit codes and ``--save``, the demo's
section, and the result's HTML display."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from partyrules.analyse.reform import apply_reform, load_reform
from partyrules.cli import main
from partyrules.rulesets.loader import load_ruleset
from partyrules.shipped_rulesets import shipped_ruleset_path

DOC = Path(__file__).resolve().parents[2] / "docs" / "calibrate.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def doc_run():
    namespace: dict[str, object] = {}
    outputs = []
    import contextlib
    import io

    for block in _blocks("python"):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(block, str(DOC), "exec"), namespace)  # the docs' own examples
        outputs.append(buf.getvalue())
    return namespace, outputs


def test_the_docs_examples_run_and_print_what_the_page_shows(doc_run):
    _, outputs = doc_run
    shown = _blocks("text")
    assert outputs[0].strip() == shown[0].strip()  # the quota met on the demo population
    assert outputs[1].strip() == shown[1].strip()  # a fifth refused, with the closest shares
    assert "values scored of 37" in outputs[2]


def test_the_docs_result_displays_itself(doc_run):
    namespace, _ = doc_run
    html = namespace["result"]._repr_html_()  # type: ignore[attr-defined]
    assert "<table" in html and "organ_volunteer_hours" in html and "✓" in html


def test_cli_demo_in_chinese_saves_a_reform_whatif_reads(tmp_path, capsys):
    out_file = tmp_path / "reform.yaml"
    code = main(["calibrate", "--demo", "--target", "优秀<=1/3 per branch", "--target", "warning~10%",
                 "--save", str(out_file)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "校准结果" in out and "优秀 至多 33.33% (每个支部)" in out and "(满足)" in out and "等次变化" in out
    reform = load_reform(out_file)
    rs = apply_reform(load_ruleset(shipped_ruleset_path("in_service")), reform)
    assert [g.at_least for g in rs.grades][:2] == [92.683334, 66.96859]
    # and partyrules whatif reads it
    from partyrules.synthetic import generate_subdistrict

    population = tmp_path / "members.jsonl"
    population.write_text("".join(m.model_dump_json() + "\n" for m in generate_subdistrict(seed=2026).members[:200]),
                          encoding="utf-8")
    assert main(["whatif", "in_service", "--reform", str(out_file), "--population", str(population)]) == 0
    assert "2026.1+reform.calibrated-cutoffs" in capsys.readouterr().out


def test_cli_refusal_exits_7_naming_the_targets(capsys):
    code = main(["calibrate", "--demo", "--target", "优秀<=1/3 per branch", "--target", "优秀~20%", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 7
    assert "No solution" in err and "the closest is 0.57%" in err and "in every branch" in err
    code = main(["calibrate", "--demo", "--target", "优秀<=1/3 per branch", "--target", "优秀~20%",
                 "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 7 and data["solution"] is None and len(data["unmet"]) == 2


@pytest.mark.parametrize("argv,needle", [
    (["--target", "优秀<=1/3 per galaxy"], "galaxy"),
    (["--target", "Excelent<=1/3"], "not a grade"),
    (["--target", "warning<=10%", "--param", "organ_volunteer_hours"], "--range"),
])
def test_cli_bad_targets_exit_2_with_one_line(argv, needle, capsys):
    assert main(["calibrate", "--demo", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_demo_section_shows_the_quota_met(capsys):
    from partyrules.cycle.year import shipped_rulesets
    from partyrules.demo import _calibrate_section
    from partyrules.synthetic import generate_subdistrict

    _calibrate_section(generate_subdistrict(seed=2026), shipped_rulesets(), "en")
    out = capsys.readouterr().out
    assert "Excellent at most 33.33% in every branch: 0%..14.29% (met)" in out
    assert "about a fifth overall cannot go with" in out
