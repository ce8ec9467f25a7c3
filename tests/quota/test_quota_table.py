"""The quota over score tables follows its definition (written plainly here) on generated tables."""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.quota import quota_fraction, quota_frame
from partyrules.shipped_rulesets import shipped_ruleset_path
from score_tables import tables


def _quota_model(frame: pl.DataFrame, share: Fraction) -> dict[str, bool]:
    """The quota by its definition, written plainly: per branch, graded = not probationary."""
    branches: dict[str, list[dict]] = defaultdict(list)
    for r in frame.iter_rows(named=True):
        if r["status"] != "probationary":
            branches[r["branch_id"] or ""].append(r)
    demoted: dict[str, bool] = {}
    for members in branches.values():
        allowed = math.floor(len(members) * share)
        holders = sorted((m for m in members if m["grade"] == "excellent"),
                         key=lambda m: (-round(m["total"] * 1_000_000), m["subject_id"]))
        for i, m in enumerate(holders):
            demoted[m["subject_id"]] = i >= allowed
        for m in members:
            demoted.setdefault(m["subject_id"], False)
    return demoted


@settings(max_examples=60)
@given(frame=tables(), share=st.sampled_from([0.0, 0.2, 0.333333, 0.5]))
def test_quota_follows_its_definition(frame: pl.DataFrame, share: float) -> None:
    rs = pr.load_ruleset(shipped_ruleset_path("retired")).with_params(excellent_quota_share=share)
    got = quota_frame(frame, rs)
    want = _quota_model(frame, quota_fraction(share))
    assert dict(zip(got["subject_id"], got["demoted"], strict=True)) == want
    assert (got.filter(pl.col("demoted"))["grade"] == "qualified").all()
    assert got.filter(~pl.col("demoted"))["grade"].equals(got.filter(~pl.col("demoted"))["grade_before_quota"])
