"""The skills-based ACD: agents, routing strategies and the sans-I/O distributor core.

Drive it with :meth:`acd.engine.Acd.handle` (events in, commands out),
:meth:`~acd.engine.Acd.next_deadline` and :meth:`~acd.engine.Acd.on_timer`; read what
happened from :meth:`~acd.engine.Acd.pop_records`.
"""

from queues import _native

_native.install()  # ACCUEIL_PURE_PYTHON, stale extensions: before any module loads
