"""accueil's sans-I/O SIP message layer (RFC 3261): parse, validate, frame and serialise.

Pure standard-library code with no I/O, clock or randomness, so transactions, dialogs, the
simulator and tests can all drive it directly::

    from sip import parse, validate, SipError

    try:
        msg = parse(datagram)
        validate(msg)
    except SipError as exc:
        ...  # answer exc.status_hint to a request, drop a response

Every parser raises only :class:`SipError` (a ``ValueError``), whatever the input.
"""

from sip._grammar import Params, quote, split_comma, unquote
from sip.errors import REASON_PHRASES, BadExtensionError, SipError
from sip.framing import DEFAULT_MAX_MESSAGE_SIZE, StreamFramer
from sip.headers import COMPACT_FORMS, Headers, canonical_key, display_name
from sip.message import Message, Request, Response, make_response
from sip.parser import parse, parse_head
from sip.uri import AbsoluteUri, SipUri, TelUri, Uri, parse_uri
from sip.validate import DEFAULT_SCHEMES, SINGLE_VALUED, validate
from sip.values import (
    MAGIC_COOKIE,
    WILDCARD,
    ContentLength,
    ContentType,
    CSeq,
    MaxForwards,
    NameAddr,
    Via,
    Wildcard,
    parse_contact,
    parse_name_addrs,
    parse_vias,
)

__all__ = [
    "COMPACT_FORMS",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "DEFAULT_SCHEMES",
    "MAGIC_COOKIE",
    "REASON_PHRASES",
    "SINGLE_VALUED",
    "WILDCARD",
    "AbsoluteUri",
    "BadExtensionError",
    "CSeq",
    "ContentLength",
    "ContentType",
    "Headers",
    "MaxForwards",
    "Message",
    "NameAddr",
    "Params",
    "Request",
    "Response",
    "SipError",
    "SipUri",
    "StreamFramer",
    "TelUri",
    "Uri",
    "Via",
    "Wildcard",
    "canonical_key",
    "display_name",
    "make_response",
    "parse",
    "parse_contact",
    "parse_head",
    "parse_name_addrs",
    "parse_uri",
    "parse_vias",
    "quote",
    "split_comma",
    "unquote",
    "validate",
]
