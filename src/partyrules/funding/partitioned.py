"""Funding allocated over a population scored on a cluster, by the rule of
:func:`partyrules.funding.allocate_frame` (and so of :func:`partyrules.funding.allocate`), to the fen.

Largest-remainder allocation needs two global facts: the sum of the weights, and which subjects hold the
``left`` largest remainders (ties: higher score, then smaller subject id). The sum is a reduction of exact
integers. The largest remainders are found by selection, not by sorting: each partition counts its remainders in
1,024 ranges, the counts are added, the range that holds the cut is split again, and so on until the cut is one
remainder value (at most six rounds for weights up to 10^18); subjects level at that value are told apart by
score, then by subject id, and only the ids of that last tie travel. Every amount is then set on its worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..distributed.cluster import gather
from ..distributed.table import PartitionedFrame
from .subjects import FundingError
from .table import check_funding_options, check_funding_scores

if TYPE_CHECKING:
    import polars as pl

__all__ = ["allocate_distributed"]

_BUCKETS = 1024


def _weights(frame: pl.DataFrame, basis: str, min_key: int) -> pl.DataFrame:
    import polars as pl

    check_funding_scores(frame, " in this partition")
    key = (pl.col("score") * 1_000_000).round(0).cast(pl.Int64)
    f = frame.select("subject_id", pl.col("vetoed").fill_null(False), key.alias("k"))
    weight = pl.col("k") if basis == "score" else pl.col("k") - min_key
    eligible = ~pl.col("vetoed") & ((pl.col("k") >= min_key) if basis == "score" else (pl.col("k") > min_key))
    w = pl.when(eligible).then(weight).otherwise(0).cast(pl.Int128)
    return f.with_columns(pl.when(w > 0).then(w).otherwise(0).cast(pl.Int128).alias("w"))


def _sums(f: pl.DataFrame) -> tuple[int, int]:
    return int(f["vetoed"].sum()), int(f["w"].sum()) if f.height else 0


def _base(f: pl.DataFrame, rest: int, total: int) -> pl.DataFrame:
    import polars as pl

    prod = pl.col("w") * pl.lit(rest, dtype=pl.Int128)
    return f.with_columns((prod // pl.lit(total, dtype=pl.Int128)).cast(pl.Int64).alias("base"),
                          (prod % pl.lit(total, dtype=pl.Int128)).alias("rem"))


def _base_sum(f: pl.DataFrame) -> int:
    return int(f["base"].sum()) if f.height else 0


def _bucket_counts(f: pl.DataFrame, lo: int, hi: int, width: int) -> tuple[int, dict[int, int]]:
    """Eligible subjects with a remainder at or above ``hi``, and per range of ``width`` in ``[lo, hi)``."""
    import polars as pl

    e = f.filter(pl.col("w") > 0)
    above = e.filter(pl.col("rem") >= pl.lit(hi, dtype=pl.Int128)).height
    inside = e.filter(pl.col("rem").is_between(pl.lit(lo, dtype=pl.Int128), pl.lit(hi, dtype=pl.Int128),
                                               closed="left"))
    b = ((pl.col("rem") - pl.lit(lo, dtype=pl.Int128)) // pl.lit(width, dtype=pl.Int128)).cast(pl.Int64)
    counts = inside.group_by(b.alias("b")).agg(pl.len())
    return above, dict(counts.iter_rows())


def _level_counts(f: pl.DataFrame, rem: int) -> dict[int, int]:
    import polars as pl

    at = f.filter((pl.col("w") > 0) & (pl.col("rem") == pl.lit(rem, dtype=pl.Int128)))
    return dict(at.group_by("k").agg(pl.len()).iter_rows())


def _first_ids(f: pl.DataFrame, rem: int, k: int, n: int) -> list[str]:
    import polars as pl

    at = f.filter((pl.col("w") > 0) & (pl.col("rem") == pl.lit(rem, dtype=pl.Int128)) & (pl.col("k") == k))
    return at.get_column("subject_id").sort().head(n).to_list()


def _amounts(f: pl.DataFrame, floor: int, cut: tuple[int, int, list[str]] | None) -> pl.DataFrame:
    import polars as pl

    if "base" not in f.columns:  # nothing to share out: floors only
        return f.select("subject_id", pl.when(pl.col("vetoed")).then(floor).otherwise(0).cast(pl.Int64)
                        .alias("amount_fen"))
    if cut is None:
        extra = pl.lit(False)
    else:
        rem, k, ids = cut
        r = pl.col("rem")
        at = r == pl.lit(rem, dtype=pl.Int128)
        extra = (pl.col("w") > 0) & ((r > pl.lit(rem, dtype=pl.Int128))
                                     | (at & (pl.col("k") > k))
                                     | (at & (pl.col("k") == k) & pl.col("subject_id").is_in(
                                         pl.Series(ids, dtype=pl.String).implode())))
    return f.select("subject_id", pl.when(pl.col("vetoed")).then(pl.lit(floor, dtype=pl.Int64))
                    .otherwise(pl.col("base") + extra.cast(pl.Int64)).alias("amount_fen"))


def _select(parts: PartitionedFrame, left: int, total: int) -> tuple[int, int, list[str]]:
    """The remainder value, score key and ids at which the ``left`` largest remainders are cut."""
    c = parts.client
    lo, hi = 0, total
    while hi - lo > 1:
        width = -(-(hi - lo) // _BUCKETS)
        results = gather(c, parts.map(_bucket_counts, lo, hi, width))
        taken = sum(a for a, _ in results)
        merged: dict[int, int] = {}
        for _, counts in results:
            for b, n in counts.items():
                merged[b] = merged.get(b, 0) + n
        for b in sorted(merged, reverse=True):
            if taken + merged[b] >= left:
                lo, hi = lo + b * width, min(lo + (b + 1) * width, hi)
                break
            taken += merged[b]
        else:  # pragma: no cover - left is below the number of eligible subjects, so some range holds the cut
            raise AssertionError("funding selection: the cut was not found")
    above = sum(a for a, _ in gather(c, parts.map(_bucket_counts, lo, lo + 1, 1)))
    need = left - above
    levels: dict[int, int] = {}
    for counts in gather(c, parts.map(_level_counts, lo)):
        for k, n in counts.items():
            levels[k] = levels.get(k, 0) + n
    for k in sorted(levels, reverse=True):
        if levels[k] >= need:
            ids = sorted(i for part in gather(c, parts.map(_first_ids, lo, k, need)) for i in part)[:need]
            return lo, k, ids
        need -= levels[k]
    raise AssertionError("funding selection: the level was not found")  # pragma: no cover


def allocate_distributed(pool_fen: int, entries: PartitionedFrame, *, basis: str = "score",
                         vetoed_floor_fen: int = 0, min_score: float = 0.0) -> tuple[PartitionedFrame, dict[str, int]]:
    """Allocate ``pool_fen`` over partitioned entries (``subject_id, score, vetoed`` per partition): ``(amounts,
    totals)`` as :func:`partyrules.funding.allocate_frame` gives them, the amounts one table per
    partition (``subject_id, amount_fen``), the same to the fen."""
    check_funding_options(pool_fen, basis=basis, vetoed_floor_fen=vetoed_floor_fen, min_score=min_score)
    weighted = entries.map_frame(_weights, basis, round(float(min_score) * 1_000_000))
    sums: Sequence[tuple[int, int]] = gather(entries.client, weighted.map(_sums))
    n_vetoed = sum(s[0] for s in sums)
    total = sum(s[1] for s in sums)
    floors = vetoed_floor_fen * n_vetoed
    if floors > pool_fen:
        raise FundingError(f"the floors of {n_vetoed} vetoed subject(s) ({floors} fen) exceed the pool of "
                           f"{pool_fen} fen", hint="lower vetoed_floor_fen or raise the pool")
    rest = pool_fen - floors
    if total == 0:
        return weighted.map_frame(_amounts, vetoed_floor_fen, None), \
            {"pool_fen": pool_fen, "allocated_fen": floors, "unallocated_fen": rest}
    based = weighted.map_frame(_base, rest, total)
    left = rest - sum(gather(entries.client, based.map(_base_sum)))
    cut = _select(based, left, total) if left > 0 else None
    amounts = based.map_frame(_amounts, vetoed_floor_fen, cut)
    return amounts, {"pool_fen": pool_fen, "allocated_fen": pool_fen, "unallocated_fen": 0}
