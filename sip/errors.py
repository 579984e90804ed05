"""The single exception family raised by the SIP message layer."""

from __future__ import annotations

__all__ = ["REASON_PHRASES", "BadExtensionError", "SipError"]

#: Default reason phrases (RFC 3261 §21 plus a few common extensions).
REASON_PHRASES: dict[int, str] = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    199: "Early Dialog Terminated",
    200: "OK",
    202: "Accepted",
    204: "No Notification",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Moved Temporarily",
    305: "Use Proxy",
    380: "Alternative Service",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    410: "Gone",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    421: "Extension Required",
    422: "Session Interval Too Small",
    423: "Interval Too Brief",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    484: "Address Incomplete",
    485: "Ambiguous",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    489: "Bad Event",
    491: "Request Pending",
    493: "Undecipherable",
    500: "Server Internal Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Server Time-out",
    505: "Version Not Supported",
    513: "Message Too Large",
    580: "Precondition Failure",
    600: "Busy Everywhere",
    603: "Decline",
    604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
}


class SipError(ValueError):
    """A SIP message (or a piece of one) is malformed or cannot be accepted.

    ``status_hint`` is the status code a UAS should answer a faulty *request* with
    (400 unless a more specific code applies: 413, 416, 420, 505, 513, ...).
    ``header`` names the offending header field (canonical lower-case long form), or is
    ``None`` when the problem is in the start line or the framing.
    """

    status_hint: int
    header: str | None

    def __init__(self, message: str, status_hint: int = 400, header: str | None = None) -> None:
        super().__init__(message)
        self.status_hint = status_hint
        self.header = header

    def __reduce__(self) -> tuple[object, ...]:
        # Keep status_hint and header when an error crosses a process boundary.
        return (type(self), (str(self), self.status_hint, self.header))

    @property
    def reason(self) -> str:
        """The default reason phrase for :attr:`status_hint`."""
        return REASON_PHRASES.get(self.status_hint, "Bad Request")


class BadExtensionError(SipError):
    """A request requires option tags we do not support (answer 420 with Unsupported)."""

    unsupported: tuple[str, ...]

    def __init__(self, unsupported: tuple[str, ...]) -> None:
        super().__init__(
            "Require lists unsupported option tag(s): " + ", ".join(unsupported), 420, "require"
        )
        self.unsupported = unsupported

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.unsupported,))
