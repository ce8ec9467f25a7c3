"""Fixtures of the tests of the partitioned forms (tests/distributed/ and the partitioned tests of each concept
package): one LocalCluster of three worker processes for the session, and generated populations written as
partitioned Parquet, scored on one machine as the yardstick. A pytest plugin of tests/conftest.py, so that every
directory shares the one cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import partyrules as pr
from partyrules.shipped_rulesets import shipped_ruleset_path

MEMBER_INDICES = ("in_service", "retired", "new_citizen")


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    import dask

    from partyrules.distributed import connect

    # a lost task fails its test after five minutes without progress instead of holding the suite
    with dask.config.set({"partyrules.stall-seconds": 300}):
        c = connect(n_workers=3, threads_per_worker=1, memory_limit="2GiB")
        try:
            yield c
        finally:
            c.close()


@pytest.fixture(scope="session")
def parts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from partyrules.synthetic import write_generated  # numpy and polars: only when asked for

    d = tmp_path_factory.mktemp("parts")
    write_generated(9_000, d, seed=11, partition_size=1_500)
    return d


@pytest.fixture(scope="session")
def rulesets() -> dict[str, pr.RuleSet]:
    return {name: pr.load_ruleset(shipped_ruleset_path(name)) for name in MEMBER_INDICES}


class Scored(tuple):  # type: ignore[type-arg]
    """(distributed scores, single-machine frame), with a short repr for hypothesis' reports."""

    def __repr__(self) -> str:
        return "<in-service scores, distributed and single-machine>"


@pytest.fixture(scope="session")
def single(parts_dir: Path, rulesets: dict[str, pr.RuleSet]) -> dict[str, pr.PopulationScores]:
    """The single-machine scores of the whole directory read as one population."""
    read = pr.read_population(parts_dir)
    assert read.ok
    return {name: pr.score_population(rs, read.population, "2026") for name, rs in rulesets.items()}


@pytest.fixture(scope="session")
def scored(client: Any, parts_dir: Path, rulesets: dict[str, pr.RuleSet],
           single: dict[str, pr.PopulationScores]) -> tuple[Any, Any]:
    """The in-service index scored on the cluster, and the same scores' single-machine frame."""
    from partyrules.distributed import score_distributed

    ds = score_distributed(rulesets["in_service"], parts_dir, "2026", client=client)
    return Scored((ds, single["in_service"].frame))
