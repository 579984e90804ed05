"""The reference check: the simulator against exact Erlang C / Erlang A values.

``python -m simulation.reference`` runs every case of ``shared/simulation/reference_cases.json``
through the full simulator (driver, ACD core, KPI engine) and prints, per case and KPI, the
analytic value, the simulated mean ± its 95 % half-width, and whether they agree within
three half-widths. It exits 1 if one does not, or if a service-level half-width is not under
0.5 percentage points.

Run lengths follow the file's own independent estimate: a case whose reference half-width was
``h`` over ``N`` calls needs about ``N·(h/h*)²`` calls for a half-width ``h*``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from queues.config import QueueConfig
from simulation.collect import KPI_NAMES, Replication
from simulation.distributions import Exponential, NoPatience
from simulation.results import summarize_figures
from simulation.runner import run_replications
from simulation.scenario import Group, Plan, QueueLoad, Targets
from simulation.tables import ProgressBar, grid

DEFAULT_CASES: Final = (
    Path(__file__).resolve().parents[2] / "shared" / "simulation" / "reference_cases.json"
)
SL_HALF_WIDTH: Final = 0.005
"""The largest service-level half-width the check accepts (0.5 percentage points)."""
HALF_WIDTH: Final = 0.0038
"""Service-level half-width runs are sized for (under :data:`SL_HALF_WIDTH` with room)."""
EXTEND_ABOVE: Final = 0.0045
MAX_BATCHES: Final = 3
WARMUP_AHT: Final = 20.0
"""Warm-up: the reference's, or this many mean handle times if shorter (ample to forget
the empty start in these cases, far cheaper than the reference's long warm-ups)."""
TOLERANCE: Final = 3.0
"""Agreement: |simulated - analytic| <= TOLERANCE half-widths."""

#: Reference metric -> KPI engine name, per analytic model.
METRICS: Final[Mapping[str, Mapping[str, str]]] = {
    "erlang_c": {"sl_40s": "sl_offered", "asa_s": "asa_s", "p_wait": "p_wait",
                 "occupancy": "occupancy"},
    "erlang_a": {"sl_offered": "sl_offered", "p_abandon": "abandon_rate",
                 "answer_rate": "answer_rate", "asa_served": "asa_s", "p_wait": "p_wait",
                 "occupancy": "occupancy"},
}
NOT_KPIS: Final = frozenset({"stable", "note", "offered_load", "truncation_states",
                             "p_abandon_check_little"})


@dataclass(frozen=True, slots=True)
class Row:
    """One case and metric: the analytic value and the simulated estimate."""

    case: str
    metric: str
    kpi: str
    analytic: float
    mean: float
    half_width: float

    @property
    def agrees(self) -> bool:
        """Within :data:`TOLERANCE` half-widths (and the SL half-width small enough)."""
        if self.kpi == "sl_offered" and not self.half_width < SL_HALF_WIDTH:
            return False
        return abs(self.mean - self.analytic) <= TOLERANCE * self.half_width


def load_cases(path: Path = DEFAULT_CASES) -> list[dict[str, Any]]:
    """The cases of the reference file."""
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases


def model_of(case: Mapping[str, Any]) -> str:
    """``erlang_a`` when the case has abandonment values, else ``erlang_c``."""
    return "erlang_a" if "erlang_a" in case["analytic"] else "erlang_c"


def calls_needed(case: Mapping[str, Any], half_width: float) -> int:
    """Calls to observe for a service-level half-width of about ``half_width``."""
    sim = case["simulated"]
    ref = sim["metrics"]["sl_offered"]["ci95_half_width"]
    return math.ceil(float(sim["calls_observed_total"]) * (float(ref) / half_width) ** 2)


