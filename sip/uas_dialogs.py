"""The UAS core's answers to requests inside a dialog, and the checks on a new INVITE.

Split out of :mod:`sip.uas` to keep modules small; :class:`~sip.uas.SipEndpoint` calls
:func:`handle_in_dialog` once a request has matched a call's dialog and got its server
transaction.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from sip.bodies import dtmf_from_info, sdp_from_body, sipfrag_status
from sip.call import Call, CallHost, CallState, ServerRequest
from sip.dialog import DialogError
from sip.events import Address, CallArrived, DtmfInfoReceived, ReofferReceived, Transport
from sip.message import Request
from sip.responses import ACCEPT, ACCEPT_ANY, ACCEPT_INFO, ACCEPT_NOTIFY
from sip.security import TrunkConfig
from sip.uri import SipUri, TelUri, Uri, parse_uri

__all__ = [
    "Inbound",
    "call_arrived",
    "handle_in_dialog",
    "invite_problem",
    "invite_sdp",
    "target_uri",
]

_NUMBER_RE: Final = re.compile(r"\+?[0-9A-Da-d*#.()\-]+")
_ACCEPTS_SDP: Final = frozenset({"application/sdp", "application/*", "*/*"})
_DTMF_TYPES: Final = frozenset({"application/dtmf-relay", "application/dtmf"})

Headers = tuple[tuple[str, str], ...]


class Inbound(NamedTuple):
    """Where a message came from."""

    source: Address
    """The packet's source address."""
    transport: Transport
    """``"udp"`` or ``"tcp"``."""
    conn: int | None
    """The driver's TCP connection id."""
    trunk: TrunkConfig | None
    """The trunk whose allow-list admitted the source (None: no allow-list)."""


def invite_sdp(request: Request) -> bytes:
    """The SDP offer of an INVITE that passed :func:`invite_problem` (``b""`` if none)."""
    return sdp_from_body(request.content_type, request.body) or b""


def invite_problem(request: Request, our_host: str) -> tuple[int, Headers] | None:
    """Why an INVITE cannot be taken, as ``(status, headers)``; None if it can.

    415 for a body we cannot read (Accept / Accept-Encoding say what we can), 406 when
    the caller's Accept rules out the SDP our 200 would carry (RFC 4475 sdp01).
    """
    encoding = (request.headers.get("content-encoding") or "identity").strip().lower()
    if request.body and encoding != "identity":
        return 415, (("Accept-Encoding", "identity"),)
    if sdp_from_body(request.content_type, request.body) is None:
        return 415, (("Accept", ACCEPT),)
    accept = request.headers.get_list("accept")
    if accept and not any(r.split(";")[0].strip().lower() in _ACCEPTS_SDP for r in accept):
        warning = f'399 {our_host} "our answer can only be application/sdp"'
        return 406, (("Accept", ACCEPT), ("Warning", warning))
    return None


def handle_in_dialog(host: CallHost, call: Call, sr: ServerRequest, now: float) -> None:
    """Answer a request that matched ``call``'s dialog (its transaction is new)."""
    req = sr.request
    tag = call.dialog.local_tag
    try:
        call.dialog.check_request(req)
    except DialogError as exc:
        host.reply(sr, exc.status_hint, now, to_tag=tag)
        return
    method = req.method
    if call.state is CallState.ENDING and method != "BYE":
        host.reply(sr, 481, now, to_tag=tag)
    elif method == "BYE":
        call.on_bye(sr, now)
    elif method == "INVITE":
        _reinvite(host, call, sr, now)
    elif method == "INFO":
        _info(host, call, sr, now)
    elif method == "NOTIFY":
        _notify(host, call, sr, now)
    else:  # OPTIONS
        host.reply(sr, 200, now, to_tag=tag, contact=True, headers=(("Accept", ACCEPT_ANY),))


def _reinvite(host: CallHost, call: Call, sr: ServerRequest, now: float) -> None:
    problem = invite_problem(sr.request, host.config.host)
    if problem is not None:
        status, headers = problem
        host.reply(sr, status, now, to_tag=call.dialog.local_tag, headers=headers)
    elif call.on_reinvite(sr, now):
        host.emit(ReofferReceived(call.call_id, invite_sdp(sr.request)))


def _info(host: CallHost, call: Call, sr: ServerRequest, now: float) -> None:
    req = sr.request
    tag = call.dialog.local_tag
    ctype = req.content_type
    if not req.body or ctype is None:
        host.reply(sr, 200, now, to_tag=tag)  # an empty INFO: a keep-alive
        return
    if ctype.mime_type not in _DTMF_TYPES:
        host.reply(sr, 415, now, to_tag=tag, headers=(("Accept", ACCEPT_INFO),))
        return
    host.reply(sr, 200, now, to_tag=tag)
    dtmf = dtmf_from_info(ctype.mime_type, req.body)
    if dtmf is not None:
        host.emit(DtmfInfoReceived(call.call_id, dtmf[0], dtmf[1]))


def _notify(host: CallHost, call: Call, sr: ServerRequest, now: float) -> None:
    req = sr.request
    tag = call.dialog.local_tag
    if not call.refer_active:
        host.reply(sr, 481, now, to_tag=tag)  # no subscription (RFC 6665 §4.1.3)
        return
    event = (req.headers.get("event") or "").split(";")[0].strip().lower()
    if event != "refer":
        host.reply(sr, 489, now, to_tag=tag, headers=(("Allow-Events", "refer"),))
        return
    ctype = req.content_type
    if req.body and (ctype is None or ctype.mime_type != "message/sipfrag"):
        host.reply(sr, 415, now, to_tag=tag, headers=(("Accept", ACCEPT_NOTIFY),))
        return
    status = sipfrag_status(req.body) if req.body else None
    if req.body and status is None:
        host.reply(sr, 400, now, to_tag=tag)
        return
    state = (req.headers.get("subscription-state") or "").split(";")[0].strip().lower()
    host.reply(sr, 200, now, to_tag=tag)
    progress = call.on_notify(status, state == "terminated")
    if progress is not None:
        host.emit(progress)


def target_uri(target: str, remote_target: Uri) -> str:
    """A Refer-To URI: ``target`` itself if it is a URI, else ``sip:<number>@<peer host>``.

    Raises ValueError (a :class:`~sip.errors.SipError`) for something that is neither.
    """
    target = target.strip()
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1].strip()
    if ":" in target:
        parse_uri(target)  # raises SipError on a malformed URI
        return target
    if _NUMBER_RE.fullmatch(target) is None or not isinstance(remote_target, SipUri):
        raise ValueError(f"cannot make a transfer target of {target!r}")
    return str(SipUri(user=target, host=remote_target.host, port=remote_target.port))


def call_arrived(call: Call, inbound: Inbound) -> CallArrived:
    """The :class:`~sip.events.CallArrived` event of a new call."""
    req = call.invite.request
    caller = req.from_
    uri = caller.uri
    user = uri.user if isinstance(uri, SipUri) else uri.number if isinstance(uri, TelUri) else None
    called = req.request_uri
    called_user = (
        called.user if isinstance(called, SipUri) else called.number
        if isinstance(called, TelUri) else None
    )
    return CallArrived(
        call_id=call.call_id,
        caller=user if user is not None else str(uri),
        called_user=called_user or "",
        sdp_offer=invite_sdp(req),
        source=inbound.source,
        caller_uri=str(uri),
        caller_name=caller.display_name,
        trunk=inbound.trunk.name if inbound.trunk is not None else None,
    )
