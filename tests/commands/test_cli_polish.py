"""The command line's polish: one-line errors with documented exit codes for every command (generated bad
arguments), shipped short names, --version, help on every option, money in yuan exact to the fen, display-width
tables, --lang zh text, and progress only on a terminal."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cli import build_parser, main
from partyrules.commands.common import cli_hint, display_width, pad, yuan_to_fen
from partyrules.commands.progress import Progress, progress_wanted
from partyrules.synthetic import generate_member_facts

# cli.py's docstring: the exit codes every command may end with
DOCUMENTED = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10}


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: usage errors, --help, --version
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _one_line_each(err: str) -> None:
    assert "Traceback" not in err, err
    for line in err.splitlines():
        # a problem is one line: no continuation lines, no bare Python exception text
        assert line == line.lstrip(), err
        assert not line.startswith(("File ", "AttributeError", "KeyError", "TypeError", "ValueError")), err


# -- generated bad arguments, every command -------------------------------------------------------------------------
_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-.", min_size=1, max_size=12).filter(
    lambda s: s not in (".", "..") and not s.startswith("-"))
_bad_number = st.sampled_from(["x", "", "1e", "-1", "1.234", "nan", "二"])
# a percentage may have decimals (1.234 is a valid coverage), so its bad values are its own
_bad_percent = st.sampled_from(["x", "", "1e", "-1", "101", "nan", "二"])


@st.composite
def bad_invocations(draw: st.DrawFn, root: str) -> list[str]:
    missing = f"{root}/missing-{draw(_name)}"
    name = draw(_name)  # a rule-set "name" that is no shipped one and no file
    number = draw(_bad_number)
    percent = draw(_bad_percent)
    return draw(st.sampled_from([
        ["score", "--ruleset", name, "--facts", missing],
        ["score", "--ruleset", "in_service", "--facts", missing],
        ["score", "--ruleset", "in_service", "--facts", root],
        ["score", "--ruleset", "in_service", "--facts", missing, "--format", name],
        ["inspect", name],
        ["inspect", "in_service", "--param", name],
        ["validate", missing],
        ["validate", root],
        ["docs", missing, "--out", f"{root}/docs"],
        ["check", missing, "--max-examples", number],
        ["check", missing],
        ["test", missing],
        ["test", "in_service", "--min-coverage", percent],
        ["diff", name, "in_service", "--population", missing],
        ["diff", "in_service", "in_service", "--population", missing],
        ["diff", "in_service", "in_service", "--population", missing, "--max-moved", number],
        ["whatif", name, "--reform", missing, "--population", missing],
        ["whatif", "in_service", "--reform", missing, "--population", missing],
        ["whatif", "in_service", "--reform", missing, "--population", root, "--funding-pool-yuan", number],
        ["year", missing, "--year", "2026", "--out", f"{root}/out"],
        ["year", missing, "--year", number, "--out", f"{root}/out"],
        ["year", missing, "--year", "2026", "--out", f"{root}/out", "--ruleset", name],
        ["year", missing, "--year", "2026", "--out", f"{root}/out", "--funding-pool-yuan", number],
        ["fairness", missing, "--year", "2026"],
        ["fairness", "--year", "2026"],
        ["outlook", missing, "--as-of", "2026-06"],
        ["outlook", "--demo", "--as-of", name],
        ["outlook", missing, "--as-of", "2026-06", "--ruleset", name],
        ["calibrate", "in_service", "--population", missing, "--target", "优秀<=1/3 per branch"],
        ["calibrate", "in_service", "--population", root, "--target", name],
        ["calibrate", name, "--population", root, "--target", "warning~10%"],
        ["calibrate", "in_service", "--population", root, "--param", name],
        ["schema", name],
        ["audit", "verify", missing],
        ["audit", "check-proof", missing],
        [name],
        [],
    ]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_command_turns_bad_arguments_into_one_line_and_a_documented_exit_code(tmp_path, data):
    argv = data.draw(bad_invocations(str(tmp_path)))
    code, _, err = _run(argv)
    assert code in DOCUMENTED - {0}, (argv, code, err)
    assert err.strip(), argv
    _one_line_each(err)
    first = err.splitlines()[0]
    assert first.startswith("partyrules"), (argv, err)


def test_year_with_a_missing_file_is_one_line_exit_1(tmp_path):
    # regression: printed a Python traceback
    code, _, err = _run(["year", str(tmp_path / "nope.jsonl"), "--year", "2026", "--out", str(tmp_path / "o")])
    assert code == 1
    assert err.count("\n") == 1 and err.startswith(f"partyrules year: {tmp_path / 'nope.jsonl'}: "), err


def test_shipped_short_names_are_rule_sets_everywhere(tmp_path):
    # regression: 'score --ruleset in_service' said only "cannot read in_service"
    facts = tmp_path / "m.jsonl"
    facts.write_text(generate_member_facts(1, seed=3)[0].model_dump_json() + "\n", encoding="utf-8")
    code, _, err = _run(["score", "--ruleset", "in_service", "--facts", str(facts), "--period", "2026"])
    assert code in (0, 10), err  # scored (or not applicable), never "cannot read"
    assert "cannot read in_service" not in err
    for argv in (["inspect", "retired"], ["validate", "new_citizen"], ["inspect", "branch"],
                 ["inspect", "community"]):
        assert _run(argv)[0] == 0, argv


def test_an_unknown_rule_set_names_the_shipped_ones():
    code, _, err = _run(["inspect", "in_servise"])
    assert code == 3
    assert err.startswith("partyrules inspect: in_servise") and "in_service, retired" in err, err
    _one_line_each(err)


@pytest.mark.parametrize(("python", "cli"), [
    ("pass period=Period.year(2026) (or a quarter, or a month range)", "give --period 2026"),
    ("e.g. '2026', '2026-Q2', '2026-03' or partyrules.Period.year(2026)", "--period 2026"),
    ("pass format='parquet', 'csv' or 'jsonl'", "a directory of .parquet or .csv tables"),
    ("e.g. read_population('population/') with ...", "--population population/"),
    ("read_only=True opens an existing ledger file", "an existing ledger file"),
])
def test_hints_speak_flags_not_python(python, cli):
    text = cli_hint(python)
    assert cli in text
    assert "Period.year" not in text and "format=" not in text and "read_only=" not in text


def test_version():
    code, out, _ = _run(["--version"])
    assert code == 0 and out.strip() == f"partyrules {pr.__version__ if hasattr(pr, '__version__') else '0.1.0'}"


def _walk(parser: argparse.ArgumentParser, name: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, p in action.choices.items():
                yield from _walk(p, f"{name} {sub}")
        else:
            yield name, action


def test_every_option_of_every_command_has_help():
    missing = [f"{name} {a.option_strings or a.dest}" for name, a in _walk(build_parser(), "partyrules")
               if not a.help]
    assert not missing, missing


# -- money ----------------------------------------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=10**15))
def test_yuan_is_read_exactly_to_the_fen(fen):
    text = f"{fen // 100}.{fen % 100:02d}"
    assert yuan_to_fen(text) == fen
    assert yuan_to_fen(str(Decimal(fen) / 100)) == fen


@pytest.mark.parametrize("text", ["0.001", "-1", "x", "nan", "inf", "1.005"])
def test_a_yuan_amount_not_exact_to_the_fen_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError):
        yuan_to_fen(text)


def test_year_and_whatif_spell_the_pool_the_same_and_whatif_keeps_the_old_spelling():
    parser = build_parser()
    year = parser.parse_args(["year", "p", "--year", "2026", "--out", "o", "--funding-pool-yuan", "0.29"])
    whatif = parser.parse_args(["whatif", "in_service", "--reform", "r", "--population", "p",
                                "--funding-pool-yuan", "0.29"])
    assert year.funding_pool_yuan == 29 and whatif.funding_pool == 29
    old = parser.parse_args(["whatif", "in_service", "--reform", "r", "--population", "p", "--funding-pool", "29"])
    assert old.funding_pool_fen == 29
    assert "--funding-pool " not in parser._subparsers._group_actions[0].choices["whatif"].format_help()


# -- display width, --lang zh ---------------------------------------------------------------------------------------
@given(st.text(alphabet=st.sampled_from("ab1 优秀合格基本不"), max_size=12), st.integers(0, 30))
def test_pad_fills_display_columns(text, width):
    for align in "<>":
        assert display_width(pad(text, width, align)) == max(width, display_width(text))


def test_diff_text_in_chinese_aligned(tmp_path):
    facts = tmp_path / "m.jsonl"
    facts.write_text("".join(m.model_dump_json() + "\n" for m in generate_member_facts(40, seed=5)),
                     encoding="utf-8")
    code, out, err = _run(["diff", "in_service", "in_service", "--param-new", "organ_volunteer_hours=150",
                           "--population", str(facts), "--period", "2026", "--lang", "zh"])
    assert code in (0, 10), err
    for english in ("subjects compared", "grade changed", "grade transitions", "rules responsible"):
        assert english not in out
    table = out.split("等次变化(纵为旧版, 横为新版):\n")[1].split("\n\n")[0].splitlines()
    assert "优秀" in table[0]
    assert len({display_width(line) for line in table}) == 1, table  # every row as wide as the header


# -- progress ---------------------------------------------------------------------------------------------------
def test_progress_follows_the_terminal_unless_told():
    ns = argparse.Namespace
    assert progress_wanted(ns(progress=True)) and not progress_wanted(ns(progress=False))
    assert not progress_wanted(ns(progress=None))  # under pytest stderr is captured, not a terminal


def test_no_progress_output_when_piped_and_some_when_asked(tmp_path):
    facts = tmp_path / "m.jsonl"
    facts.write_text("".join(m.model_dump_json() + "\n" for m in generate_member_facts(3, seed=1)),
                     encoding="utf-8")
    argv = ["score", "--ruleset", "in_service", "--facts", str(facts), "--period", "2026"]
    quiet, asked = _run(argv), _run([*argv, "--progress"])
    assert "scoring the subjects" not in quiet[2]
    assert "scoring the subjects" in asked[2]
    assert [json.loads(x) for x in quiet[1].split("\n") if x.strip()] == \
           [json.loads(x) for x in asked[1].split("\n") if x.strip()]  # stdout the same either way


def test_a_disabled_progress_passes_items_through():
    with Progress(False) as p:
        assert list(p.track(range(5), "x")) == [0, 1, 2, 3, 4]
    assert Path  # keep the import used for the type of tmp_path


def test_audit_verify_on_a_missing_ledger_speaks_command_line_terms(tmp_path):
    """audit printed its own error with the Python hint 'read_only=True opens an existing ledger file'."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "partyrules.cli", "audit", "verify", str(tmp_path / "none.sqlite")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "read_only" not in done.stderr
    assert done.stderr.strip().startswith("partyrules audit verify:") and len(done.stderr.strip().splitlines()) == 1
