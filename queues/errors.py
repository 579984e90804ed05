"""The one exception base of the ``queues`` package."""


class QueuesError(ValueError):
    """Bad queue configuration or an impossible request on a waiting line."""


class ConfigError(QueuesError):
    """A configuration value is invalid; the message names the field."""
