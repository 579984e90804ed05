"""A sans-I/O SIP registrar for agents' phones (RFC 3261 §10.3), with digest authentication.

:class:`Registrar` answers REGISTER requests handed to it by the endpoint:

1. No credentials for our realm: 401 with one challenge per algorithm (SHA-256, then MD5,
   RFC 8760).  Unknown users get the same 401 (no user enumeration) and a 403 once they
   send credentials; a wrong password is 403 too; a stale nonce is 401 ``stale=true``.
2. Bindings per address of record (the To URI): each Contact's ``expires`` (or the
   Expires header, or the default), 423 with Min-Expires below ``min_expires``, clamped to
   ``max_expires``; ``Expires: 0`` removes, ``Contact: *`` with ``Expires: 0`` removes all;
   a request whose Call-ID matches a binding's but whose CSeq is not higher is refused
   (500, §10.3 step 7) and changes nothing.
3. 200 with every current binding and its remaining time.

Bindings lapse at their deadline (:meth:`Registrar.next_deadline` / :meth:`on_timer`);
every change is an :class:`~sip.events.AgentRegistered` or
:class:`~sip.events.AgentUnregistered` event (:meth:`Registrar.pop_events`) so the ACD
driver can log agents in and out.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from sip.digest import ALGORITHMS, Authorization, DigestAuth, Verdict, stored_ha1
from sip.errors import SipError
from sip.events import Address, AgentRegistered, AgentUnregistered, Transport
from sip.message import Request
from sip.uri import SipUri, parse_uri
from sip.values import NameAddr, Wildcard

__all__ = ["AgentAccount", "Binding", "RegisterReply", "Registrar", "RegistrarConfig"]

Headers = tuple[tuple[str, str], ...]
_MAX_EXPIRES_VALUE: Final = 2**32 - 1


@dataclass(frozen=True, slots=True)
class AgentAccount:
    """An agent who may register: a name and the stored HA1 per algorithm (never a password)."""

    user: str
    """The account name (the user part of the AOR and the digest username)."""
    ha1: tuple[tuple[str, str], ...] = field(repr=False)
    """``(algorithm, H(user:realm:password))`` pairs, e.g. from :meth:`from_password`."""

    @classmethod
    def from_password(
        cls, user: str, realm: str, password: str, algorithms: tuple[str, ...] = ALGORITHMS
    ) -> AgentAccount:
        """Hash ``password`` at once (for the config tool and tests); it is not kept."""
        return cls(user, tuple(stored_ha1(user, realm, password, algorithms).items()))


@dataclass(frozen=True, slots=True)
class RegistrarConfig:
    """Realm, nonce secret, accounts and expiry limits of the registrar."""

    realm: str
    """The digest realm (usually our domain)."""
    secret: bytes = field(repr=False)
    """Key of the nonce HMAC (>= 16 random bytes)."""
    accounts: tuple[AgentAccount, ...] = ()
    """Who may register."""
    min_expires: int = 60
    """Shorter registrations get 423 Interval Too Brief."""
    max_expires: int = 3600
    """Longer ones are shortened to this."""
    default_expires: int = 3600
    """When neither the Contact nor the request says."""
    nonce_ttl: float = 300.0
    """How long a nonce stays fresh."""
    max_bindings: int = 10
    """Contacts one AOR may hold (more: 403)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "accounts", tuple(self.accounts))
        if not 0 < self.min_expires <= self.default_expires <= self.max_expires:
            raise ValueError("need 0 < min_expires <= default_expires <= max_expires")


@dataclass(slots=True)
class Binding:
    """One Contact bound to an address of record."""

    aor: str
    """The address of record."""
    contact: NameAddr
    """The Contact as registered."""
    expires_at: float
    """When it lapses."""
    call_id: str
    """Call-ID of the REGISTER that last set it."""
    cseq: int
    """Its CSeq number."""
    source: Address
    """Where that REGISTER came from."""
    user: str
    """The account that registered it."""
    transport: Transport = "udp"
    """How that REGISTER came."""
    conn: int | None = None
    """Its TCP connection (None on UDP)."""

    @property
    def uri(self) -> str:
        """The Contact URI, as text."""
        return str(self.contact.uri)


