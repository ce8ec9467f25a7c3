"""The quota of a population scored on a cluster, after a shuffle by branch, equals the single-machine one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

import partyrules as pr
from partyrules.distributed import score_distributed
from partyrules.quota import quota_distributed, quota_frame


def test_quota_after_a_shuffle_by_branch_equals_single_machine(client: Any, parts_dir: Path,
                                                               rulesets: dict[str, pr.RuleSet]) -> None:
    # thresholds lowered so that many members reach the quota's grade and some branches overflow it
    rs = rulesets["retired"]
    read = pr.read_population(parts_dir)
    low = rs.with_params(excellent_quota_share=0.2)
    want = pr.score_population(low, read.population, "2026").frame
    ds = score_distributed(low, parts_dir, "2026", client=client)
    got = pl.from_pandas(quota_distributed(ds).compute()).sort("subject_id")
    assert got.equals(quota_frame(want, low).sort("subject_id"))
    assert got["demoted"].sum() > 0  # some branches overflow: the quota did something
