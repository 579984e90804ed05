"""``accueil simulate`` / ``accueil staff``: JSON, table, report, and errors without tracebacks."""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulation import cli, report, svg
from simulation.tables import ProgressBar

SCENARIO = """\
name: cli day
start: "09:00"
interval_minutes: 60
queues: [{name: support, skill: support}]
arrivals: [{queue: support, calls_per_hour: [100, 150, 80]}]
handle_time: {distribution: exponential, mean_s: 240}
patience: {distribution: exponential, mean_s: 180}
agents: [{count: [9, 12, 8], skills: {support: 1}}]
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "day.yaml"
    path.write_text(SCENARIO)
    return path


def test_register_adds_both_subcommands() -> None:
    parser = argparse.ArgumentParser(prog="accueil")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", "x.yaml", "-n", "3"])
    assert args.func is cli.simulate and args.replications == 3 and args.report is None
    assert parser.parse_args(["staff", "x.yaml"]).func is cli.staff_command


def test_simulate_prints_the_table_and_writes_json_and_report(
    scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, rep = tmp_path / "out" / "result.json", tmp_path / "report"
    code = cli.main(["simulate", str(scenario), "-n", "3", "--seed", "4", "--workers", "1",
                     "--json", str(out), "--report", str(rep)])
    assert code == 0
    text = capsys.readouterr().out
    assert "cli day: 3 replications, seed 4" in text
    assert re.search(r"answered within threshold\s+\d+\.\d % ± \d+\.\d\s+≥ 80\.0 %\s+(met|MISSED)",
                     text)
    assert "09:00" in text and "11:00" in text
    data = json.loads(out.read_text())
    assert data["seed"] == 4 and len(data["intervals"]) == 3
    page = (rep / "index.html").read_text()
    assert page.count("<svg") == 4 and "Service level" in page and "polygon" in page
    assert 'class="target"' in page


def test_a_bad_scenario_prints_one_line_and_exits_2(
    scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario.write_text(SCENARIO.replace("mean_s: 240", "mean_s: -240"))
    assert cli.main(["simulate", str(scenario), "--seed", "1"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err == f"error: {scenario}:6: handle_time.mean_s: Input should be greater than 0\n"
    assert cli.main(["staff", str(scenario)]) == cli.EXIT_BAD_INPUT


def test_the_command_as_a_process_shows_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO.replace("skill: support}]\narrivals", "skil: support}]\narrivals"))
    run = subprocess.run(
        [sys.executable, "-c", "from simulation.cli import main; raise SystemExit(main())",
         "simulate", str(bad)],
        capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip() == f"error: {bad}:4: queues[0].skil: unknown field 'skil'"


def test_seed_defaults_to_a_printed_random_one(
    scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["simulate", str(scenario), "-n", "2", "--workers", "1", "-q"]) == 0
    assert capsys.readouterr().out == ""


def test_chart_scales_bands_and_gaps() -> None:
    series = svg.Series([0.5, None, 0.9], [0.4, None, 0.8], [0.6, None, 1.0])
    chart = svg.line_chart("SL", ["a", "b", "c"], series, lambda v: f"{v:.0%}", 0.8)
    assert chart.startswith("<svg") and chart.endswith("</svg>")
    assert chart.count("<polygon") == 2 and chart.count("<polyline") == 2  # the gap splits
    assert "target 80%" in chart
    assert svg.nice_max(0.93) == 1.0 and svg.nice_max(130) == 200 and svg.nice_max(0) == 1.0
    assert report.band([{"mean": 1.0, "ci95_half_width": 0.5}]).high == [1.5]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_draws_only_on_a_terminal() -> None:
    screen = _Terminal()
    bar = ProgressBar("simulating", screen, width=10)
    bar(1, 4)
    bar(4, 4)
    assert screen.getvalue() == ("\rsimulating [##........] 1/4"
                                 "\rsimulating [##########] 4/4\n")
    pipe = io.StringIO()
    ProgressBar("x", pipe)(1, 2)
    assert pipe.getvalue() == ""
