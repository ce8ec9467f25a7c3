"""A base-vs-reform comparison over a distributed population equals the single-machine comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

import partyrules as pr
from partyrules.comparison import compare_distributed
from partyrules.distributed import parquet_partitions, score_distributed
from partyrules.errors import ComparisonError

REFORMS = Path(__file__).resolve().parents[2] / "rulesets" / "reforms"


@pytest.mark.parametrize(("index", "reform_file"), [("in_service", "service-weight-30.yaml"),
                                                   ("in_service", "organ-volunteering-150.yaml")])
def test_comparison_equals_single_machine(client: Any, parts_dir: Path, rulesets: dict[str, pr.RuleSet],
                                          single: dict[str, pr.PopulationScores], index: str,
                                          reform_file: str) -> None:
    base_rs = rulesets[index]
    reform_rs = pr.apply_reform(base_rs, pr.load_reform(REFORMS / reform_file))
    read = pr.read_population(parts_dir)
    single_reform = pr.score_population(reform_rs, read.population, "2026")
    subjects = read.population.subjects
    groups = subjects.select("subject_id", pl.col("branch_id").str.slice(0, 3).alias("district"))
    opts: dict[str, Any] = {"by": ("category", "district"), "groups": groups, "top_k": 25,
                            "funding_pool": 123_456_789, "funding_options": {"min_score": 60.0}}
    want = pr.compare(single[index], single_reform, **opts)
    source = parquet_partitions(parts_dir)  # one source object for both sides, as the CLI has it
    base = score_distributed(base_rs, source, "2026", client=client)
    reform = score_distributed(reform_rs, source, "2026", client=client)
    got = compare_distributed(base, reform, **opts)
    assert got.notes == want.notes and got.by == want.by
    for name in ("transition_counts", "transitions", "kendall_tau", "top_k_overlap", "rule_effects",
                 "funding_by_group"):
        assert getattr(got, name).equals(getattr(want, name)), name
    assert got.transition_matrix("district", want.transition_counts["group"][-1]).equals(
        want.transition_matrix("district", want.transition_counts["group"][-1]))
    assert got.summary() == want.summary()
    assert got.funding_totals == want.funding_totals
    assert got.wide.compute().sort("subject_id").equals(want.wide)
    assert got.moved.compute().sort("subject_id").equals(want.moved)
    assert got.attribution.compute().sort("subject_id", maintain_order=True).equals(want.attribution)
    assert got.funding is not None and want.funding is not None
    assert got.funding.compute().sort("subject_id").equals(want.funding.sort("subject_id"))
    assert want.summary()["moved"] > 0  # the reform moves someone: the comparison is not trivially equal
    # an unknown grouping column is the same error on both, never a silent skip
    for run in (lambda: pr.compare(single[index], single_reform, by=("nonexistent",)),
                lambda: compare_distributed(base, reform, by=("nonexistent",))):
        with pytest.raises(ComparisonError, match="unknown grouping column 'nonexistent'"):
            run()


def test_sides_from_different_partitions_are_refused(client: Any, parts_dir: Path, tmp_path: Path,
                                                     rulesets: dict[str, pr.RuleSet]) -> None:
    from partyrules.synthetic import write_generated

    other = tmp_path / "other"
    write_generated(2_000, other, seed=2, partition_size=1_000)
    a = score_distributed(rulesets["retired"], parts_dir, "2026", client=client)
    b = score_distributed(rulesets["retired"], other, "2026", client=client)
    with pytest.raises(ComparisonError, match="different partitions"):
        compare_distributed(a, b)
    with pytest.raises(ComparisonError, match="top_k"):
        compare_distributed(a, a, top_k=0)
