"""``accueil simulate`` and ``accueil staff``: the planner's commands.

``register(subparsers)`` adds both to the ``accueil`` command; :func:`main` runs them alone
(``python -m simulation.cli simulate day.yaml``). A bad scenario prints one line naming the
file, line and field, and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulation import report, results, scenario, staffing
from simulation.errors import SimulationError
from simulation.runner import run_replications
from simulation.tables import ProgressBar, interval_table, kpi_table

EXIT_BAD_INPUT = 2
_INTERVAL_COLUMNS = ("calls_offered", "sl_offered", "asa_s", "abandon_rate", "occupancy")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``simulate`` and ``staff`` subcommands."""
    sim = subparsers.add_parser(
        "simulate", help="simulate a scenario: KPIs with confidence intervals",
        description="Run independent replications of a scenario through the ACD core and "
        "report every KPI (mean and 95 %% half-width) overall, per queue and per interval.")
    _common(sim, replications=10)
    sim.add_argument("--report", metavar="DIR", type=Path,
                     help="write an HTML report with plots into DIR")
    sim.set_defaults(func=simulate)
    staff = subparsers.add_parser(
        "staff", help="minimum agents per interval meeting the targets",
        description="Size each agent group per interval with Erlang C / Erlang A, then "
        "confirm and correct the plan by simulation.")
    _common(staff, replications=8)
    staff.add_argument("--max-rounds", type=int, default=staffing.MAX_ROUNDS,
                       help="simulation rounds of correction at most (default %(default)s)")
    staff.set_defaults(func=staff_command)


def _common(p: argparse.ArgumentParser, replications: int) -> None:
    p.add_argument("scenario", type=Path, help="scenario file (YAML)")
    p.add_argument("--replications", "-n", type=_positive, default=replications,
                   help="independent replications (default %(default)s)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the run (default: a random one, printed)")
    p.add_argument("--workers", type=_positive, default=os.cpu_count() or 1,
                   help="worker processes (default: the machine's cores, %(default)s)")
    p.add_argument("--json", metavar="OUT", type=Path, help="write the result as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _seed(args: argparse.Namespace) -> int:
    if args.seed is not None:
        return int(args.seed)
    return int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]


def _say(args: argparse.Namespace, text: str) -> None:
    if args.quiet:
        return
    try:
        print(text, flush=True)
    except BrokenPipeError:  # the reader went away (``| head``): stop printing, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        args.quiet = True


def simulate(args: argparse.Namespace) -> int:
    """The ``simulate`` command."""
    try:
        plan = scenario.load(args.scenario)
    except SimulationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    seed = _seed(args)
    bar = ProgressBar("simulating") if not args.quiet else None
    started = time.perf_counter()
    reps = run_replications(plan, args.replications, seed, args.workers, bar)
    elapsed = time.perf_counter() - started
    out = results.build(plan, reps, seed, results.scenario_info(plan, str(args.scenario)))
    targets = results.targets_of(plan)
    _say(args, f"{plan.name or args.scenario}: {args.replications} replications, seed {seed}, "
         f"{elapsed:.1f} s\n")
    _say(args, kpi_table(out, targets))
    _say(args, "\n" + interval_table(out, _INTERVAL_COLUMNS))
    if args.json is not None:
        _write_json(args.json, out)
    if args.report is not None:
        path = report.write(args.report, out, targets, plan.targets.max_occupancy)
        _say(args, f"\nreport: {path}")
    return 0


def staff_command(args: argparse.Namespace) -> int:
    """The ``staff`` command."""
    try:
        plan = scenario.load(args.scenario)
    except SimulationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    seed = _seed(args)
    started = time.perf_counter()
    try:
        found = staffing.search(plan, args.replications, seed, args.workers, args.max_rounds)
    except SimulationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    out = staffing.to_json(found, plan, seed, results.scenario_info(plan, str(args.scenario)))
    _say(args, f"{plan.name or args.scenario}: staffing found in {elapsed:.1f} s "
         f"({found.rounds} simulation rounds, {args.replications} replications each), "
         f"seed {seed}\n")
    _say(args, staffing.table(found, plan))
    _say(args, "\n" + kpi_table(found.result, results.targets_of(plan)))
    if not found.meets:
        _say(args, "\nwarning: some intervals still miss a target (see the table)")
    if args.json is not None:
        _write_json(args.json, out)
    return 0 if found.meets else 1


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``simulate`` or ``staff`` as a stand-alone command."""
    parser = argparse.ArgumentParser(prog="accueil")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
