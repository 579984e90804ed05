"""An ordered, case-insensitive SIP header collection with compact-form aliases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Final, TypeVar, cast

from sip._grammar import is_token, split_comma
from sip.errors import SipError

__all__ = ["COMPACT_FORMS", "Headers", "canonical_key", "display_name"]

_T = TypeVar("_T")

#: RFC 3261 §7.3.3 (and later RFCs) compact forms -> lower-case long name.
COMPACT_FORMS: Final[dict[str, str]] = {
    "a": "accept-contact",
    "b": "referred-by",
    "c": "content-type",
    "d": "request-disposition",
    "e": "content-encoding",
    "f": "from",
    "i": "call-id",
    "j": "reject-contact",
    "k": "supported",
    "l": "content-length",
    "m": "contact",
    "n": "identity-info",
    "o": "event",
    "r": "refer-to",
    "s": "subject",
    "t": "to",
    "u": "allow-events",
    "v": "via",
    "x": "session-expires",
    "y": "identity",
}

# Spellings whose capitalisation is not simply Title-Case-Per-Dash.
_SPECIAL_DISPLAY: Final[dict[str, str]] = {
    "call-id": "Call-ID",
    "cseq": "CSeq",
    "www-authenticate": "WWW-Authenticate",
    "mime-version": "MIME-Version",
    "rack": "RAck",
    "rseq": "RSeq",
    "min-se": "Min-SE",
    "p-asserted-identity": "P-Asserted-Identity",
}

# Valid header name -> canonical key.  Real traffic uses a few dozen spellings, so
# memoising them lets the parser skip validating and lower-casing every name of every
# message; the size cap keeps hostile peers from growing it without bound.
_KEY_CACHE: dict[str, str] = {}
_KEY_CACHE_MAX: Final = 1024
# Same rule as the parser: controls only as a quoted-pair, so whatever is added re-parses.
_BAD_VALUE_RE: Final = re.compile(r"[\r\n]|(?<!\\)[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _resolve_name(raw: str) -> tuple[str, str]:
    """Map a raw header name (maybe with LWS before the colon) to ``(name, key)``."""
    key = _KEY_CACHE.get(raw)
    if key is not None:
        return raw, key
    name = raw.rstrip(" \t")
    if not is_token(name):
        raise SipError(f"invalid header name {name[:40]!r}")
    low = name.lower()
    key = COMPACT_FORMS.get(low, low)
    if len(_KEY_CACHE) < _KEY_CACHE_MAX and len(name) <= 64:
        _KEY_CACHE[name] = key
    return name, key


def _lookup_key(name: str) -> str:
    # Key for a lookup: never raises, an invalid name simply matches nothing stored.
    key = _KEY_CACHE.get(name)
    if key is not None:
        return key
    low = name.lower()
    return COMPACT_FORMS.get(low, low)


def canonical_key(name: str) -> str:
    """Lower-case long form of a header name: ``canonical_key("i") == "call-id"``."""
    return _resolve_name(name)[1]


def display_name(name: str) -> str:
    """Conventional spelling of a header name: ``display_name("i") == "Call-ID"``."""
    key = canonical_key(name)
    special = _SPECIAL_DISPLAY.get(key)
    if special is not None:
        return special
    return "-".join(part[:1].upper() + part[1:] for part in key.split("-"))


class Headers:
    """Header fields of one message, in wire order.

    Lookups are case-insensitive and treat compact forms as their long names (``"v"`` is
    ``"Via"``).  Names are kept as received so re-serialisation is faithful; values are
    kept as unfolded strings with surrounding whitespace removed.  Typed views parsed from
    values are memoised here and dropped whenever the collection changes.
    """

    __slots__ = ("_cache", "_keys", "_names", "_values")

    _names: list[str]
    _keys: list[str]
    _values: list[str]
    _cache: dict[str, object] | None

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._names = []
        self._keys = []
        self._values = []
        self._cache = None
        for name, value in items:
            self.add(name, value)

    @classmethod
    def _from_parsed(cls, names: list[str], keys: list[str], values: list[str]) -> Headers:
        # Fast constructor for the parser, which has already validated everything.
        self = cls.__new__(cls)
        self._names = names
        self._keys = keys
        self._values = values
        self._cache = None
        return self

    # -- reading -------------------------------------------------------------------------

    def get(self, name: str, default: str | None = None) -> str | None:
        """Value of the first field called ``name``, or ``default``."""
        key = _lookup_key(name)
        try:
            return self._values[self._keys.index(key)]
        except ValueError:
            return default

    def get_all(self, name: str) -> list[str]:
        """Values of every field called ``name``, one per header line, in order."""
        key = _lookup_key(name)
        return [v for k, v in zip(self._keys, self._values, strict=True) if k == key]

    def get_list(self, name: str) -> list[str]:
        """All comma-separated elements of every ``name`` field (``Allow``, ``Supported``...).

        Empty elements are dropped.  Only use this for headers whose grammar is a
        comma-separated list; ``Date`` or ``WWW-Authenticate`` values contain commas.
        """
        out: list[str] = []
        for value in self.get_all(name):
            out.extend(part for part in split_comma(value) if part)
        return out

    def count(self, name: str) -> int:
        """Number of fields called ``name``."""
        return self._keys.count(_lookup_key(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _lookup_key(name) in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return zip(self._names, self._values, strict=True)

    def items(self) -> list[tuple[str, str]]:
        """``(name, value)`` pairs in wire order, names as received."""
        return list(zip(self._names, self._values, strict=True))

    def keys(self) -> list[str]:
        """Canonical keys (lower-case long form) in wire order."""
        return list(self._keys)

    def __eq__(self, other: object) -> bool:
        # Compact and long spellings are the same header, so compare canonical keys.
        if not isinstance(other, Headers):
            return NotImplemented
        return self._keys == other._keys and self._values == other._values

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Headers({self.items()!r})"

    def copy(self) -> Headers:
        """A shallow copy (typed-value cache not shared)."""
        return Headers._from_parsed(list(self._names), list(self._keys), list(self._values))

    # -- writing -------------------------------------------------------------------------

    @staticmethod
    def _check(name: str, value: str) -> tuple[str, str, str]:
        name_, key = _resolve_name(name)
        if name_ != name:
            raise SipError(f"invalid header name {name[:40]!r}")
        # isprintable() (one C pass) is False for any control octet, so the regex only runs
        # on values with a tab, a control or non-printable non-ASCII text.
        if not value.isprintable() and _BAD_VALUE_RE.search(value):
            raise SipError(f"CR, LF or control character in value of {name}", header=key)
        return name, key, value.strip(" \t")

    def add(self, name: str, value: object) -> None:
        """Append a field (``value`` may be a typed header; ``str()`` is applied)."""
        name, key, value = self._check(name, str(value))
        self._names.append(name)
        self._keys.append(key)
        self._values.append(value)
        self._cache = None

    def insert(self, index: int, name: str, value: object) -> None:
        """Insert a field at ``index`` (``0`` = top; use it to push a Via)."""
        name, key, value = self._check(name, str(value))
        self._names.insert(index, name)
        self._keys.insert(index, key)
        self._values.insert(index, value)
        self._cache = None

    def prepend(self, name: str, value: object) -> None:
        """Insert a field before the first existing field of the same name (or at the top)."""
        key = canonical_key(name)
        try:
            index = self._keys.index(key)
        except ValueError:
            index = 0
        self.insert(index, name, value)

    def set(self, name: str, value: object) -> None:
        """Replace every ``name`` field with a single one at the first one's position."""
        name, key, value = self._check(name, str(value))
        try:
            index = self._keys.index(key)
        except ValueError:
            self.add(name, value)
            return
        self.remove(name)
        self._names.insert(index, name)
        self._keys.insert(index, key)
        self._values.insert(index, value)

    def remove(self, name: str) -> int:
        """Remove every ``name`` field; return how many were removed."""
        key = _lookup_key(name)
        keep = [i for i, k in enumerate(self._keys) if k != key]
        removed = len(self._keys) - len(keep)
        if removed:
            self._names = [self._names[i] for i in keep]
            self._keys = [self._keys[i] for i in keep]
            self._values = [self._values[i] for i in keep]
            self._cache = None
        return removed

    def pop_first(self, name: str) -> str | None:
        """Remove the first ``name`` field and return its value (a whole header line)."""
        key = _lookup_key(name)
        try:
            index = self._keys.index(key)
        except ValueError:
            return None
        del self._names[index], self._keys[index]
        self._cache = None
        return self._values.pop(index)

    # -- typed views ---------------------------------------------------------------------

    def typed(self, key: str, parse: Callable[[Headers], _T]) -> _T:
        """Memoised ``parse(self)`` under ``key``; used by the messages' typed properties."""
        cache = self._cache
        if cache is None:
            cache = self._cache = {}
        elif key in cache:
            return cast(_T, cache[key])
        result = parse(self)
        cache[key] = result
        return result
