"""Supervision: the FastAPI app, the live feed and the KPI reports.

Build with :func:`monitoring.app.create_app` over an :class:`monitoring.engine.EngineView`
(e.g. :class:`monitoring.engine.RuntimeView`), run with :func:`monitoring.app.serve`.
``monitoring`` never imports ``live``.
"""
