"""Generated score tables for the table forms' tests (ranking, quota): a few branches and categories, scores on a
coarse grid so that ties are common, some probationary members and vetoes, rows in any order."""

from __future__ import annotations

import polars as pl
from hypothesis import strategies as st

# scores on a coarse grid so that ties are common, plus some off-grid values
SCORES = st.one_of(st.sampled_from([0.0, 55.5, 60.0, 70.25, 88.0, 90.0, 100.0]),
                   st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 6)))


@st.composite
def tables(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(1, 40))
    rows = [{"subject_id": f"M{i:04d}", "branch_id": draw(st.sampled_from(["B1", "B2", "B3", None])),
             "category": draw(st.sampled_from(["in_service", "retired"])),
             "status": draw(st.sampled_from(["full", "full", "probationary"])),
             "total": draw(SCORES), "vetoed": draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
             "grade": draw(st.sampled_from(["excellent", "excellent", "qualified", "unqualified"]))}
            for i in range(n)]
    order = draw(st.permutations(range(n)))
    return pl.DataFrame([rows[i] for i in order])
