"""The demo's counts of the seed systems it adds (checklist acceptance, mobile members, the year-end post
appraisal) are the engine's, one subject at a time, although the demo scores them as tables."""

from __future__ import annotations

from partyrules.cycle.year import shipped_rulesets
from partyrules.demo import _duties_counts
from partyrules.evaluate.evaluator import Evaluator
from partyrules.synthetic import generate_subdistrict
from partyrules.synthetic.duties import add_duties


def test_the_duties_counts_are_the_engines() -> None:
    area = add_duties(generate_subdistrict(seed=5, communities=3, organisations=12, members=240), seed=5)
    rulesets = shipped_rulesets()
    got = _duties_counts(area, rulesets)
    whole = str(area.year)
    in_service, branch = Evaluator(rulesets["in_service"]), Evaluator(rulesets["branch"])
    appraised = [m for m in area.members_in("in_service") + area.members_in("mobile")
                 if m.annual is not None and m.annual.post_appraisal is not None]
    assert got["examined"] == len(appraised) > 0
    assert got["sc9"] == sum(any(w.id == "SC9" for w in in_service.evaluate(m, whole).warnings) for m in appraised)
    resettlement = [b for b in area.branches if b.branch.branch_type == "resettlement_area"]
    assert got["sc10"] == sum(any(w.id == "SC10" for w in branch.evaluate(b, whole).warnings) for b in resettlement)
    mobile = [in_service.evaluate(m, whole).total for m in area.members_in("mobile")]
    assert got["mobile"] == len(mobile)
    assert abs(got["mobile_avg"] - (sum(mobile) / len(mobile) if mobile else 0.0)) < 1e-9


def test_the_demo_without_its_extra_says_so_in_one_line(monkeypatch, capsys) -> None:
    """Regression: without the demo extra the demo ran the year on the engine and then failed with a traceback
    (numpy missing) in a later section."""
    import importlib.util

    from partyrules.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name, *a))
    assert main(["demo", "--lang", "en"]) != 0
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "openpyxl" in err and 'pip install "partyrules[demo]"' in err and "Traceback" not in err
