"""Supervision: the FastAPI app, the live feed and the KPI reports."""
