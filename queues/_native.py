"""Which build of the pure core runs: the modules compiled by mypyc, or their ``.py`` sources.

``setup.py`` compiles :data:`COMPILED` with mypyc when it can (a C compiler and the Python
headers) and installs pure Python otherwise. The sources stay the single source of truth:
the extensions are built from them, unchanged.

``ACCUEIL_PURE_PYTHON=1`` (at install time: build no extension; at run time: import the
``.py`` sources even where extensions exist) is for debugging and comparisons. The switch is
all or nothing: compiled modules share one native library and call each other directly, so
mixing a compiled ``acd.engine`` with a source ``queues.line`` would give two copies of the
same classes. Each compiled package's ``__init__`` calls :func:`install` before any of its
modules loads.

An extension older than its source (edited, or another branch checked out, after an editable
build) is a trap: :func:`install` warns, naming the stale modules and the fix.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec, PathFinder
from importlib.util import find_spec, spec_from_file_location
from types import ModuleType

COMPILED: tuple[str, ...] = (
    "acd.commands",
    "acd.engine",
    "acd.errors",
    "acd.events",
    "acd.model",
    "acd.roster",
    "acd.strategies",
    "queues.definitions",
    "queues.errors",
    "queues.estimate",
    "queues.kpi",
    "queues.kpi_agents",
    "queues.kpi_buckets",
    "queues.kpi_facts",
    "queues.kpi_fold",
    "queues.line",
    "queues.records",
    "simulation.driver",
    "simulation.world",
)
"""Modules that ``setup.py`` compiles (the per-call path of the ACD core, the KPI engine and
the simulator's driver). Not ``queues.config`` or ``acd.model.AgentConfig``-holding plans:
a compiled frozen dataclass cannot be unpickled, and plans go to worker processes."""

ENV = "ACCUEIL_PURE_PYTHON"
_SLACK_S = 2.0
"""A source this much newer than its extension is stale (installs write both at once)."""


def pure_python_forced() -> bool:
    """``ACCUEIL_PURE_PYTHON`` is set to something other than ``""`` or ``"0"``."""
    return os.environ.get(ENV, "") not in ("", "0")


class _SourcesFirst(MetaPathFinder):
    """Finds the ``.py`` source of a compiled module instead of its extension."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in COMPILED:
            return None
        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not _is_extension(spec.origin):
            return spec
        source = os.path.join(os.path.dirname(spec.origin), fullname.rpartition(".")[2] + ".py")
        return spec_from_file_location(fullname, source) if os.path.exists(source) else spec


def _is_extension(path: str) -> bool:
    return any(path.endswith(suffix) for suffix in EXTENSION_SUFFIXES)


def install() -> None:
    """Honour ``ACCUEIL_PURE_PYTHON`` (once), else warn about stale extensions (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    if pure_python_forced():
        sys.meta_path.insert(0, _SourcesFirst())
        return
    stale = stale_extensions()
    if stale:
        warnings.warn(
            f"compiled modules older than their sources: {', '.join(stale)}; rebuild with "
            f"`pip install -e .` or run the sources with {ENV}=1",
            RuntimeWarning,
            stacklevel=2,
        )


_installed = False


def stale_extensions() -> list[str]:
    """Compiled modules whose ``.py`` source is newer than their extension."""
    stale = []
    for name in COMPILED:
        package, _, module = name.partition(".")
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            source = os.path.join(folder, module + ".py")
            built = [os.path.join(folder, module + s) for s in EXTENSION_SUFFIXES]
            built = [b for b in built if os.path.exists(b)]
            if built and os.path.exists(source) and (
                os.path.getmtime(source) > max(map(os.path.getmtime, built)) + _SLACK_S
            ):
                stale.append(name)
    return stale


def compiled() -> bool:
    """The core runs compiled (``queues.records`` was loaded from an extension)."""
    from queues import records  # here, not at the top: this module loads before queues does

    return _is_extension(records.__file__ or "")
