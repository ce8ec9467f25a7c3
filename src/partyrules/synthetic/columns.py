"""Column helpers of the column generator (:mod:`.tables`): category shares, weighted draws, days, ids and list
columns built with numpy and polars, a whole column at a time."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import PartyRulesError
from ..facts.enums import MemberCategory
from ..facts.models import MeetingCounts
from .mixes import CATEGORY_MIX

_CATEGORIES = tuple(c.value for c in MemberCategory)
_NEW_CITIZEN_WORK = ("employed", "employed", "entrepreneur", "collective_economy")
_MEETINGS = tuple(MeetingCounts.model_fields)


def _shares(categories: Mapping[str, float] | None) -> np.ndarray:
    if categories is None:
        mix = {c.value: share for c, share in CATEGORY_MIX}
    else:
        unknown = [k for k in categories if k not in _CATEGORIES]
        if unknown:
            raise PartyRulesError(f"unknown member category {unknown[0]!r} in categories",
                                  hint="one of: " + ", ".join(_CATEGORIES))
        if any(not (v >= 0 and math.isfinite(v)) for v in categories.values()) or sum(categories.values()) <= 0:
            raise PartyRulesError("category shares must be finite, >= 0 and not all 0",
                                  hint="e.g. categories={'in_service': 1.0}")
        mix = dict(categories)
    p = np.array([float(mix.get(c, 0.0)) for c in _CATEGORIES])
    return p / p.sum()


def _weighted(rng: np.random.Generator, weighted: tuple[tuple[Any, float], ...], size: int) -> np.ndarray:
    items = np.array([str(getattr(k, "value", k)) for k, _ in weighted], dtype=object)
    w = np.array([float(x) for _, x in weighted])
    return items[rng.choice(len(items), size=size, p=w / w.sum())]


def _day_in_year(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """A uniform day of each given year, as numpy days."""
    start = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    end = (years + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    days = (end - start).astype(np.int64)
    return start + (rng.random(len(years)) * days).astype(np.int64)


def _ids(pl: Any, prefix: str, numbers: np.ndarray, width: int) -> Any:
    return pl.format(prefix + "{}", pl.lit(pl.Series(numbers)).cast(pl.String).str.zfill(width))


def _lists(pl: Any, flat: Any, lengths: np.ndarray) -> Any:
    """A list column from the values of all lists one after another and each list's length.

    Arrow builds it from the offsets without copying; without pyarrow, polars groups the values (slower)."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = flat.cast(pl.String)
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - the analysis extra installs pyarrow
        who = np.repeat(np.arange(len(lengths)), lengths)
        grouped = pl.DataFrame({"who": who, "v": flat}).group_by("who", maintain_order=True).agg("v")
        return (pl.DataFrame({"who": np.arange(len(lengths))}).join(grouped, on="who", how="left",
                                                                    maintain_order="left")
                .get_column("v").fill_null(pl.lit([], pl.List(pl.String))))
    values = pa.array(flat.to_arrow()).cast(pa.large_string())
    return pl.Series(pa.LargeListArray.from_arrays(pa.array(offsets), values)).cast(pl.List(pl.String))


def _set_lists(pl: Any, mask: np.ndarray, names: list[str]) -> Any:
    """Lists of the ``names`` whose column in ``mask`` (rows x names) is true, in the order of ``names``."""
    rows, cols = np.nonzero(mask)
    return _lists(pl, pl.Series(names).gather(cols), np.bincount(rows, minlength=mask.shape[0]))


def _masked(pl: Any, values: Any, keep: np.ndarray) -> Any:
    """A column of ``values`` that is null where ``keep`` is false."""
    return pl.select(pl.when(pl.lit(pl.Series(keep))).then(pl.lit(pl.Series(values)))).to_series()


def _pick(pl: Any, names: tuple[str, ...] | list[str], index: np.ndarray) -> Any:
    return pl.Series(list(names), dtype=pl.String).gather(index)
