"""HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760), sans-I/O.

* Credentials are stored **hashed**: per algorithm, ``HA1 = H(user:realm:password)``
  (:func:`stored_ha1`); the password itself is never kept.  A leaked HA1 still lets its
  holder authenticate *to this realm*, so treat the store as secret -- but it does not give
  the password away, nor work for another realm.
* Nonces are stateless and verifiable: ``base64(issued:serial:HMAC(secret, issued:serial:
  realm))``.  A nonce older than ``nonce_ttl`` is *stale* (challenge again with
  ``stale=true``: the phone retries with the same password without asking the user).
* ``qop=auth`` with nonce counts: each nonce remembers the highest ``nc`` accepted, and a
  request reusing a count is a replay.  Without ``qop`` (RFC 2069 clients) a nonce is
  accepted once.
* Both SHA-256 and MD5 are offered, SHA-256 first (RFC 8760 §2.4): one
  ``WWW-Authenticate`` header each.

Time is a parameter; nothing here reads a clock or draws random numbers.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sip._grammar import quote, split_comma, unquote
from sip.errors import SipError

__all__ = [
    "ALGORITHMS",
    "Authorization",
    "DigestAuth",
    "Verdict",
    "digest_response",
    "hash_hex",
    "stored_ha1",
]

#: The algorithms we offer, in order of preference (RFC 8760 §2.4).
ALGORITHMS: Final = ("SHA-256", "MD5")
_HASHES: Final = {"MD5": "md5", "SHA-256": "sha256"}
_PARAM_RE: Final = re.compile(r"\s*([A-Za-z0-9\-_]+)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^\s,\"]*)\s*")
_NC_RE: Final = re.compile(r"[0-9A-Fa-f]{8}")


def hash_hex(algorithm: str, text: str) -> str:
    """``H(text)`` in lower-case hex for ``MD5`` or ``SHA-256`` (ValueError otherwise)."""
    name = _HASHES.get(algorithm.upper())
    if name is None:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    return hashlib.new(name, text.encode("utf-8")).hexdigest()


def stored_ha1(
    user: str, realm: str, password: str, algorithms: tuple[str, ...] = ALGORITHMS
) -> dict[str, str]:
    """What to store for ``user``: ``{algorithm: H(user:realm:password)}`` (config tool)."""
    return {alg: hash_hex(alg, f"{user}:{realm}:{password}") for alg in algorithms}


def digest_response(
    algorithm: str,
    ha1: str,
    method: str,
    uri: str,
    nonce: str,
    *,
    qop: str | None = None,
    nc: str = "",
    cnonce: str = "",
) -> str:
    """The ``response`` value (RFC 7616 §3.4.1; RFC 2069 form when ``qop`` is None)."""
    ha2 = hash_hex(algorithm, f"{method}:{uri}")
    if qop is None:
        return hash_hex(algorithm, f"{ha1}:{nonce}:{ha2}")
    return hash_hex(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


def parse_auth_params(text: str) -> dict[str, str]:
    """``Digest a=b, c="d"`` -> ``{"a": "b", "c": "d"}`` (names lower-cased, values unquoted).

    Raises :class:`SipError` for another scheme or a malformed list.
    """
    scheme, _, rest = text.strip().partition(" ")
    if scheme.lower() != "digest":
        raise SipError(f"not a Digest credential: {scheme[:20]!r}", header="authorization")
    out: dict[str, str] = {}
    for part in split_comma(rest):
        if not part.strip():
            continue
        m = _PARAM_RE.fullmatch(part)
        if m is None:
            raise SipError(f"malformed auth-param {part[:40]!r}", header="authorization")
        out.setdefault(m.group(1).lower(), unquote(m.group(2)))
    return out


@dataclass(frozen=True, slots=True)
class Authorization:
    """The Digest credentials of one ``Authorization`` header (RFC 3261 §22.4)."""

    username: str
    """The user (the account name)."""
    realm: str
    """The realm the credentials are for."""
    nonce: str
    """Our nonce, echoed."""
    uri: str
    """The digest-uri (the Request-URI)."""
    response: str
    """The hex digest to check."""
    algorithm: str = "MD5"
    """``MD5`` (the default when absent) or ``SHA-256``."""
    qop: str | None = None
    """``auth`` (or None for an RFC 2069 client)."""
    nc: str = ""
    """The nonce count, 8 hex digits (with qop)."""
    cnonce: str = ""
    """The client nonce (with qop)."""
    opaque: str | None = None
    """Our opaque value, echoed."""

    @classmethod
    def parse(cls, text: str) -> Authorization:
        """Parse a header value; raises :class:`SipError` if a required field is missing."""
        p = parse_auth_params(text)
        try:
            return cls(
                username=p["username"],
                realm=p["realm"],
                nonce=p["nonce"],
                uri=p["uri"],
                response=p["response"].lower(),
                algorithm=p.get("algorithm", "MD5").upper(),
                qop=p.get("qop"),
                nc=p.get("nc", ""),
                cnonce=p.get("cnonce", ""),
                opaque=p.get("opaque"),
            )
        except KeyError as exc:
            missing = exc.args[0]
            raise SipError(f"Digest credentials lack {missing}", header="authorization") from None


class Verdict(enum.Enum):
    """What :meth:`DigestAuth.verify` concluded."""

    OK = "ok"
    """The credentials are good: let the request through."""
    STALE = "stale"
    """Right password, expired nonce: challenge again with ``stale=true``."""
    REPLAYED = "replayed"
    """A nonce count already used (or an unknown nonce): challenge again."""
    UNSUPPORTED = "unsupported"
    """An algorithm or qop we do not offer, or another realm: challenge again."""
    WRONG = "wrong"
    """The digest does not match the stored HA1: wrong password (or unknown user)."""


class DigestAuth:
    """Issues challenges and verifies credentials for one realm.

    ``secret`` keys the nonce HMAC (at least 16 random bytes, kept across restarts if
    nonces should survive them).  ``nonce_ttl`` is how long a nonce stays fresh, in the
    driver's time unit (seconds).
    """

    __slots__ = ("_counts", "_issued", "_order", "_secret", "algorithms", "nonce_ttl", "realm")

    def __init__(
        self,
        realm: str,
        secret: bytes,
        *,
        nonce_ttl: float = 300.0,
        algorithms: tuple[str, ...] = ALGORITHMS,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the nonce secret needs at least 16 bytes")
        for alg in algorithms:
            hash_hex(alg, "")  # raises for an unknown one
        self.realm = realm
        self.nonce_ttl = nonce_ttl
        self.algorithms = tuple(a.upper() for a in algorithms)
        self._secret = secret
        self._issued = 0
        self._counts: dict[str, int] = {}
        self._order: deque[tuple[float, str]] = deque()

    # -- challenges -----------------------------------------------------------------------

    def nonce(self, now: float) -> str:
        """A fresh nonce, valid for ``nonce_ttl`` from ``now``."""
        self._issued += 1
        body = f"{now!r}:{self._issued}"
        return base64.b64encode(f"{body}:{self._mac(body)}".encode()).decode()

    def challenges(self, now: float, *, stale: bool = False) -> list[str]:
        """``WWW-Authenticate`` values, one per algorithm, sharing one fresh nonce."""
        nonce = self.nonce(now)
        extra = ", stale=true" if stale else ""
        opaque = self._mac(f"opaque:{self.realm}")[:32]
        return [
            f"Digest realm={quote(self.realm)}, nonce={quote(nonce)}, "
            f'algorithm={alg}, qop="auth", opaque="{opaque}"{extra}'
            for alg in self.algorithms
        ]

    def _mac(self, text: str) -> str:
        data = f"{text}:{self.realm}".encode()
        return hmac.new(self._secret, data, hashlib.sha256).hexdigest()

    def _issued_at(self, nonce: str) -> float | None:
        # The nonce's issue time if we made it (HMAC checks out), else None.
        try:
            text = base64.b64decode(nonce.encode(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        body, _, mac = text.rpartition(":")
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            return float(body.partition(":")[0])
        except ValueError:
            return None

    # -- verification ---------------------------------------------------------------------

    def verify(
        self, auth: Authorization, method: str, ha1: Mapping[str, str], now: float
    ) -> Verdict:
        """Check ``auth`` for a request ``method`` against the stored ``{algorithm: HA1}``.

        A successful check consumes the nonce count; nothing else changes state.
        """
        alg = auth.algorithm.upper()
        qop = auth.qop
        bad_qop = qop is not None and (qop.lower() != "auth" or not _NC_RE.fullmatch(auth.nc))
        if alg not in self.algorithms or auth.realm != self.realm or bad_qop:
            return Verdict.UNSUPPORTED
        issued = self._issued_at(auth.nonce)
        if issued is None:
            return Verdict.REPLAYED  # not ours (or forged): a fresh challenge
        stored = ha1.get(alg)
        expected = None if stored is None else digest_response(
            alg, stored, method, auth.uri, auth.nonce,
            qop=auth.qop and "auth", nc=auth.nc, cnonce=auth.cnonce,
        )
        if expected is None or not hmac.compare_digest(expected, auth.response):
            return Verdict.WRONG
        if now - issued > self.nonce_ttl or now < issued:
            return Verdict.STALE
        return self._count(auth, issued, now)

    def _count(self, auth: Authorization, issued: float, now: float) -> Verdict:
        self._forget_expired(now)
        count = int(auth.nc, 16) if auth.qop is not None else 1
        last = self._counts.get(auth.nonce)
        if last is not None and count <= last:
            return Verdict.REPLAYED
        if last is None:
            self._order.append((issued, auth.nonce))
        self._counts[auth.nonce] = count
        return Verdict.OK

    def _forget_expired(self, now: float) -> None:
        # Counts are kept only while a nonce is fresh: a stale nonce is refused anyway.
        order = self._order
        while order and now - order[0][0] > self.nonce_ttl:
            self._counts.pop(order.popleft()[1], None)
