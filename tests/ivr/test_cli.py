"""``accueil ivr check FILE``: a summary and exit 0, or the problems and exit 1."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from ivr import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ivr" / "contact_center.yaml"
BROKEN = """\
prompts: {p: Bonjour}
entries: {"100": {start: main}}
nodes:
  main:
    type: menu
    prompt: p
    on_fail: bye
    choices:
      1: sales_q
  bye: {type: hangup}
"""


def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["ivr", "check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(str(EXAMPLE), "--queues", "efiling, account,general", capsys=capsys)
    assert code == 0, err
    assert err == ""
    assert "OK: 3 entries, 14 nodes" in out
    assert "queues: account, efiling, general" in out
    assert "warning: prompts.incident_efiling" in out


def test_check_a_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ivr.yaml"
    path.write_text(BROKEN)
    code, out, err = run(str(path), capsys=capsys)
    assert code == 1
    assert out == ""
    assert f"{path}:9: nodes.main.choices.1: unknown node 'sales_q'" in err
    assert "Traceback" not in err
    assert err.rstrip().endswith("1 problem, not loaded")


def test_check_with_queues_that_do_not_match(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(str(EXAMPLE), "--queues", "efiling", capsys=capsys)
    assert code == 1
    assert "unknown queue 'account' (ACD queues: efiling)" in err
    assert "4 problems" in err  # two queue nodes, two waiting sections


def test_check_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(str(tmp_path / "nope.yaml"), capsys=capsys)
    assert code == 1
    assert "cannot read the file" in err


def test_register_plugs_into_the_accueil_parser() -> None:
    parser = argparse.ArgumentParser(prog="accueil")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.register(sub)
    args = parser.parse_args(["ivr", "check", "x.yaml", "--queues", "a,b"])
    assert (args.command, args.ivr_command, args.file) == ("ivr", "check", "x.yaml")
    assert args.queues == "a,b"
    assert args.func is cli.run_check


def test_runs_as_a_module(tmp_path: Path) -> None:
    path = tmp_path / "ivr.yaml"
    path.write_text(BROKEN)
    result = subprocess.run(
        [sys.executable, "-m", "ivr.cli", "ivr", "check", str(path)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    )
    assert result.returncode == 1
    assert "nodes.main.choices.1: unknown node 'sales_q'" in result.stderr
    assert "Traceback" not in result.stderr
