"""Pure waiting-line machinery, queue rules and the KPI engine (standard library only).

Nothing here does I/O or reads a clock: every function that needs the time takes ``now``.
"""

from queues import _native

_native.install()  # ACCUEIL_PURE_PYTHON, stale extensions: before any module loads
