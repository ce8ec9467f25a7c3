"""The public API: every exported name resolves, and the core imports without the analysis extra."""

from __future__ import annotations

import subprocess
import sys

import partyrules as pr


def test_every_exported_name_resolves():
    missing = [n for n in pr.__all__ if getattr(pr, n, None) is None]
    assert missing == []


def test_the_core_imports_without_the_analysis_extra():
    # a service scoring one subject at a time has neither polars nor numpy: blocking them must not break import
    code = ("import sys\n"
            "for m in ('polars', 'numpy', 'pandas', 'scipy', 'matplotlib'): sys.modules[m] = None\n"
            "import partyrules as pr\n"
            "rs = pr.load_ruleset(pr.shipped_ruleset_path('in_service'))\n"
            "sd = pr.generate_subdistrict(seed=1)\n"
            "m = next(f for f in sd.members if f.member.category == 'in_service')\n"
            "print(pr.evaluate(rs, m, period='2026').total)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) >= 0


def test_an_analysis_name_needs_its_extra():
    code = ("import sys\nsys.modules['polars'] = None\nsys.modules['numpy'] = None\n"
            "import partyrules as pr\n"
            "try:\n    pr.generate_population\nexcept ImportError as e:\n    print('ImportError', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("ImportError"), out.stdout + out.stderr
