"""The SIP endpoint of ``accueil serve``, configured from the serve configuration."""

from __future__ import annotations

import ipaddress
import random
import secrets

from live.config import ServeConfig
from sip.config import AgentAccount, EndpointConfig, RegistrarConfig
from sip.security import TrunkConfig
from sip.uas import SipEndpoint

__all__ = ["REALM", "advertised_host", "build_endpoint", "registrar_config"]

#: The digest realm agents register in (an ``ha1`` in the configuration is
#: ``MD5(id:accueil:password)``).
REALM = "accueil"


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
                                     trunks=trunks, reject_with=config.reject_with,
                                     registrar=registrar_config(config))
    return SipEndpoint(endpoint_config, rng=random.SystemRandom())


def registrar_config(config: ServeConfig) -> RegistrarConfig | None:
    """The registrar for the agents that have a ``password`` or ``ha1`` (``None``: none)."""
    accounts = []
    for line in config.agent_lines:
        if line.password is not None:
            accounts.append(AgentAccount.from_password(line.agent_id, REALM, line.password))
        elif line.ha1 is not None:
            accounts.append(AgentAccount(line.agent_id, (("MD5", line.ha1),)))
    if not accounts:
        return None
    return RegistrarConfig(REALM, secrets.token_bytes(32), tuple(accounts))
