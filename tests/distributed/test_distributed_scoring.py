"""Distributed scoring on a LocalCluster of three workers gives the single-machine table, bit for bit."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import polars as pl
import pytest

import partyrules as pr
from partyrules.distributed import (
    DistributedError,
    PartitionError,
    connect,
    dask_partitions,
    parquet_partitions,
    score_distributed,
)
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_population

MEMBER_INDICES = ("in_service", "retired", "new_citizen")


@pytest.mark.parametrize("name", MEMBER_INDICES)
def test_parquet_parts_score_as_one_population(client: Any, parts_dir: Path, rulesets: dict[str, pr.RuleSet],
                                               single: dict[str, pr.PopulationScores], name: str) -> None:
    ds = score_distributed(rulesets[name], parts_dir, "2026", client=client)
    assert len(ds.partitions) == 6
    whole = ds.compute()
    assert whole.frame.equals(single[name].frame)  # same rows, same order, same bits
    assert whole.not_applicable == single[name].not_applicable
    assert whole.failures == single[name].failures
    assert len(ds) == single[name].frame.height
    assert ds.problems == [] and ds.left_out == []


def test_scores_as_a_dask_dataframe(client: Any, parts_dir: Path, rulesets: dict[str, pr.RuleSet],
                                    single: dict[str, pr.PopulationScores]) -> None:
    ds = score_distributed(rulesets["retired"], parts_dir, "2026", client=client)
    got = ds.frame.compute().reset_index(drop=True)
    want = single["retired"].frame.to_pandas()
    assert list(got.columns) == list(want.columns)
    assert got.equals(want)


def test_quarter_period_and_params(client: Any, parts_dir: Path, rulesets: dict[str, pr.RuleSet]) -> None:
    rs = rulesets["in_service"]
    params = {next(iter(rs.params)): rs.params[next(iter(rs.params))]}
    read = pr.read_population(parts_dir)
    want = pr.score_population(rs, read.population, "2026-Q3", params=params)
    got = score_distributed(rs, parts_dir, "2026-Q3", client=client, params=params).compute()
    assert got.frame.equals(want.frame)
    assert got.failures == want.failures  # records outside the quarter: every subject fails the same way


def _arrow_tables(n: int, seed: int) -> dict[str, Any]:
    # Arrow dtypes: Dask turns object columns into text, which would spoil the list columns
    return {k: t.to_pandas(use_pyarrow_extension_array=True)
            for k, t in generate_population(n, seed=seed).tables.items()}


@pytest.mark.filterwarnings("ignore:Sending large graph")  # the test's tables come from pandas in memory
def test_dask_dataframes_are_shuffled_by_subject(client: Any, rulesets: dict[str, pr.RuleSet]) -> None:
    tables = _arrow_tables(3_000, seed=5)
    want = pr.score_population(rulesets["in_service"], tables, "2026")
    ddfs = {k: dd.from_pandas(t, npartitions=3) for k, t in tables.items()}
    ds = score_distributed(rulesets["in_service"], dask_partitions(ddfs, npartitions=4), "2026", client=client)
    assert len(ds.partitions) == 4 and min(ds.rows) > 0
    got = ds.compute()
    assert got.frame.sort("subject_id").equals(want.frame.sort("subject_id"))
    assert sorted(got.not_applicable) == sorted(want.not_applicable)


def test_dask_bad_row_leaves_its_subject_out(client: Any, rulesets: dict[str, pr.RuleSet]) -> None:
    tables = _arrow_tables(1_200, seed=6)
    records = tables["records"].copy()
    victim = records["subject_id"].iloc[40]
    records.loc[40, "volunteer_hours"] = float("nan")
    tables["records"] = records
    want = pr.score_population(rulesets["retired"], tables, "2026")
    ddfs = {k: dd.from_pandas(t, npartitions=2) for k, t in tables.items()}
    ds = score_distributed(rulesets["retired"], dask_partitions(ddfs), "2026", client=client)
    assert ds.left_out == [victim]
    [problem] = ds.problems
    assert (problem.table, problem.row, problem.column, problem.subject_id) == ("records", 41, "volunteer_hours",
                                                                                victim)
    assert "partition 0" in problem.file
    got = ds.compute()
    assert victim not in got.frame["subject_id"].to_list()
    assert got.frame.sort("subject_id").equals(want.frame.sort("subject_id"))


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_bad_row_in_a_part_is_reported_as_on_one_machine(client: Any, parts_dir: Path, tmp_path: Path,
                                                         rulesets: dict[str, pr.RuleSet]) -> None:
    d = _copy(parts_dir, tmp_path / "bad")
    path = d / "records-00002.parquet"
    t = pl.read_parquet(path)
    t = t.with_columns(pl.when(pl.int_range(pl.len()) == 17).then(-3).otherwise(pl.col("community_activities"))
                       .alias("community_activities"))
    t.write_parquet(path)
    read = pr.read_population(d)
    assert len(read.problems) == 1
    want = pr.score_population(rulesets["retired"], read.population, "2026")
    ds = score_distributed(rulesets["retired"], d, "2026", client=client)
    assert ds.problems == read.problems
    assert ds.left_out == read.left_out
    assert ds.compute().frame.equals(want.frame)


def test_rows_of_a_subject_in_another_part_are_refused(client: Any, parts_dir: Path, tmp_path: Path,
                                                       rulesets: dict[str, pr.RuleSet]) -> None:
    d = _copy(parts_dir, tmp_path / "split")
    one, two = pl.read_parquet(d / "records-00001.parquet"), pl.read_parquet(d / "records-00004.parquet")
    moved = one.head(1)
    one.slice(1).write_parquet(d / "records-00001.parquet")
    pl.concat([two, moved]).write_parquet(d / "records-00004.parquet")
    with pytest.raises(PartitionError) as err:
        score_distributed(rulesets["retired"], d, "2026", client=client)
    text = str(err.value)
    assert moved["subject_id"][0] in text and "records-00004.parquet" in text and "partition 1" in text
    assert err.value.hint and "dask_partitions" in err.value.hint


def test_subject_in_two_parts_is_left_out_as_on_one_machine(client: Any, parts_dir: Path, tmp_path: Path,
                                                            rulesets: dict[str, pr.RuleSet]) -> None:
    d = _copy(parts_dir, tmp_path / "dup")
    first = pl.read_parquet(d / "subjects-00000.parquet")
    third = pl.read_parquet(d / "subjects-00003.parquet")
    dup = first.slice(7, 1)
    pl.concat([third, dup]).write_parquet(d / "subjects-00003.parquet")
    read = pr.read_population(d)
    sid = dup["subject_id"][0]
    assert read.left_out == [sid]
    want = pr.score_population(rulesets["in_service"], read.population, "2026")
    ds = score_distributed(rulesets["in_service"], d, "2026", client=client)
    assert ds.left_out == [sid]
    assert {p.subject_id for p in ds.problems} == {sid} and len(ds.problems) == 2
    assert ds.compute().frame.equals(want.frame)


def test_unsuitable_inputs_are_named(client: Any, parts_dir: Path, tmp_path: Path) -> None:
    branch_rs = pr.load_ruleset(shipped_ruleset_path("branch"))
    with pytest.raises(DistributedError, match="scores branchs, but the partitions hold members"):
        score_distributed(branch_rs, parts_dir, "2026", client=client)
    d = _copy(parts_dir, tmp_path / "odd")
    shutil.copy(d / "records-00000.parquet", d / "recrods-00000.parquet")
    with pytest.raises(DistributedError, match="recrods"):
        parquet_partitions(d)
    (d / "recrods-00000.parquet").unlink()
    shutil.copy(d / "records-00000.parquet", d / "records-00099.parquet")
    with pytest.raises(DistributedError, match="no subjects part"):
        parquet_partitions(d)
    with pytest.raises(DistributedError, match="not a directory"):
        parquet_partitions(d / "subjects-00000.parquet")


def test_bad_scheduler_address_is_an_error() -> None:
    with pytest.raises(DistributedError, match="cannot connect") as err:
        connect("tcp://127.0.0.1:9", timeout=2)
    assert err.value.hint


def test_any_scheduler_address_and_scheduler_file(parts_dir: Path, tmp_path: Path, rulesets: dict[str, pr.RuleSet],
                                                  single: dict[str, pr.PopulationScores]) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0",
                      scheduler_kwargs={"scheduler_file": str(tmp_path / "scheduler.json")}) as cluster:
        for address in (cluster.scheduler_address, str(tmp_path / "scheduler.json")):
            with connect(address) as c:
                got = score_distributed(rulesets["new_citizen"], parts_dir, "2026", client=c).compute()
                assert got.frame.equals(single["new_citizen"].frame)
        # a scheduler address in place of a client connects for the call
        got = score_distributed(rulesets["new_citizen"], parts_dir, "2026", client=cluster.scheduler_address)
        assert got.compute().frame.equals(single["new_citizen"].frame)
        got.client.close()
