"""partyrules keys (add prints the key once, list never shows secrets) and serve's refusals before it starts."""

from __future__ import annotations

import subprocess
import sys

from partyrules.cli import main
from partyrules.service import KeyStore


def test_keys_add_prints_the_key_once_and_list_shows_no_secret(tmp_path, capsys):
    path = tmp_path / "keys.jsonl"
    assert main(["keys", "add", "clerk", "--role", "score", "--file", str(path)]) == 0
    key = capsys.readouterr().out.strip()
    assert KeyStore.load(path).check(key).role == "score"
    assert main(["keys", "list", "--file", str(path)]) == 0
    listed = capsys.readouterr().out
    assert "clerk" in listed and "score" in listed and key.split("_", 2)[2] not in listed


def test_serve_without_keys_is_exit_2_with_a_hint(tmp_path, capsys):
    assert main(["serve", "--keys", str(tmp_path / "none.jsonl")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "partyrules keys add" in err


def test_serve_without_the_api_extra_is_one_line_with_the_install_hint(tmp_path):
    code = ("import sys; sys.modules['fastapi'] = None; sys.modules['uvicorn'] = None\n"
            "from partyrules.cli import main; sys.exit(main(['serve', '--keys', 'k']))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "partyrules[api]" in run.stderr
