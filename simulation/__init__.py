"""The planner's load simulator: SimPy driving the real ACD core, staffing search, reports.

The simulator runs the same ``acd``/``queues`` code and the same KPI engine as the live
engine; nothing here routes a call or computes a KPI itself.

* :mod:`simulation.scenario` — scenario files (YAML, pydantic): :func:`~scenario.load` gives a
  :class:`~scenario.Plan`; errors name the file, line and field.
* :mod:`simulation.driver` — the SimPy driver of :class:`acd.engine.Acd`; :mod:`simulation.world`
  puts random callers and agents around it; :mod:`simulation.scripted` runs an explicit
  script and returns the full trace (:func:`~scripted.run_script`, the golden test's side).
* :mod:`simulation.runner` — one replication (:func:`~runner.run_replication`) and many in
  parallel (:func:`~runner.run_replications`), reproducible bit for bit from one seed.
* :mod:`simulation.collect` / :mod:`simulation.results` — figures from the KPI engine, and
  the JSON result (mean and 95 % half-width overall, per queue, per interval).
* :mod:`simulation.erlang` — exact Erlang C / Erlang A; :mod:`simulation.staffing` and
  :mod:`simulation.calibration` — the staffing search.
* :mod:`simulation.report` / :mod:`simulation.svg` — the HTML report with inline SVG charts.
* :mod:`simulation.cli` — ``accueil simulate`` and ``accueil staff``;
  :mod:`simulation.reference` — ``python -m simulation.reference``, the check against the
  exact reference values.
"""

from queues import _native

_native.install()  # ACCUEIL_PURE_PYTHON, stale extensions: before any module loads