def plan_for(case: Mapping[str, Any], calls_per_replication: float) -> Plan:
    """A stationary one-queue plan reproducing the case's inputs."""
    inputs = case["inputs"]
    rate = float(inputs["calls_per_hour"]) / 3600.0
    hours = max(1, math.ceil(calls_per_replication / rate / 3600.0))
    patience = inputs["patience_mean_s"]
    queue = QueueConfig("support", "support", sl_threshold_s=float(inputs["sl_threshold_s"]))
    load = QueueLoad(
        queue="support",
        rates_per_s=(rate,) * hours,
        handle=Exponential(distribution="exponential", mean_s=float(inputs["aht_s"])),
        patience=NoPatience(distribution="none") if patience is None else Exponential(
            distribution="exponential", mean_s=float(patience)),
        redials=None,
        callback_probability=0.0,
    )
    group = Group("agents", {"support": 1}, (int(inputs["agents"]),) * hours)
    return Plan(
        name=case["id"], start_s=0.0, interval_s=3600.0, n_intervals=hours,
        warmup_s=min(float(case["simulated"]["warmup_s"]), WARMUP_AHT * float(inputs["aht_s"])),
        queues=(queue,), loads=(load,),
        groups=(group,), targets=Targets(sl_threshold_s=float(inputs["sl_threshold_s"])),
    )


def check_case(
    case: Mapping[str, Any],
    replications: int = 40,
    half_width: float = HALF_WIDTH,
    seed: int = 2026,
    workers: int | None = None,
    progress: ProgressBar | None = None,
) -> list[Row]:
    """Simulate one case; one row per metric the KPI engine defines.

    Replications come in batches of ``replications`` (batch ``b`` seeded ``seed + b``); a
    batch is added while the service-level half-width is not under :data:`EXTEND_ABOVE`,
    at most :data:`MAX_BATCHES` in all: half-widths estimated from a few dozen
    replications vary by a fifth either way, so a first batch may come out a little wide.
    """
    plan = plan_for(case, calls_needed(case, half_width) / replications)
    reps: list[Replication] = []
    for batch in range(MAX_BATCHES):
        reps += run_replications(plan, replications, seed + batch, workers, progress)
        kpis = summarize_figures([r.overall for r in reps], KPI_NAMES)
        hw = kpis["sl_offered"]["ci95_half_width"]
        if hw is not None and hw < EXTEND_ABOVE:
            break
    model = model_of(case)
    rows = []
    for metric, kpi in METRICS[model].items():
        s = kpis[kpi]
        assert s["mean"] is not None and s["ci95_half_width"] is not None
        rows.append(Row(case["id"], metric, kpi, float(case["analytic"][model][metric]),
                        s["mean"], s["ci95_half_width"]))
    return rows


def skipped(case: Mapping[str, Any]) -> list[str]:
    """Metrics of the case the KPI engine has no indicator for."""
    model = model_of(case)
    return [m for m in case["analytic"][model] if m not in METRICS[model] and m not in NOT_KPIS]


def table(rows: Sequence[Row]) -> str:
    """Per case and metric: analytic, simulated mean ± half-width, verdict."""
    return grid(
        ["case", "metric", "analytic", "simulated", "± 95 %", "|diff|/hw", "within 3 hw"],
        [[r.case, r.metric, f"{r.analytic:.4f}", f"{r.mean:.4f}", f"{r.half_width:.4f}",
          f"{abs(r.mean - r.analytic) / r.half_width:.2f}" if r.half_width else "inf",
          "yes" if r.agrees else "NO"] for r in rows],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the full reference check; exit status 1 if any metric disagrees."""
    parser = argparse.ArgumentParser(prog="python -m simulation.reference",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--only", nargs="*", help="case ids to run (default: all)")
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--half-width", type=float, default=HALF_WIDTH,
                        help="service-level half-width to size runs for (default %(default)s)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for case in load_cases(args.cases):
        if args.only and case["id"] not in args.only:
            continue
        started = time.perf_counter()
        bar = ProgressBar(f"{case['id']} ({calls_needed(case, args.half_width):,} calls)")
        rows += check_case(case, args.replications, args.half_width, args.seed, args.workers,
                           bar)
        print(f"{case['id']}: {time.perf_counter() - started:.1f} s"
              + (f"; not checked (no KPI defined): {', '.join(skipped(case))}"
                 if skipped(case) else ""), file=sys.stderr)
    print(table(rows))
    bad = [r for r in rows if not r.agrees]
    print(f"\n{len(rows) - len(bad)} of {len(rows)} metrics agree within {TOLERANCE:g} "
          "half-widths")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