class RegisterReply(NamedTuple):
    """What to answer a REGISTER with."""

    status: int
    """The status code."""
    headers: Headers = ()
    """Extra headers (WWW-Authenticate, Contact, Min-Expires)."""


class Registrar:
    """Bindings of every AOR, and the REGISTER handling of §10.3."""

    __slots__ = ("_accounts", "_bindings", "_events", "_heap", "_seq", "auth", "config")

    def __init__(self, config: RegistrarConfig) -> None:
        self.config = config
        self.auth = DigestAuth(config.realm, config.secret, nonce_ttl=config.nonce_ttl)
        self._accounts = {a.user: dict(a.ha1) for a in config.accounts}
        self._bindings: dict[str, dict[str, Binding]] = {}
        self._events: list[AgentRegistered | AgentUnregistered] = []
        self._heap: list[tuple[float, int, str, str]] = []
        self._seq = itertools.count()

    # -- queries --------------------------------------------------------------------------

    def bindings(self, aor_or_user: str) -> list[Binding]:
        """Current bindings of an AOR (``sip:alice@example.com``) or of a user (``alice``)."""
        if ":" in aor_or_user:
            return list(self._bindings.get(_aor_key(aor_or_user), {}).values())
        return [b for aor in self._bindings.values() for b in aor.values()
                if b.user == aor_or_user]

    def pop_events(self) -> list[AgentRegistered | AgentUnregistered]:
        """Events since the last call."""
        out, self._events = self._events, []
        return out

    # -- timers ---------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When the next binding lapses, or None."""
        heap = self._heap
        while heap:
            when, _, aor, key = heap[0]
            binding = self._bindings.get(aor, {}).get(key)
            if binding is not None and binding.expires_at == when:
                return when
            heapq.heappop(heap)
        return None

    def on_timer(self, now: float) -> None:
        """Drop every binding that lapsed by ``now`` (AgentUnregistered ``expired``)."""
        while (when := self.next_deadline()) is not None and when <= now:
            _, _, aor, key = heapq.heappop(self._heap)
            self._remove(aor, key, "expired")

    # -- REGISTER -------------------------------------------------------------------------

    def handle(
        self,
        request: Request,
        source: Address,
        now: float,
        *,
        transport: Transport = "udp",
        conn: int | None = None,
    ) -> RegisterReply:
        """Answer one (new, validated) REGISTER.  Never raises for bad input: 4xx instead."""
        try:
            to = request.to.uri
            if not isinstance(to, SipUri) or not to.user:
                return RegisterReply(404)
            user = to.user
            refusal = self._authenticate(request, user, now)
            if refusal is not None:
                return refusal
            where = (source, transport, conn)
            return self._update(request, _aor_key(str(to)), user, where, now)
        except SipError as exc:
            return RegisterReply(exc.status_hint if 400 <= exc.status_hint < 700 else 400)

    def _authenticate(self, request: Request, user: str, now: float) -> RegisterReply | None:
        auth = self._credentials(request)
        if auth is None:
            return self._challenge(now)
        if not _same_uri(auth.uri, request.uri):
            return RegisterReply(400)  # RFC 7616 §3.4.6: credentials for another request
        stored = self._accounts.get(user)
        if stored is None or auth.username != user:
            return RegisterReply(403)
        verdict = self.auth.verify(auth, request.method, stored, now)
        if verdict is Verdict.OK:
            return None
        if verdict is Verdict.WRONG:
            return RegisterReply(403)
        return self._challenge(now, stale=verdict is Verdict.STALE)

    def _credentials(self, request: Request) -> Authorization | None:
        for value in request.headers.get_all("authorization"):
            auth = Authorization.parse(value)
            if auth.realm == self.config.realm:
                return auth
        return None

    def _challenge(self, now: float, *, stale: bool = False) -> RegisterReply:
        values = self.auth.challenges(now, stale=stale)
        return RegisterReply(401, tuple(("WWW-Authenticate", v) for v in values))

    def _update(
        self,
        request: Request,
        aor: str,
        user: str,
        where: tuple[Address, Transport, int | None],
        now: float,
    ) -> RegisterReply:
        contacts = request.contact
        default = _expires_header(request)
        current = self._bindings.get(aor, {})
        cseq, call_id = request.cseq.number, request.call_id
        if isinstance(contacts, Wildcard):
            if default != 0:
                return RegisterReply(400)
            changes = [(key, 0) for key in current]
        else:
            wanted = [(c, c.expires if c.expires is not None else default) for c in contacts]
            brief = [e for _, e in wanted if e is not None and 0 < e < self.config.min_expires]
            if brief:
                return RegisterReply(423, (("Min-Expires", str(self.config.min_expires)),))
            changes = [(str(c.uri), self._clamp(e)) for c, e in wanted]
        for key, _ in changes:
            old = current.get(key)
            if old is not None and old.call_id == call_id and cseq <= old.cseq:
                return RegisterReply(500)  # out of order (§10.3 step 7): nothing applied
        added = {key for key, e in changes if e > 0 and key not in current}
        if len(current) + len(added) > self.config.max_bindings:
            return RegisterReply(403)
        by_key = {} if isinstance(contacts, Wildcard) else {str(c.uri): c for c in contacts}
        for key, expires in changes:
            if expires == 0:
                if key in current:
                    self._remove(aor, key, "removed")
            else:
                source, transport, conn = where
                binding = Binding(
                    aor, by_key[key], now + expires, call_id, cseq, source, user, transport, conn
                )
                self._bind(binding, refreshed=key in current)
        return RegisterReply(200, self._contacts(aor, now))

    def _clamp(self, expires: int | None) -> int:
        if expires is None:
            return self.config.default_expires
        return min(expires, self.config.max_expires)

    def _bind(self, binding: Binding, *, refreshed: bool) -> None:
        key = binding.uri
        self._bindings.setdefault(binding.aor, {})[key] = binding
        heapq.heappush(self._heap, (binding.expires_at, next(self._seq), binding.aor, key))
        self._events.append(
            AgentRegistered(
                binding.aor, key, binding.expires_at, binding.source, refreshed, binding.user,
                binding.transport, binding.conn,
            )
        )

    def _remove(self, aor: str, key: str, reason: str) -> None:
        bound = self._bindings.get(aor, {})
        binding = bound.pop(key, None)
        if binding is None:
            return
        if not bound:
            del self._bindings[aor]
        self._events.append(AgentUnregistered(aor, reason, key, len(bound)))

    def _contacts(self, aor: str, now: float) -> Headers:
        out = []
        for binding in self._bindings.get(aor, {}).values():
            left = max(0, math.ceil(binding.expires_at - now))
            out.append(("Contact", str(binding.contact.with_param("expires", str(left)))))
        return tuple(out)


def _aor_key(uri_text: str) -> str:
    # The AOR is the To URI without parameters or headers; the host is case-insensitive.
    uri = SipUri.parse(uri_text)
    scheme = "sips" if uri.secure else "sip"
    return f"{scheme}:{uri.user}@{uri.host.lower()}"


def _same_uri(digest_uri: str, request_uri: str) -> bool:
    if digest_uri == request_uri:
        return True
    try:
        a, b = parse_uri(digest_uri), parse_uri(request_uri)
    except SipError:
        return False
    if isinstance(a, SipUri) and isinstance(b, SipUri):
        # Host names are case-insensitive; parameters are compared as parsed.
        return (a.scheme, a.user, a.host.lower(), a.port, a.params) == (
            b.scheme, b.user, b.host.lower(), b.port, b.params
        )
    return a == b


def _expires_header(request: Request) -> int | None:
    value = request.headers.get("expires")
    if value is None:
        return None
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        raise SipError(f"malformed Expires: {value[:20]!r}", header="expires")
    return min(int(value), _MAX_EXPIRES_VALUE)
