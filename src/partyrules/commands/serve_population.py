"""The population ``partyrules serve`` shows on its pages: ``--population PATH`` (the files ``partyrules year``
reads) or ``--demo`` (the seeded sample sub-district of ``partyrules demo``). The year is run on the first page
that needs it, not here, so the service starts at once."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import FactError
from .common import error_line, yuan_to_fen


def add_population_args(s: argparse.ArgumentParser) -> None:
    """The options of the pages' population."""
    s.add_argument("--population", metavar="PATH", action="append", default=None,
                   help="member, branch and community facts for the pages (/pages/zh/, /pages/en/): JSON or "
                        "JSON-lines files, directories of CSV or Parquet tables, or .xlsx workbooks (repeatable)")
    s.add_argument("--demo", action="store_true",
                   help="show the seeded sample sub-district of `partyrules demo` on the pages")
    s.add_argument("--year", type=int, default=None,
                   help="the assessment year of --population (default: the year of its latest monthly record)")
    s.add_argument("--funding-pool-yuan", type=yuan_to_fen, default=None, metavar="YUAN",
                   help="the 以奖代补 pool the pages share among branches (--demo: 500000)")


def _latest_year(subjects: list[Any]) -> int | None:
    months = [r.month for f in subjects for r in getattr(f, "records", ())]
    return int(max(months)[:4]) if months else None


def year_source_from(args: argparse.Namespace, rulesets: list[Any]) -> Any:
    """The pages' population, None without --population or --demo. Rows that cannot be read are reported on
    stderr and left out; a path that cannot be read at all raises :class:`FactError`."""
    from ..cycle.year import YearOptions
    from ..service.yearview import YearSource

    if args.demo:
        source = YearSource.demo(rulesets=rulesets)
        if args.funding_pool_yuan is not None:
            source.options = YearOptions(funding_pool_fen=args.funding_pool_yuan)
        return source
    if not args.population:
        return None
    from .population_files import read_bundles

    found: dict[str, list[Any]] = {"member": [], "branch": [], "community": []}
    for path in args.population:
        for row in read_bundles(path):
            if row.facts is None:
                print(error_line("serve", f"row {row.number}: {row.error}", path), file=sys.stderr)
                continue
            found[str(type(row.facts).subject_kind)].append(row.facts)
    year = args.year or _latest_year([*found["member"], *found["branch"]])
    if year is None:
        raise FactError("the population has no monthly records to take its year from / 无法确定考核年度",
                        hint="give the year: --year 2026")
    return YearSource(year, found["member"], found["branch"], found["community"], rulesets,
                      YearOptions(funding_pool_fen=args.funding_pool_yuan), label=", ".join(args.population))
