"""Diagnostics merged from the partitions' partial statistics equal the single-machine diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import partyrules as pr
from partyrules.analyse.diagnostics import Diagnostics, diagnose
from partyrules.analyse.diagnostics_partitioned import diagnose_distributed
from partyrules.distributed import score_distributed


def _same_tables(a: Diagnostics, b: Diagnostics) -> None:
    for name in ("rules", "dimensions", "correlations", "crowding", "vetoes"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert (a.subjects, a.coverage, a.notes) == (b.subjects, b.coverage, b.notes)
    assert a.findings(lang="zh") == b.findings(lang="zh")


@pytest.mark.parametrize("name", ["in_service", "retired", "new_citizen"])
def test_diagnostics_equal_single_machine(client: Any, parts_dir: Path, rulesets: dict[str, pr.RuleSet],
                                          single: dict[str, pr.PopulationScores], name: str) -> None:
    ds = score_distributed(rulesets[name], parts_dir, "2026", client=client)
    got = diagnose_distributed(ds, window=3.0, population_size=9_000)
    read = pr.read_population(parts_dir)
    want = diagnose(single[name], population=read.population, window=3.0)
    _same_tables(got, want)
    assert got.coverage["population"] == 9_000 and got.subjects == len(ds) > 0


def test_bad_arguments_are_named(client: Any, parts_dir: Path, rulesets: dict[str, pr.RuleSet],
                                 single: dict[str, pr.PopulationScores]) -> None:
    with pytest.raises(pr.PartyRulesError, match="DistributedScores"):
        diagnose_distributed(single["retired"])  # type: ignore[arg-type]
    ds = score_distributed(rulesets["retired"], parts_dir, "2026", client=client)
    with pytest.raises(pr.PartyRulesError, match="window"):
        diagnose_distributed(ds, window=0)
