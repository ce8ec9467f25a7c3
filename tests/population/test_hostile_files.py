"""Hostile files never crash, hang or mis-score the command line (issue 13, findings 9, 10, 12, 13, 17, 18).

Every test runs the real command line in a child process with a timeout, and checks the documented exit code, a
message naming the file (and the row), no traceback, and that every readable subject is scored as before.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.jsonlimits import MAX_DEPTH, nesting_depth
from partyrules.population import write_population
from partyrules.population.files import MAX_LINE_BYTES, _items
from partyrules.population.io.csvfile import _read_csv, _read_csv_rows
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_subdistrict

ROOT = Path(__file__).resolve().parents[2]
IN_SERVICE = str(shipped_ruleset_path("in_service"))
COMMUNITY = shipped_ruleset_path("community")
REFORM = str(ROOT / "rulesets" / "reforms" / "organ-volunteering-150.yaml")
TIMEOUT = 60


def run(*argv: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``partyrules ARGV`` as its console script runs it; a hang fails the test by the timeout."""
    done = subprocess.run([sys.executable, "-m", "partyrules.cli", *argv], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def lines_naming(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


# -- finding 9: a FIFO named *.yaml --------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_9_a_fifo_named_yaml_is_refused_and_the_rest_validated(tmp_path):
    shutil.copy(COMMUNITY, tmp_path / "community.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    done = run("validate", str(tmp_path), timeout=30)
    assert done.returncode == 3
    named = lines_naming(done.stdout, "pipe.yaml")
    assert len(named) == 1 and "RS120" in named[0] and "not a regular file" in named[0], done.stdout
    assert "1 of 2 rule sets valid" in done.stderr, done.stderr
    js = run("validate", "--format", "json", str(tmp_path), timeout=30)
    files = {Path(f["file"]).name: f for f in json.loads(js.stdout)["files"]}
    assert files["community.yaml"]["valid"] and not files["pipe.yaml"]["valid"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_9_a_fifo_given_by_name_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    for command in (("validate",), ("check", "--max-examples", "1"), ("docs", "--out", str(tmp_path / "d"))):
        done = run(*command, str(tmp_path / "pipe.yaml"), timeout=30)
        assert done.returncode in (2, 3), (command, done.returncode, done.stderr)
        assert "pipe.yaml" in done.stdout + done.stderr


# -- finding 18: links out of the validated directory ---------------------------------------------------------------
def _outside_and_inside(tmp_path: Path) -> tuple[Path, Path]:
    outside, inside = tmp_path / "outside", tmp_path / "rules"
    outside.mkdir()
    inside.mkdir()
    secret = (COMMUNITY.read_text(encoding="utf-8")
              .replace("community-six-star", "secret-outside-id"))
    (outside / "secret.yaml").write_text(secret, encoding="utf-8")
    shutil.copy(COMMUNITY, inside / "community.yaml")
    return outside, inside


def test_18_a_link_out_of_the_directory_is_refused_and_never_read(tmp_path):
    outside, inside = _outside_and_inside(tmp_path)
    (inside / "link.yaml").symlink_to(outside / "secret.yaml")
    (inside / "sub").mkdir()
    (inside / "sub" / "deeper.yml").symlink_to(Path("..") / ".." / "outside" / "secret.yaml")
    text = run("validate", str(inside))
    assert text.returncode == 3, text.stderr
    for name in ("link.yaml", "deeper.yml"):
        named = lines_naming(text.stdout, name)
        assert len(named) == 1 and "RS122" in named[0] and "outside the directory" in named[0], text.stdout
    assert "1 of 3 rule sets valid" in text.stderr, text.stdout + text.stderr
    js = run("validate", "--format", "json", str(inside))
    assert js.returncode == 3
    files = {Path(f["file"]).name: f for f in json.loads(js.stdout)["files"]}
    assert [d["code"] for d in files["link.yaml"]["diagnostics"]] == ["RS122"]
    assert "id" not in files["link.yaml"] and "id" not in files["deeper.yml"]
    for done in (text, js):
        assert "secret-outside-id" not in done.stdout + done.stderr, "a file outside the directory was read"


def test_18_a_linked_directory_out_is_refused_and_a_link_inside_is_read(tmp_path):
    outside, inside = _outside_and_inside(tmp_path)
    (inside / "elsewhere").symlink_to(outside, target_is_directory=True)
    (inside / "again.yaml").symlink_to(inside / "community.yaml")
    done = run("validate", "--format", "json", str(inside))
    assert "secret-outside-id" not in done.stdout + done.stderr
    files = {Path(f["file"]).name: f for f in json.loads(done.stdout)["files"]}
    assert files["elsewhere"]["diagnostics"][0]["code"] == "RS122"
    assert files["again.yaml"]["valid"] and files["community.yaml"]["valid"]
    assert done.returncode == 3


def test_18_a_link_loop_in_the_directory_is_refused(tmp_path):
    shutil.copy(COMMUNITY, tmp_path / "community.yaml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "dirloop").symlink_to(tmp_path, target_is_directory=True)
    done = run("validate", str(tmp_path))
    assert done.returncode == 3
    assert lines_naming(done.stdout, "loop.yaml"), done.stdout
    assert "1 of 2 rule sets valid" in done.stderr, done.stderr


# -- finding 17: --param JSON values ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "why"), [
    ("[" * 4000 + "]" * 4000, f"nested more than {MAX_DEPTH} levels"),  # the decoder recursed 4,000 times
    ("[" * 9000, f"nested more than {MAX_DEPTH} levels"),
    ('{"a": ' * 40 + "1" + "}" * 40, f"nested more than {MAX_DEPTH} levels"),
    ("9" * 5000, "more than 4,300 digits"),
    ("[" + "9" * 4400 + "]", "more than 4,300 digits"),
    ("x" * 20_000, "more than the limit of 10,000"),
])
@pytest.mark.parametrize("command", ["inspect", "score"])
def test_17_a_json_param_beyond_a_limit_is_a_one_line_usage_error(tmp_path, value, why, command):
    facts = tmp_path / "facts.jsonl"
    facts.write_text("", encoding="utf-8")
    argv = ([IN_SERVICE] if command == "inspect" else ["--ruleset", IN_SERVICE, "--facts", str(facts)])
    done = run(command, *argv, "--param", f"organ_volunteer_hours={value}")
    assert done.returncode == 2, done.stderr[-2000:]
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and len(err[0]) < 400, err
    assert "--param 'organ_volunteer_hours'" in err[0] and why in err[0], err[0]


def test_17_a_param_without_a_value_is_a_usage_error():
    done = run("inspect", IN_SERVICE, "--param", "organ_volunteer_hours")
    assert done.returncode == 2
    assert "--param needs NAME=VALUE" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_17_a_param_within_the_limits_still_works():
    done = run("inspect", "--format", "json", IN_SERVICE, "--param", "organ_volunteer_hours=150")
    assert done.returncode == 0, done.stderr
    assert run("inspect", IN_SERVICE, "--param", "organ_volunteer_hours=[[[1]]]").returncode == 2


# -- finding 10: hostile .json and .jsonl facts files for score --facts ------------------------------------------
@pytest.fixture(scope="module")
def members() -> list[pr.MemberFacts]:
    every = generate_subdistrict(seed=13, communities=2, organisations=4, members=60).members
    return [m for m in every if m.member.category.value == "in_service"][:8]


def scored(stdout: str) -> dict[str, float]:
    """subject id -> total of ``score --format json``'s output (one JSON document per subject)."""
    out: dict[str, float] = {}
    dec = json.JSONDecoder()
    text, i = stdout.strip(), 0
    while i < len(text):
        doc, end = dec.raw_decode(text, i)
        out[doc["subject_id"]] = doc["total"]
        i = end
        while i < len(text) and text[i].isspace():
            i += 1
    return out


@pytest.fixture(scope="module")
def expected(members, tmp_path_factory) -> dict[str, float]:
    path = tmp_path_factory.mktemp("facts") / "good.jsonl"
    path.write_text("".join(m.model_dump_json() + "\n" for m in members), encoding="utf-8")
    done = run("score", "--ruleset", IN_SERVICE, "--facts", str(path), "--period", "2026")
    assert done.returncode == 0, done.stderr
    got = scored(done.stdout)
    assert len(got) == len(members)
    return got


HOSTILE_ITEMS: dict[str, bytes] = {
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"member": ' * 50 + b"1" + b"}" * 50,
    "digits": b'{"member": {"member_id": "M9", "age": ' + b"9" * 5000 + b"}}",
    "not-utf8": b'{"member": {"member_id": "M\xff1"}}',
}


@pytest.mark.parametrize("kind", list(HOSTILE_ITEMS))
def test_10_a_hostile_item_of_a_json_array_is_a_bad_row_and_the_rest_scored(tmp_path, members, expected, kind):
    items = [m.model_dump_json().encode() for m in members]
    items.insert(3, HOSTILE_ITEMS[kind])
    path = tmp_path / "facts.json"
    path.write_bytes(b"[\n" + b",\n".join(items) + b"\n]\n")
    done = run("score", "--ruleset", IN_SERVICE, "--facts", str(path), "--period", "2026")
    assert done.returncode == 10, done.stderr[-2000:]
    assert scored(done.stdout) == expected
    bad = lines_naming(done.stderr, "row 4:")
    assert len(bad) == 1 and f"{path}:5:" in bad[0] and "item 4" in bad[0], done.stderr[-2000:]
    assert len(bad[0]) < 1000


@pytest.mark.parametrize("kind", list(HOSTILE_ITEMS))
def test_10_a_hostile_line_of_json_lines_is_a_bad_row_and_the_rest_scored(tmp_path, members, expected, kind):
    lines = [m.model_dump_json().encode() for m in members]
    lines.insert(3, HOSTILE_ITEMS[kind])
    path = tmp_path / "facts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    done = run("score", "--ruleset", IN_SERVICE, "--facts", str(path), "--period", "2026")
    assert done.returncode == 10, done.stderr[-2000:]
    assert scored(done.stdout) == expected
    bad = lines_naming(done.stderr, "row 4:")
    assert len(bad) == 1 and f"{path}:4:" in bad[0], done.stderr[-2000:]


def test_10_a_whole_deep_json_file_is_one_bad_row(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    done = run("score", "--ruleset", IN_SERVICE, "--facts", str(path), "--period", "2026")
    assert done.returncode == 10
    assert f"nested more than {MAX_DEPTH} levels" in done.stderr and str(path) in done.stderr


def test_10_a_truncated_json_array_scores_its_complete_items(tmp_path, members, expected):
    text = "[\n" + ",\n".join(m.model_dump_json() for m in members) + "\n]\n"
    cut = text.rindex('"member"')  # inside the last item
    path = tmp_path / "facts.json"
    path.write_text(text[:cut], encoding="utf-8")
    done = run("score", "--ruleset", IN_SERVICE, "--facts", str(path), "--period", "2026")
    assert done.returncode == 10
    last = members[-1].subject_id
    assert scored(done.stdout) == {k: v for k, v in expected.items() if k != last}
    assert lines_naming(done.stderr, f"row {len(members)}:"), done.stderr


def test_10_an_over_long_line_is_a_bad_row_read_in_bounded_pieces(tmp_path, members, expected):
    path = tmp_path / "facts.jsonl"
    with path.open("wb") as fh:
        fh.write(members[0].model_dump_json().encode() + b"\n")
        fh.write(b'{"x": "' + b"y" * (MAX_LINE_BYTES + 10) + b'"}\n')
        for m in members[1:]:
            fh.write(m.model_dump_json().encode() + b"\n")
    done = run("score", "--ruleset", IN_SERVICE, "--facts", str(path), "--period", "2026")
    assert done.returncode == 10
    assert scored(done.stdout) == expected
    assert "too long" in lines_naming(done.stderr, "row 2:")[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_10_a_facts_path_that_is_not_a_regular_file_is_one_line_exit_1(tmp_path):
    os.mkfifo(tmp_path / "facts.json")
    for path in (tmp_path / "facts.json", tmp_path, tmp_path / "absent.json"):
        done = run("score", "--ruleset", IN_SERVICE, "--facts", str(path), "--period", "2026", timeout=30)
        assert done.returncode == 1, done.stderr
        err = done.stderr.strip().splitlines()
        assert len(err) == 1 and str(path) in err[0] and "hint:" in err[0], err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_12_a_table_that_is_a_fifo_is_refused_not_opened(tmp_path, tables):
    d = csv_population(tmp_path, tables)
    (d / "records.csv").unlink()
    os.mkfifo(d / "records.csv")
    done = whatif(d, tmp_path / "out")
    assert done.returncode == 1
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and "records.csv: not a regular file" in err[0], err


# -- findings 12 and 13: tables (whatif reads a population directory) -------------------------------------------
@pytest.fixture(scope="module")
def tables(members) -> dict[str, pl.DataFrame]:
    return dict(pr.facts_to_population(members).tables)


def whatif(directory: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run("whatif", IN_SERVICE, "--reform", REFORM, "--population", str(directory), "--format", "json",
               "--out", str(out))


@pytest.fixture(scope="module")
def base_scores(tables, tmp_path_factory) -> dict[str, float]:
    d = tmp_path_factory.mktemp("base")
    write_population(pr.Population("member", tables), d / "pop", "csv")
    done = whatif(d / "pop", d / "out")
    assert done.returncode == 0, done.stderr
    return scores_of(d / "out")


def scores_of(out: Path) -> dict[str, float]:
    frame = pl.read_csv(out / "scores_base.csv", infer_schema_length=0)
    return dict(zip(frame["subject_id"].to_list(), map(float, frame["total"].to_list()), strict=True))


def csv_population(tmp_path: Path, tables: dict[str, pl.DataFrame]) -> Path:
    d = tmp_path / "pop"
    write_population(pr.Population("member", tables), d, "csv")
    return d


def edit_line(path: Path, line: int, edit: Callable[[str], str | bytes]) -> str:
    """Replace the 1-based ``line`` of ``path`` by ``edit(old)``; returns the subject id the old line began with."""
    data = path.read_bytes().split(b"\n")
    old = data[line - 1].decode("utf-8")
    new = edit(old)
    data[line - 1] = new if isinstance(new, bytes) else new.encode("utf-8")
    path.write_bytes(b"\n".join(data))
    return next(csv.reader([old]))[0]


@pytest.mark.parametrize("edit", [
    pytest.param(lambda s: s + ",1,2", id="more-fields"),
    pytest.param(lambda s: s.rsplit(",", 3)[0], id="fewer-fields"),
    pytest.param(lambda s: s.replace(",", ',"', 1), id="unclosed-quote-in-the-middle"),
    pytest.param(lambda s: s.encode("utf-8").replace(b",", b",\xff", 1), id="not-utf8"),
])
def test_12_a_bad_csv_row_is_a_bad_row_and_the_rest_scored(tmp_path, tables, base_scores, edit):
    d = csv_population(tmp_path, tables)
    sid = edit_line(d / "records.csv", 6, edit)
    done = whatif(d, tmp_path / "out")
    assert done.returncode == 10, done.stderr[-2000:]
    named = lines_naming(done.stderr, "records.csv:6")
    assert named and f"(subject '{sid}')" in named[0], done.stderr[-2000:]
    got = scores_of(tmp_path / "out")
    assert sid not in got
    assert got == {k: v for k, v in base_scores.items() if k in got}
    lost = set(base_scores) - set(got) - {sid}
    for other in lost:  # a subject left out besides the bad row's is named by a problem
        assert f"(subject '{other}')" in done.stderr


def test_12_an_unclosed_quote_at_the_end_leaves_out_what_it_swallows(tmp_path, tables, base_scores):
    d = csv_population(tmp_path, tables)
    n = len((d / "records.csv").read_bytes().split(b"\n"))
    sid = edit_line(d / "records.csv", n - 4, lambda s: s.replace(",", ',"', 1))
    done = whatif(d, tmp_path / "out")
    assert done.returncode == 10, done.stderr[-2000:]
    got = scores_of(tmp_path / "out")
    assert sid not in got
    assert got == {k: v for k, v in base_scores.items() if k in got}
    for other in set(base_scores) - set(got):
        assert f"(subject '{other}')" in done.stderr


def test_12_a_bad_header_is_a_typed_file_error(tmp_path, tables):
    d = csv_population(tmp_path, tables)
    edit_line(d / "records.csv", 1, lambda s: s.encode("utf-8").replace(b",", b"\xff,", 1))
    done = whatif(d, tmp_path / "out")
    assert done.returncode == 1, done.stderr
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and "records.csv" in err[0] and "hint:" in err[0], err


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "not-parquet"])
@pytest.mark.parametrize("table", ["subjects", "records"])
def test_12_a_damaged_parquet_file_is_a_typed_error_naming_it(tmp_path, tables, damage, table):
    d = tmp_path / "pop"
    d.mkdir()
    for name, df in tables.items():
        buf = io.BytesIO()
        df.write_parquet(buf)
        data = buf.getvalue()
        if name == table:
            if damage == "truncated":
                data = data[: len(data) // 2]
            elif damage == "flipped":
                middle = len(data) // 2
                data = data[:64] + bytes(b ^ 0xFF for b in data[64:middle]) + data[middle:]
            elif damage == "empty":
                data = b""
            else:
                data = b"subject_id,member_id\nM1,M1\n"
        (d / f"{name}.parquet").write_bytes(data)
    done = whatif(d, tmp_path / "out")
    assert done.returncode == 1, done.stderr[-2000:]
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and f"{table}.parquet" in err[0] and "hint:" in err[0], err
    assert "cannot be read" in err[0]


def test_13_a_subject_without_an_id_is_never_scored_and_its_records_are_reported(tmp_path, tables, base_scores):
    d = csv_population(tmp_path, tables)
    sid = edit_line(d / "subjects.csv", 2, lambda s: "," + s.split(",", 1)[1])
    done = whatif(d, tmp_path / "out")
    assert done.returncode == 10, done.stderr[-2000:]
    got = scores_of(tmp_path / "out")
    assert set(got) == set(base_scores) - {sid}, got
    assert got == {k: base_scores[k] for k in got}
    assert lines_naming(done.stderr, "subjects.csv:2"), done.stderr
    n_records = tables["records"].filter(pl.col("subject_id") == sid).height
    orphans = lines_naming(done.stderr, f"records row for unknown subject '{sid}'")
    assert len(orphans) == n_records > 0, done.stderr


def test_13_a_null_id_among_other_bad_rows_is_not_scored(tmp_path, tables, base_scores):
    d = csv_population(tmp_path, tables)
    sid = edit_line(d / "subjects.csv", 2, lambda s: "," + s.split(",", 1)[1])
    other = edit_line(d / "records.csv", 6, lambda s: s + ",1,2")
    done = whatif(d, tmp_path / "out")
    assert done.returncode == 10
    got = scores_of(tmp_path / "out")
    assert set(got) == set(base_scores) - {sid, other}
    assert got == {k: base_scores[k] for k in got}


# -- properties of the bounded readers ---------------------------------------------------------------------------
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=12)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@given(JSON, st.sampled_from([None, 0, 2]))
def test_the_depth_is_counted_as_the_decoder_nests(value, indent):
    assert nesting_depth(json.dumps(value, indent=indent)) == depth_of(value)


@given(st.lists(JSON, max_size=6), st.sampled_from([None, 0, 1]))
def test_a_json_array_splits_into_its_items_at_their_lines(values, indent):
    text = json.dumps(values, indent=indent)
    items = list(_items(text))
    assert [json.loads(text[s:e]) for s, e, _ in items] == values
    assert [line for _, _, line in items] == [1 + text.count("\n", 0, s) for s, _, _ in items]


CELL = st.text(st.characters(codec="utf-8", exclude_characters="\r\x1f"), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(CELL, CELL | st.none(), CELL), min_size=1, max_size=6))
def test_the_exact_csv_reader_reads_a_good_file_as_polars_does(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "records.csv"
    pl.DataFrame(rows, schema={"subject_id": pl.String, "a": pl.String, "b": pl.String},
                 orient="row").write_csv(path)
    fast, fast_problems = _read_csv(pl, path, "records")
    exact, exact_problems = _read_csv_rows(pl, path, "records")
    assert fast_problems == exact_problems == []
    assert fast.rows() == exact.rows()


def test_a_subject_renamed_into_a_duplicate_id_leaves_reported_orphans_not_a_panic(tmp_path):
    """Found by the fuzzing campaign: a subjects.csv row renamed to another subject's id (two subjects, one id)
    left the renamed subject's records without a subject, and naming them panicked inside polars
    (`pl.format` over a filtered string column). Both copies are bad rows, the orphans are reported, the rest read."""
    import polars as pl

    sd = generate_subdistrict(seed=13, communities=2, organisations=4, members=30)
    d = write_population(pr.facts_to_population(sd.members), tmp_path / "pop", format="csv")
    subjects = pl.read_csv(d / "subjects.csv", infer_schema=False)
    ids = subjects.get_column("subject_id").to_list()
    gone, twin = ids[-2], ids[8]
    subjects.with_columns(pl.col("subject_id").replace(gone, twin)).write_csv(d / "subjects.csv")
    read = pr.read_population(d)
    reasons = [p.reason for p in read.problems]
    assert any(gone in r and "unknown subject" in r for r in reasons), reasons
    scored = set(read.population.subjects.get_column("subject_id").to_list())
    assert gone not in scored and twin not in scored and len(scored) == len(ids) - 2


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_renamed_column_is_not_read_as_its_default(tmp_path, fmt):
    """Found by the fuzzing campaign (long profile): a subjects table whose 'cards' column was renamed was read
    with every member's cards at the default (none), so a structure check fired for every member, silently. The
    column meant is named, and the table is not read: nobody is scored on a value nobody gave."""
    import polars as pl

    sd = generate_subdistrict(seed=13, communities=2, organisations=4, members=30)
    d = write_population(pr.facts_to_population(sd.members), tmp_path / "pop", format=fmt)
    path = d / f"subjects.{fmt}"
    table = pl.read_csv(path, infer_schema=False) if fmt == "csv" else pl.read_parquet(path)
    table = table.rename({"cards": "crads"})
    table.write_csv(path) if fmt == "csv" else table.write_parquet(path)
    read = pr.read_population(d)
    reasons = " | ".join(p.reason for p in read.problems)
    assert "unknown column 'crads' (did you mean 'cards'?)" in reasons
    assert "'cards', written under another name: the table is not read" in reasons
    assert read.population.subjects.height == 0
