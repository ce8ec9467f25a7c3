"""Writing and reading a population as an .xlsx workbook against the bare floor of the same library.

The floor is openpyxl in write-only mode writing the same cells with no headers, notes, formats or checks (and, for
reading, iterating every cell in read-only mode without parsing): what any .xlsx path over openpyxl costs. Prints
``name: value`` lines and the ratios (the same run, so machine load cancels out).

    python benchmarks/bench_sheets.py --members 2000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import openpyxl

from partyrules.population.frames import facts_to_population
from partyrules.population.io import read_population, write_population
from partyrules.synthetic import generate_member_facts


def _bare_write(pop, path: Path) -> None:
    wb = openpyxl.Workbook(write_only=True)
    for table, frame in pop.tables.items():
        ws = wb.create_sheet(table)
        for row in frame.iter_rows():
            ws.append([", ".join(map(str, v)) if isinstance(v, list) else v for v in row])
    wb.save(path)


def _bare_read(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    cells = sum(1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for _ in row)
    wb.close()
    return cells


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    pop = facts_to_population(generate_member_facts(args.members, seed=7), "member")
    with tempfile.TemporaryDirectory() as tmp:
        ours, bare = Path(tmp) / "ours.xlsx", Path(tmp) / "bare.xlsx"
        w_ours = _best(lambda: write_population(pop, ours, format="xlsx"), args.repeat)
        w_bare = _best(lambda: _bare_write(pop, bare), args.repeat)
        r_ours = _best(lambda: read_population(ours), args.repeat)
        r_bare = _best(lambda: _bare_read(ours), args.repeat)
        rows = sum(f.height for f in pop.tables.values())
    print(f"members: {args.members}")
    print(f"rows: {rows}")
    print(f"lxml: {openpyxl.LXML}")
    print(f"write_seconds: {w_ours:.2f}")
    print(f"write_bare_openpyxl_seconds: {w_bare:.2f}")
    print(f"write_ratio: {w_ours / w_bare:.2f}")
    print(f"read_seconds: {r_ours:.2f}")
    print(f"read_bare_openpyxl_seconds: {r_bare:.2f}")
    print(f"read_ratio: {r_ours / r_bare:.2f}")


if __name__ == "__main__":
    main()
