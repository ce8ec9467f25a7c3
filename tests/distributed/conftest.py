"""Fixtures of the distributed tests: one LocalCluster of three worker processes for the session, and generated
populations written as partitioned Parquet, scored on one machine as the yardstick."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import partyrules as pr
from partyrules.distributed import connect
from partyrules.population.generate import write_generated
from partyrules.shipped_rulesets import shipped_ruleset_path

MEMBER_INDICES = ("in_service", "retired", "new_citizen")


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    c = connect(n_workers=3, threads_per_worker=1, memory_limit="2GiB")
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="session")
def parts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("parts")
    write_generated(9_000, d, seed=11, partition_size=1_500)
    return d


@pytest.fixture(scope="session")
def rulesets() -> dict[str, pr.RuleSet]:
    return {name: pr.load_ruleset(shipped_ruleset_path(name)) for name in MEMBER_INDICES}


@pytest.fixture(scope="session")
def single(parts_dir: Path, rulesets: dict[str, pr.RuleSet]) -> dict[str, pr.PopulationScores]:
    """The single-machine scores of the whole directory read as one population."""
    read = pr.read_population(parts_dir)
    assert read.ok
    return {name: pr.score_population(rs, read.population, "2026") for name, rs in rulesets.items()}
