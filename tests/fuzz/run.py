"""Run the fuzzing campaign and print its figures.

    python tests/fuzz/run.py                 # the CI profile: derandomised, a minute or two
    python tests/fuzz/run.py --long          # the release profile (HYPOTHESIS_PROFILE=fuzz-long)
    python tests/fuzz/run.py --long -- -k facts   # anything after -- goes to pytest

Prints ``fuzz_inputs: N``, ``fuzz_typed_errors: N``, ``fuzz_crashes: N``, ``fuzz_hangs: N``,
``fuzz_disagreements: N`` and the rest of the summary the fuzz conftest writes; the exit code is pytest's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    out = Path(tempfile.mkdtemp(prefix="partyrules-fuzz-run-"))
    env = {**os.environ, "PARTYRULES_FUZZ_OUT": str(out),
           "HYPOTHESIS_PROFILE": "fuzz-long" if "--long" in argv else os.environ.get("HYPOTHESIS_PROFILE", "ci")}
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE), *extra],
                           env=env, cwd=HERE.parents[1])
    summary = out / "summary.json"
    if not summary.exists():
        print("fuzz: no summary was written (no input was tried)", file=sys.stderr)
        return code or 1
    for key, value in json.loads(summary.read_text(encoding="utf-8")).items():
        print(f"{key}: {value}")
    print(f"fuzz_findings_dir: {out / 'findings'}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
