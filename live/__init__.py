"""The asyncio runtime and the ``accueil`` command."""
