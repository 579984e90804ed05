"""Configuration of a :class:`sip.uas.SipEndpoint`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sip.framing import DEFAULT_MAX_MESSAGE_SIZE
from sip.registrar import AgentAccount, RegistrarConfig
from sip.security import TrunkConfig
from sip.timers import TimerConfig

__all__ = ["AgentAccount", "EndpointConfig", "RegistrarConfig", "TrunkConfig"]


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """Who we are on the wire and whom we accept requests from."""

    host: str = "127.0.0.1"
    """The address we advertise in Via and Contact (an IP literal or a host name)."""
    port: int = 5060
    """Our SIP port (the same for UDP and TCP)."""
    trunks: tuple[TrunkConfig, ...] = ()
    """Allowed peers.  Empty: no allow-list at all, every source is admitted."""
    timers: TimerConfig = field(default_factory=TimerConfig)
    """T1, T2, T4."""
    reject_with: int | None = None
    """Status answered to sources outside every allow-list (e.g. 403); None: silent drop."""
    user_agent: str | None = "accueil"
    """The Server header of our responses and User-Agent of our requests (None: omitted)."""
    supported: tuple[str, ...] = ()
    """Option tags we implement: a Require naming anything else gets 420 (RFC 3261 §8.2.2.3)."""
    symmetric: bool = False
    """Send in-dialog requests (BYE, REFER) back to the INVITE's source address instead of
    the remote target (useful behind NAT).  Host-name targets always fall back to it."""
    max_sources: int = 10_000
    """Size of the per-source rate-limit table (full: new sources are refused)."""
    refusal_response_rate: float = 20.0
    """Answers to refused requests per second, all sources together."""
    refusal_response_burst: int = 40
    """Bucket size of ``refusal_response_rate``."""
    max_pending_refusals: int = 1000
    """``RequestRefused`` events held undrained before further ones are only counted."""
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    """Largest message accepted on a TCP connection."""
    registrar: RegistrarConfig | None = None
    """Accept agents' REGISTERs (digest-authenticated); None: REGISTER gets 405 as before."""
    recreate_dialogs: bool = True
    """An INVITE whose To tag names no dialog we hold (our state was lost, e.g. a restart,
    while the peer still has the call) starts a new call in that dialog instead of 481
    (RFC 3261 §12.2.2 leaves the choice to the UAS; RFC 4475's wsinv expects it): the
    caller is served again rather than cut off.  False: 481, as for other requests."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "trunks", tuple(self.trunks))
        object.__setattr__(self, "supported", tuple(self.supported))
        if not 0 < self.port <= 65535:
            raise ValueError(f"port out of range: {self.port}")
        if self.reject_with is not None and not 400 <= self.reject_with <= 699:
            raise ValueError("reject_with must be a 400-699 status")
