"""The UAS side of a SIP dialog (RFC 3261 §12): identity, sequence numbers, target, routes.

A :class:`Dialog` is created from the INVITE we answer (§12.1.1), checks the requests the
peer sends inside it (§12.2.2: unknown dialog 481, out-of-order CSeq 500), refreshes the
remote target on re-INVITE, and builds the requests we send in it (§12.2.1: BYE, REFER),
honouring the route set with loose or strict routing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sip.errors import SipError
from sip.message import Request
from sip.uri import SipUri, Uri
from sip.values import NameAddr, Wildcard

__all__ = ["Dialog", "DialogError"]

_MAX_CSEQ = 2**31 - 1


class DialogError(SipError):
    """A request does not fit the dialog; ``status_hint`` is the answer (481 or 500)."""


@dataclass(slots=True)
class Dialog:
    """Dialog state of a UAS (§12.1.1)."""

    call_id: str
    """The Call-ID."""
    local_tag: str
    """Our To tag."""
    remote_tag: str | None
    """The caller's From tag (None from an RFC 2543 peer)."""
    local_uri: NameAddr
    """Our address: the INVITE's To, without tag."""
    remote_uri: NameAddr
    """The caller's address: the INVITE's From, without tag."""
    remote_target: Uri
    """Where in-dialog requests go: the peer's last Contact."""
    route_set: tuple[NameAddr, ...] = ()
    """Record-Route of the INVITE, in order (§12.1.1)."""
    remote_cseq: int = 0
    """Highest CSeq number seen from the peer."""
    local_cseq: int = 0
    """Last CSeq number we used (0: none yet)."""
    secure: bool = False
    """True for a sips: Request-URI."""
    confirmed: bool = field(default=False)
    """False while early (before the ACK of the 2xx)."""

    @classmethod
    def from_invite(cls, invite: Request, local_tag: str) -> Dialog:
        """The dialog a 1xx/2xx with ``local_tag`` creates for ``invite`` (§12.1.1)."""
        uri = invite.request_uri
        return cls(
            call_id=invite.call_id,
            local_tag=local_tag,
            remote_tag=invite.from_.tag,
            local_uri=_without_tag(invite.to),
            remote_uri=_without_tag(invite.from_),
            remote_target=_contact_uri(invite) or invite.from_.uri,
            route_set=invite.record_route,
            remote_cseq=invite.cseq.number,
            secure=isinstance(uri, SipUri) and uri.secure,
        )

    def matches(self, request: Request) -> bool:
        """True if ``request``'s Call-ID and tags identify this dialog (§12.2.2)."""
        return (
            request.call_id == self.call_id
            and request.to.tag == self.local_tag
            and request.from_.tag == self.remote_tag
        )

    def check_request(self, request: Request) -> None:
        """Apply §12.2.2 to a new in-dialog request (not ACK or CANCEL) and record its CSeq.

        Raises :class:`DialogError` (500) for a CSeq lower than the last one; nothing
        changes then.
        """
        number = request.cseq.number
        if number < self.remote_cseq:
            raise DialogError(
                f"CSeq {number} is lower than the dialog's {self.remote_cseq}", 500, "cseq"
            )
        self.remote_cseq = number

    def refresh_target(self, request: Request) -> None:
        """A target-refresh request (re-INVITE) replaces the remote target (§12.2.2)."""
        uri = _contact_uri(request)
        if uri is not None:
            self.remote_target = uri

    def next_hop(self) -> Uri:
        """The URI the next request goes to: first Route, else the remote target."""
        return self.route_set[0].uri if self.route_set else self.remote_target

    def create_request(
        self,
        method: str,
        via: str,
        contact: str,
        *,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
    ) -> Request:
        """A new request in this dialog (§12.2.1.1), with the next local CSeq.

        ``via`` is our full Via value (with a fresh branch); ``headers`` are appended.
        """
        if self.local_cseq >= _MAX_CSEQ:
            raise DialogError("local CSeq exhausted", 500, "cseq")
        self.local_cseq += 1
        uri, routes = self._request_uri_and_routes()
        to = self.remote_uri if self.remote_tag is None else self.remote_uri.with_tag(
            self.remote_tag
        )
        fields: list[tuple[str, str]] = [
            ("Via", via),
            ("Max-Forwards", "70"),
            ("From", str(self.local_uri.with_tag(self.local_tag))),
            ("To", str(to)),
            ("Call-ID", self.call_id),
            ("CSeq", f"{self.local_cseq} {method}"),
        ]
        fields += [("Route", route) for route in routes]
        fields.append(("Contact", contact))
        fields += headers
        return Request(method, uri, fields, body)

    def _request_uri_and_routes(self) -> tuple[str, list[str]]:
        routes = self.route_set
        if not routes:
            return str(self.remote_target), []
        first = routes[0].uri
        if isinstance(first, SipUri) and first.lr:
            return str(self.remote_target), [str(r) for r in routes]
        # Strict routing (§12.2.1.1): the first route becomes the Request-URI and the
        # remote target goes last in the Route header.
        rest = [str(r) for r in routes[1:]]
        rest.append(f"<{self.remote_target}>")
        return str(first), rest


def _without_tag(addr: NameAddr) -> NameAddr:
    params = tuple((k, v) for k, v in addr.params if k.lower() != "tag")
    return NameAddr(uri=addr.uri, display_name=addr.display_name, params=params)


def _contact_uri(request: Request) -> Uri | None:
    contact = request.contact
    if isinstance(contact, Wildcard) or not contact:
        return None
    return contact[0].uri
