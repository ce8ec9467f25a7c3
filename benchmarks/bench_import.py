"""What importing partyrules costs, each figure in a fresh interpreter, best of ``--repeat``:

    python benchmarks/bench_import.py

- ``python_ms``: an empty interpreter (``python -c pass``): the floor every figure below includes;
- ``import_partyrules_ms``: ``import partyrules`` (the public names load on first use);
- ``first_ruleset_ms``: ``import partyrules`` and loading the shipped in-service index (pydantic, the rule-set
  models and the expression language load here);
- ``first_evaluation_ms``: the same and one member's explained breakdown (the engine loads here);
- ``import_over_floor``: ``import_partyrules_ms / python_ms``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

SNIPPETS = {
    "python_ms": "pass",
    "import_partyrules_ms": "import partyrules",
    "first_ruleset_ms": "import partyrules as pr; pr.load_ruleset(pr.shipped_ruleset_path('in_service'))",
    "first_evaluation_ms": (
        "import partyrules as pr; from partyrules.facts.exemplary import exemplary_member; "
        "rs = pr.load_ruleset(pr.shipped_ruleset_path('in_service')); "
        "pr.evaluate(rs, exemplary_member('in_service', year=2026), period='2026')"),
}


def best_ms(code: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    got = {name: best_ms(code, args.repeat) for name, code in SNIPPETS.items()}
    for name, ms in got.items():
        print(f"{name}: {ms:.0f}")
    print(f"import_over_floor: {got['import_partyrules_ms'] / got['python_ms']:.2f}")


if __name__ == "__main__":
    main()
