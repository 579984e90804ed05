"""The one exception base of the ``acd`` package.

An event the core cannot apply raises, and leaves the state exactly as it was (h11 style).
"""

from queues.errors import ConfigError


class AcdError(ValueError):
    """An event the ACD cannot apply in its current state."""


class UnknownCall(AcdError):
    """The event names a call the ACD does not hold."""


class UnknownAgent(AcdError):
    """The event names an agent the ACD does not know."""


class InvalidEvent(AcdError):
    """The event is not valid in the current state of the call or agent."""


__all__ = ["AcdError", "ConfigError", "InvalidEvent", "UnknownAgent", "UnknownCall"]
