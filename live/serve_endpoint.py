"""The SIP endpoint of ``accueil serve``, configured from the serve configuration."""

from __future__ import annotations

import ipaddress
import random

from live.config import ServeConfig
from sip.config import EndpointConfig
from sip.security import TrunkConfig
from sip.uas import SipEndpoint

__all__ = ["advertised_host", "build_endpoint"]


def advertised_host(config: ServeConfig, bound_host: str) -> str:
    """The address peers reach us at: ``advertise``, else the address bound (unless it is a
    wildcard such as 0.0.0.0, then the RTP address)."""
    if config.advertise:
        return config.advertise
    try:
        wildcard = ipaddress.ip_address(bound_host).is_unspecified
    except ValueError:
        wildcard = False
    return config.rtp_address if wildcard else bound_host


def build_endpoint(config: ServeConfig, host: str, port: int) -> SipEndpoint:
    """A :class:`~sip.uas.SipEndpoint` for ``config``, bound at ``host:port``; tags and
    branches drawn from the system's random source (unguessable, RFC 3261 §19.3)."""
    trunks = tuple(TrunkConfig(t.name, t.allow, t.rate, t.burst, t.reject_with)
                   for t in config.trunks)
    endpoint_config = EndpointConfig(host=advertised_host(config, host), port=port,
                                     trunks=trunks, reject_with=config.reject_with)
    return SipEndpoint(endpoint_config, rng=random.SystemRandom())
