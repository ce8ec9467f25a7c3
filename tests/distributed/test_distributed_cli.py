"""partyrules whatif --scheduler: the same summary and findings as on one machine, tables written per partition."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from partyrules.cli import main

ROOT = Path(__file__).resolve().parents[2]
IN_SERVICE = str(ROOT / "rulesets" / "member-in-service.yaml")
REFORM = str(ROOT / "rulesets" / "reforms" / "service-weight-30.yaml")


def test_whatif_on_a_local_cluster_prints_what_one_machine_prints(parts_dir: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    common = ["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(parts_dir), "--format", "json",
              "--funding-pool", "1000000", "--top-k", "20"]
    assert main(common) == 0
    single = json.loads(capsys.readouterr().out)
    out = tmp_path / "out"
    assert main([*common, "--scheduler", "local", "--workers", "2", "--out", str(out)]) == 0
    distributed = json.loads(capsys.readouterr().out)
    assert distributed == single
    assert single["summary"]["moved"] > 0
    assert len(list((out / "scores_base").glob("scores-*.parquet"))) == 6
    moved = pl.concat([pl.read_parquet(p) for p in sorted((out / "moved").glob("*.parquet"))])
    assert moved.height == single["summary"]["moved"]
    assert pl.read_csv(out / "transitions.csv")["subjects"].sum() > 0


def test_whatif_with_scheduler_refuses_the_report(parts_dir: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(parts_dir), "--scheduler", "local",
                 "--report", str(tmp_path / "r.html")])
    assert code == 3
    assert "--report" in capsys.readouterr().err


def test_whatif_with_an_unreachable_scheduler_says_so(parts_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "3s"}):  # the user's dask config is honoured
        code = main(["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(parts_dir), "--scheduler",
                     "tcp://127.0.0.1:9"])
    assert code == 3
    assert "cannot connect" in capsys.readouterr().err
