"""Funding by index over a table (``subject_id, score, vetoed``): the rule of :func:`partyrules.funding.allocate`
in integer column arithmetic, for populations of millions, with the checks the partitioned form shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .subjects import FundingError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["allocate_frame", "check_funding_options", "check_funding_scores", "funding_entries"]


def check_funding_options(pool_fen: int, *, basis: str = "score", vetoed_floor_fen: int = 0,
                          min_score: float = 0.0) -> None:
    """Raise :class:`FundingError` for a pool, floor, basis or pass line that :func:`allocate_frame` (and the
    distributed allocation) cannot take."""
    for name, value in (("the pool", pool_fen), ("vetoed_floor_fen", vetoed_floor_fen)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FundingError(f"{name} must be a non-negative integer number of fen, got {value!r}",
                               hint="1 yuan = 100 fen, e.g. 500000 for 5000 yuan")
    if basis not in ("score", "excess"):
        raise FundingError(f"unknown basis {basis!r}", hint="use 'score' or 'excess'")
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not 0 <= min_score <= 100:
        raise FundingError(f"min_score must be a number in 0..100, got {min_score!r}", hint="e.g. 60, a pass line")


def check_funding_scores(entries: pl.DataFrame, where: str = "") -> None:
    """Raise :class:`FundingError` naming the first subject whose ``score`` is missing, NaN or outside 0..100."""
    import polars as pl

    bad = entries.filter(pl.col("score").is_null() | pl.col("score").is_nan() | (pl.col("score") < 0)
                         | (pl.col("score") > 100))
    if bad.height:
        raise FundingError(f"{bad['subject_id'][0]!r}: the score must be a finite number in 0..100, got "
                           f"{bad['score'][0]!r} ({bad.height} such subject(s){where})",
                           hint="funding by index needs scores on a 0..100 scale")


def allocate_frame(pool_fen: int, entries: pl.DataFrame, *, basis: str = "score", vetoed_floor_fen: int = 0,
                   min_score: float = 0.0) -> tuple[pl.DataFrame, dict[str, int]]:
    """The rule of :func:`partyrules.funding.allocate` over a frame (``subject_id, score, vetoed``), in
    integer column arithmetic: ``(subject_id, amount_fen)`` and ``{pool_fen, allocated_fen, unallocated_fen}``.

    Scores are taken as whole millionths (nearest, ties to even), as breakdowns give them; weights and quotas are
    exact 128-bit integers, leftover fen go to the largest remainders (ties: higher score, then subject id), so
    the amounts equal ``allocate``'s for the same entries.
    """
    import polars as pl

    check_funding_options(pool_fen, basis=basis, vetoed_floor_fen=vetoed_floor_fen, min_score=min_score)
    check_funding_scores(entries)
    n_vetoed = int(entries["vetoed"].sum()) if entries.height else 0
    floors = vetoed_floor_fen * n_vetoed
    if floors > pool_fen:
        raise FundingError(f"the floors of {n_vetoed} vetoed subject(s) ({floors} fen) exceed the pool of "
                           f"{pool_fen} fen", hint="lower vetoed_floor_fen or raise the pool")
    rest = pool_fen - floors
    i128 = pl.Int128
    min_key = round(float(min_score) * 1_000_000)
    key = (pl.col("score") * 1_000_000).round(0).cast(pl.Int64)
    f = entries.select("subject_id", "vetoed", key.alias("k"))
    weight = pl.col("k") if basis == "score" else pl.col("k") - min_key
    eligible = ~pl.col("vetoed") & ((pl.col("k") >= min_key) if basis == "score" else (pl.col("k") > min_key))
    f = f.with_columns(pl.when(eligible).then(weight).otherwise(0).cast(i128).alias("w"))
    f = f.with_columns(pl.when(pl.col("w") > 0).then(pl.col("w")).otherwise(0).cast(i128).alias("w"))
    total = int(f["w"].sum()) if f.height else 0
    if total == 0:
        amounts = f.select("subject_id", pl.when(pl.col("vetoed")).then(vetoed_floor_fen).otherwise(0)
                           .cast(pl.Int64).alias("amount_fen"))
        return amounts, {"pool_fen": pool_fen, "allocated_fen": floors, "unallocated_fen": rest}
    prod = pl.col("w") * pl.lit(rest, dtype=i128)
    f = f.with_columns((prod // pl.lit(total, dtype=i128)).cast(pl.Int64).alias("base"),
                       (prod % pl.lit(total, dtype=i128)).alias("rem"))
    left = rest - int(f["base"].sum())
    f = f.with_columns((pl.col("w") > 0).alias("e")).sort(["e", "rem", "k", "subject_id"],
                                                          descending=[True, True, True, False])
    f = f.with_columns((pl.int_range(pl.len()) < left).alias("extra"))
    amounts = f.select("subject_id", pl.when(pl.col("vetoed")).then(pl.lit(vetoed_floor_fen, dtype=pl.Int64))
                       .otherwise(pl.col("base") + pl.col("extra").cast(pl.Int64)).alias("amount_fen"))
    return amounts, {"pool_fen": pool_fen, "allocated_fen": pool_fen, "unallocated_fen": 0}


def funding_entries(frame: pl.DataFrame) -> pl.DataFrame:
    """The entries of a score table for funding: ``subject_id, score`` (the total) and ``vetoed``."""
    return frame.select("subject_id", frame.get_column("total").alias("score"), "vetoed")
