"""Kendall's tau-b from a count table of pairs: exact integer pair counts in O(m log m) for m distinct pairs, so
that the count tables of partitions add up and stand for any number of subjects."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["kendall_tau_b"]


def _exact_sum(a: np.ndarray) -> int:
    """The exact sum of non-negative int64 values (numpy's int64 sum could overflow): high and low halves apart."""
    return (int((a >> 32).sum()) << 32) + int((a & 0xFFFFFFFF).sum())


def _tie_terms(counts: np.ndarray) -> tuple[int, int, int]:
    """For the sizes ``c`` of the groups of tied values: the sums of c(c-1)/2, c(c-1)(c-2) and c(c-1)(2c+5), the tie
    terms of tau-b and of its variance, as exact integers."""
    import numpy as np

    c = counts[counts > 1].astype(np.int64)
    if not c.size:
        return 0, 0, 0
    if int(c.max()) <= 1 << 20:  # every product below 2**62: int64 holds the terms
        return (_exact_sum(c * (c - 1) // 2), _exact_sum(c * (c - 1) * (c - 2)),
                _exact_sum(c * (c - 1) * (2 * c + 5)))
    values = [int(v) for v in c]
    return (sum(v * (v - 1) // 2 for v in values), sum(v * (v - 1) * (v - 2) for v in values),
            sum(v * (v - 1) * (2 * v + 5) for v in values))


def _weighted_inversions(ranks: np.ndarray, weights: np.ndarray) -> int:
    """The weighted number of pairs ``i < j`` with ``ranks[i] > ranks[j]``, each counting ``weights[i] *
    weights[j]``, in O(m log m).

    A pair out of order first differs in some bit ``b`` of the ranks, where the earlier one has a 1 and the later
    one a 0, and agrees above ``b``. So for each bit, from the highest, the elements are kept grouped by their bits
    above ``b`` (in their original order within a group), and each 0 counts the weight of the 1s before it in its
    group; then each group is split stably by bit ``b``, which keeps the grouping for the next bit.
    """
    import numpy as np

    m = ranks.size
    if m < 2:
        return 0
    r = ranks.astype(np.int64)
    w = weights.astype(np.int64)
    idx = np.arange(m, dtype=np.int64)
    out = 0
    for b in range(int(r.max()).bit_length() - 1, -1, -1):
        prefix = r >> (b + 1)
        first = np.empty(m, dtype=bool)
        first[0] = True
        np.not_equal(prefix[1:], prefix[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        gid = np.cumsum(first) - 1
        gs = starts[gid]  # where each element's group starts
        bit = (r >> b) & 1
        ones_w = w * bit
        before = np.cumsum(ones_w) - ones_w
        before -= before[gs]  # weight of the 1s before each element in its group
        zero = bit == 0
        out += _exact_sum(w[zero] * before[zero])
        z = (1 - bit)
        zb = np.cumsum(z) - z
        zb -= zb[gs]  # 0s before each element in its group
        zeros_in_group = np.add.reduceat(z, starts)[gid]
        pos = gs + np.where(zero, zb, zeros_in_group + (idx - gs - zb))
        r_next = np.empty_like(r)
        w_next = np.empty_like(w)
        r_next[pos] = r
        w_next[pos] = w
        r, w = r_next, w_next
    return out


def kendall_tau_b(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray,
                  counts: Sequence[int] | np.ndarray | None = None) -> tuple[float | None, float | None]:
    """Kendall's tau-b of the pairs ``(x[i], y[i])``, each counted ``counts[i]`` times (once without ``counts``),
    and its two-sided p-value under the normal approximation with the tie correction (as
    ``scipy.stats.kendalltau(x, y, variant="b", method="asymptotic")``).

    Pair counts are exact integers and the work is O(m log m) in the number m of rows, so a count table of
    distinct pairs (as :class:`ComparisonStats` keeps) stands for any number of subjects. ``(None, None)`` when
    tau-b is undefined: fewer than 2 pairs, or all x or all y equal. With exactly 2 pairs the variance term that
    divides by n - 2 is 0 (no value can be tied three times), where scipy divides by zero.
    """
    import numpy as np

    xs = np.asarray(x, dtype=np.float64) + 0.0  # adding 0.0 turns -0.0 into 0.0, which sorts with it
    ys = np.asarray(y, dtype=np.float64) + 0.0
    w = np.ones(xs.size, dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    if not xs.size == ys.size == w.size:
        raise ValueError(f"x, y and counts differ in length ({xs.size}, {ys.size}, {w.size})")
    if (w < 0).any():
        raise ValueError("counts must be non-negative")
    keep = w > 0
    xs, ys, w = xs[keep], ys[keep], w[keep]
    if not xs.size:
        return None, None
    order = np.lexsort((ys, xs))
    xs, ys, w = xs[order], ys[order], w[order]
    distinct = np.flatnonzero(np.r_[True, (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])])
    w = np.add.reduceat(w, distinct)  # equal pairs given twice count as one row with their counts summed
    xs, ys = xs[distinct], ys[distinct]
    n = _exact_sum(w)
    tot = n * (n - 1) // 2
    x_runs = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    xtie, x0, x1 = _tie_terms(np.add.reduceat(w, x_runs))
    y_rank = np.unique(ys, return_inverse=True)[1].reshape(-1)
    # float sums of integer counts are exact below 2**53 subjects
    ytie, y0, y1 = _tie_terms(np.bincount(y_rank, weights=w).astype(np.int64))
    if n < 2 or xtie == tot or ytie == tot:
        return None, None
    ntie = _tie_terms(w)[0]
    # in (x, y) order, a pair is discordant exactly when its y ranks are out of order
    dis = _weighted_inversions(y_rank, w)
    con_minus_dis = tot - xtie - ytie + ntie - 2 * dis
    tau = min(1.0, max(-1.0, con_minus_dis / math.sqrt(tot - xtie) / math.sqrt(tot - ytie)))
    m = n * (n - 1)
    var = (m * (2 * n + 5) - x1 - y1) / 18 + (2 * xtie * ytie) / m + (x0 * y0 / (9 * m * (n - 2)) if n > 2 else 0.0)
    if not var > 0:
        return tau, None
    return tau, math.erfc(abs(con_minus_dis) / math.sqrt(var) / math.sqrt(2.0))
