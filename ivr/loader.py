"""Load an IVR tree from YAML, checking everything, with errors that name line and field.

The file (see ``examples/ivr/contact_center.yaml``)::

    version: 1                      # optional
    defaults:                       # optional, for every menu and collect
      lang: fr                      # language of text prompts
      timeout_s: 5                  # wait for a digit after the prompt
      inter_digit_s: 5              # collect: wait for each further digit
      retries: 2                    # attempts after the first
      invalid: invalid_choice       # prompt after a wrong digit
      no_input: no_input            # prompt after a timeout
      on_fail: goodbye              # node after the last failed attempt
    calendars:                      # name -> acd.hours.OpeningHours.from_mapping data
      support: {ho: {mon-fri: ["08:30-17:30"]}, holidays: [metropole]}
    prompts:                        # name -> {file, text, lang, duration_s} or a text
      welcome: {file: welcome.wav, text: "Bienvenue", duration_s: 3}
      goodbye_text: "Au revoir"
    entries:                        # dialled number (or "*") -> entry point
      "0140000000": {start: welcome, calendar: support, closed: closed, ring_s: 0, file0: true}
    nodes:                          # name -> {type: ..., fields of that type}
      welcome: {type: play, prompt: welcome, next: main}
      main: {type: menu, prompt: main_menu, choices: {1: efiling, 2: account}}
      ...

Node types and their fields are described in :mod:`ivr.config`. Every problem found is
reported (:class:`~ivr.errors.IvrConfigError` lists them all), as
``ivr.yaml:14: nodes.main.choices.3: unknown node 'sales_q'``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final

import yaml

from acd.hours import OpeningHours
from ivr import graph
from ivr._yaml import Fields, Reader, is_null, plain, syntax_problem
from ivr.config import (
    DIGITS,
    CallbackOption,
    CollectNode,
    EndOutcome,
    Entry,
    GotoNode,
    HangupNode,
    HoursNode,
    IvrTree,
    MenuNode,
    MessageNode,
    Node,
    PeriodicMessage,
    PlayNode,
    Prompt,
    QueueNode,
    TransferNode,
    Waiting,
)
from ivr.errors import IvrConfigError, Problem

VERSION: Final = 1
NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
VARIABLE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
QUEUE: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
NUMBER: Final = re.compile(r"\*|[A-Za-z0-9+_.-][A-Za-z0-9+*#_.-]*")
LANG: Final = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
TRANSFER: Final = re.compile(r"\+?[0-9]{2,20}|tel:\+?[0-9][0-9.-]{1,30}|sips?:[^\s@]+@[^\s]+")
OUTCOMES: Final = ("message", "closed", "error")
NO_TERMINATOR: Final = frozenset({"none", "false", "no", "off"})
_KEY: Final = re.compile(r"[0-9*]")

_TOP: Final = ("version", "defaults", "calendars", "prompts", "entries", "nodes", "waiting")
_WAITING: Final = ("music", "messages", "announce", "announce_wait", "lang", "callback")
_MESSAGE: Final = ("every_s", "first_s")
_CALLBACK: Final = ("key", "offer", "confirm", "other_number", "min_digits", "max_digits",
                    "timeout_s")
_DEFAULTS: Final = ("lang", "timeout_s", "inter_digit_s", "retries", "invalid", "no_input",
                    "on_fail")
_PROMPT: Final = ("file", "text", "lang", "duration_s")
_ENTRY: Final = ("start", "calendar", "closed", "ring_s", "file0")
_NODE_FIELDS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "play": ("prompt", "next", "barge_in"),
    "menu": ("prompt", "choices", "on_fail", "timeout_s", "retries", "invalid", "no_input",
             "barge_in"),
    "collect": ("prompt", "variable", "next", "on_fail", "max_digits", "min_digits",
                "terminator", "timeout_s", "inter_digit_s", "retries", "invalid", "no_input",
                "barge_in"),
    "queue": ("queue", "priority", "points"),
    "message": ("prompt", "outcome"),
    "transfer": ("number", "prompt"),
    "goto": ("target",),
    "hours": ("calendar", "ho", "hno", "closed"),
    "hangup": ("outcome",),
})
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when present: same nodes and marks, ten times faster."""
MAX_TIMEOUT_S: Final = 300.0
MAX_RING_S: Final = 60.0
MAX_RETRIES: Final = 10
MAX_DIGITS: Final = 32
MAX_PRIORITY: Final = 100
MAX_POINTS: Final = 10_000


@dataclass(frozen=True, slots=True)
class _Defaults:
    lang: str = "fr"
    timeout_s: float = 5.0
    inter_digit_s: float | None = None
    retries: int = 2
    invalid: str | None = None
    no_input: str | None = None
    on_fail: str | None = None


@dataclass(slots=True)
class _Ref:
    """A name used somewhere, checked once every section is read."""

    node: yaml.Node
    field: str
    name: str
    kind: str
    """``node``, ``prompt`` or ``calendar``."""


@dataclass(slots=True)
class _Loader:
    reader: Reader
    queues: Collection[str] | None
    defaults: _Defaults = field(default_factory=_Defaults)
    refs: list[_Ref] = field(default_factory=list)
    names: dict[str, set[str]] = field(
        default_factory=lambda: {"node": set(), "prompt": set(), "calendar": set()}
    )

    # -- the file -----------------------------------------------------------------------

    def load(self, text: str) -> IvrTree:
        try:
            root = yaml.compose(text, Loader=_YAML_LOADER)
        except yaml.YAMLError as exc:
            raise IvrConfigError([syntax_problem(self.reader.filename, exc)]) from None
        except RecursionError:  # the pure-Python composer recurses once per level
            self.reader.error(None, "", "YAML nested too deeply")
            raise IvrConfigError(self.reader.problems) from None
        if root is None:
            self.reader.error(None, "", "the file is empty")
            raise IvrConfigError(self.reader.problems)
        top = self.reader.mapping(root, "", _TOP)
        self._version(top)
        self.defaults = self._defaults(self.reader.mapping(top.get("defaults"), "defaults",
                                                           _DEFAULTS))
        calendars = self._calendars(self.reader.mapping(top.get("calendars"), "calendars"))
        prompts = self._prompts(self.reader.mapping(top.get("prompts"), "prompts"))
        node_fields = self.reader.mapping(top.get("nodes"), "nodes")
        self.names["node"] = {name for name, _key, _value in node_fields.pairs()}
        nodes = self._nodes(node_fields)
        entry_fields = self.reader.mapping(top.get("entries"), "entries")
        entries = self._entries(entry_fields)
        waiting = self._waiting(self.reader.mapping(top.get("waiting"), "waiting"))
        if not node_fields.items and top.ok:
            self.reader.error(root, "nodes", "a tree needs at least one node")
        if not entry_fields.items and top.ok:
            self.reader.error(root, "entries", "a tree needs at least one entry point")
        self._check_refs()
        self._check_loops(nodes, node_fields)
        if self.reader.problems:
            raise IvrConfigError(self.reader.problems)
        return IvrTree(
            nodes=MappingProxyType(nodes),
            prompts=MappingProxyType(prompts),
            entries=MappingProxyType(entries),
            calendars=MappingProxyType(calendars),
            lang=self.defaults.lang,
            waiting=MappingProxyType(waiting),
            source=self.reader.filename,
        )

    def _version(self, top: Fields) -> None:
        node = top.scalar("version")
        if node is not None and str(node.value) != str(VERSION):
            top.error("version", f"unsupported version {node.value!r} (this engine reads "
                      f"version {VERSION})")

    def _defaults(self, f: Fields) -> _Defaults:
        timeout = f.number("timeout_s", 5.0, 0.5, MAX_TIMEOUT_S)
        inter = f.number("inter_digit_s", -1.0, 0.5, MAX_TIMEOUT_S)
        return _Defaults(
            lang=f.text("lang", pattern=LANG, what="a language code such as fr or en") or "fr",
            timeout_s=timeout,
            inter_digit_s=None if inter < 0 else inter,
            retries=f.integer("retries", 2, 0, MAX_RETRIES),
            invalid=self._ref(f, "invalid", "prompt"),
            no_input=self._ref(f, "no_input", "prompt"),
            on_fail=self._ref(f, "on_fail", "node"),
        )

    # -- names and references -----------------------------------------------------------

    def _ref(self, f: Fields, key: str, kind: str, *, required: bool = False) -> str | None:
        """Read a name of a ``kind`` thing, to be checked once all names are known."""
        name = f.text(key, required=required)
        value = f.get(key)
        if name is not None and value is not None:
            self.refs.append(_Ref(value, f.sub(key), name, kind))
        return name

    def _check_refs(self) -> None:
        for ref in self.refs:
            if ref.name not in self.names[ref.kind]:
                self.reader.error(ref.node, ref.field, f"unknown {ref.kind} {ref.name!r}")

    def _name_ok(self, f: Fields, name: str, key: yaml.Node, pattern: re.Pattern[str]) -> bool:
        if pattern.fullmatch(name):
            return True
        self.reader.error(key, f.sub(name), f"bad name {name!r} (letters, digits, _ and -)")
        return False

    # -- sections -----------------------------------------------------------------------

    def _calendars(self, f: Fields) -> dict[str, OpeningHours]:
        calendars: dict[str, OpeningHours] = {}
        for name, key, value in f.pairs():
            if not self._name_ok(f, name, key, NAME):
                continue
            self.names["calendar"].add(name)
            calendar = _calendar(self.reader, f.sub(name), name, value)
            if calendar is not None:
                calendars[name] = calendar
        return calendars

    def _prompts(self, f: Fields) -> dict[str, Prompt]:
        prompts: dict[str, Prompt] = {}
        for name, key, value in f.pairs():
            if not self._name_ok(f, name, key, NAME):
                continue
            self.names["prompt"].add(name)
            if isinstance(value, yaml.ScalarNode) and not is_null(value):
                text = f.text(name)
                if text is not None:
                    prompts[name] = Prompt(name, text=text, lang=self.defaults.lang)
                continue
            p = self.reader.mapping(value, f.sub(name), _PROMPT, required=True)
            file = p.text("file")
            text = p.text("text")
            if p.ok and file is None and text is None:
                p.error("file", "a prompt needs a file or a text")
            prompts[name] = Prompt(
                name,
                file=file,
                text=text,
                lang=p.text("lang", pattern=LANG, what="a language code such as fr or en")
                or self.defaults.lang,
                duration_s=_optional(p.number("duration_s", -1.0, 0.01, 3600.0)),
            )
        return prompts

    def _entries(self, f: Fields) -> dict[str, Entry]:
        entries: dict[str, Entry] = {}
        for number, key, value in f.pairs():
            if not NUMBER.fullmatch(number):
                self.reader.error(key, f.sub(number), f"bad dialled number {number!r}")
                continue
            e = self.reader.mapping(value, f.sub(number), _ENTRY, required=True)
            start = self._ref(e, "start", "node", required=True)
            calendar = self._ref(e, "calendar", "calendar")
            closed = self._ref(e, "closed", "node")
            if (calendar is None) != (closed is None) and e.ok:
                e.error("closed" if calendar else "calendar",
                        "calendar and closed go together (the node for a closed calendar)")
            entry = Entry(
                number,
                start or "",
                calendar=calendar,
                closed=closed,
                ring_s=e.number("ring_s", 0.0, 0.0, MAX_RING_S),
                file0=e.flag("file0", True),
            )
            if start is not None:
                entries[number] = entry
        return entries

    def _waiting(self, f: Fields) -> dict[str, Waiting]:
        """``waiting``: per queue, music, periodic messages, announcements, callback key."""
        waiting: dict[str, Waiting] = {}
        for queue, key, value in f.pairs():
            if not QUEUE.fullmatch(queue):
                self.reader.error(key, f.sub(queue), f"bad queue name {queue!r}")
                continue
            if self.queues is not None and queue not in self.queues:
                known = ", ".join(sorted(self.queues)) or "none"
                self.reader.error(key, f.sub(queue), f"unknown queue {queue!r} (ACD queues: "
                                  f"{known})")
            w = self.reader.mapping(value, f.sub(queue), _WAITING)
            messages = []
            m = self.reader.mapping(w.get("messages"), w.sub("messages"))
            for prompt, pkey, pvalue in m.pairs():
                self.refs.append(_Ref(pkey, m.sub(prompt), prompt, "prompt"))
                p = self.reader.mapping(pvalue, m.sub(prompt), _MESSAGE, required=True)
                every = p.number("every_s", 60.0, 5.0, 3600.0)
                if p.get("every_s") is None:
                    p.missing("every_s")
                messages.append(PeriodicMessage(prompt, every,
                                                p.number("first_s", every, 0.0, 3600.0)))
            waiting[queue] = Waiting(
                queue,
                music=self._ref(w, "music", "prompt"),
                messages=tuple(messages),
                announce=w.flag("announce", True),
                announce_wait=w.flag("announce_wait", True),
                lang=w.text("lang", pattern=LANG, what="a language code such as fr or en")
                or self.defaults.lang,
                callback=self._callback(w),
            )
        return waiting

    def _callback(self, w: Fields) -> CallbackOption | None:
        if w.get("callback") is None:
            return None
        c = self.reader.mapping(w.get("callback"), w.sub("callback"), _CALLBACK, required=True)
        key = c.text("key", required=True, pattern=_KEY, what="one digit or * (# ends the number)")
        offer = self._ref(c, "offer", "prompt", required=True)
        confirm = self._ref(c, "confirm", "prompt", required=True)
        low = c.integer("min_digits", 10, 2, MAX_DIGITS)
        high = c.integer("max_digits", 15, 2, MAX_DIGITS)
        if high < low:
            c.error("max_digits", f"must be at least min_digits ({low})")
        if key is None or offer is None or confirm is None:
            return None
        return CallbackOption(key, offer, confirm, c.flag("other_number", True), low,
                              max(low, high), c.number("timeout_s", 10.0, 1.0, MAX_TIMEOUT_S))

    def _nodes(self, f: Fields) -> dict[str, Node]:
        nodes: dict[str, Node] = {}
        for name, key, value in f.pairs():
            if not self._name_ok(f, name, key, NAME):
                continue
            n = self.reader.mapping(value, f.sub(name), required=True)
            kind = n.choice("type", _NODE_FIELDS)
            if kind is None:
                if n.get("type") is None:
                    n.missing("type")
                continue
            n.restrict(("type", *_NODE_FIELDS[kind]))
            node = _NODE_READERS[kind](self, n, name)
            if node is not None:
                nodes[name] = node
        return nodes

    def _check_loops(self, nodes: Mapping[str, Node], f: Fields) -> None:
        for cycle in graph.silent_cycles(nodes):
            first = cycle[0]
            self.reader.error(
                f.items[first][0],
                f.sub(first),
                f"loop with no input: {' -> '.join(cycle)} (a caller who presses nothing "
                "would never leave it)",
            )

    # -- nodes --------------------------------------------------------------------------

    def _play(self, n: Fields, name: str) -> Node | None:
        prompt = self._ref(n, "prompt", "prompt", required=True)
        target = self._ref(n, "next", "node", required=True)
        barge_in = n.flag("barge_in", False)
        if prompt is None or target is None:
            return None
        return PlayNode(name, prompt, target, barge_in)

    def _retry_fields(self, n: Fields) -> tuple[int, str | None, str | None, str | None]:
        """``retries``, ``invalid``, ``no_input`` and ``on_fail``, with the defaults."""
        d = self.defaults
        on_fail = self._ref(n, "on_fail", "node") or d.on_fail
        if on_fail is None:
            n.missing("on_fail", "(or set defaults.on_fail)")
        return (
            n.integer("retries", d.retries, 0, MAX_RETRIES),
            self._ref(n, "invalid", "prompt") or d.invalid,
            self._ref(n, "no_input", "prompt") or d.no_input,
            on_fail,
        )

    def _menu(self, n: Fields, name: str) -> Node | None:
        prompt = self._ref(n, "prompt", "prompt", required=True)
        choices = self._choices(n)
        timeout = n.number("timeout_s", self.defaults.timeout_s, 0.5, MAX_TIMEOUT_S)
        retries, invalid, no_input, on_fail = self._retry_fields(n)
        barge_in = n.flag("barge_in", True)
        if prompt is None or choices is None or on_fail is None:
            return None
        return MenuNode(name, prompt, MappingProxyType(choices), on_fail, timeout, retries,
                        invalid, no_input, barge_in)

    def _choices(self, n: Fields) -> dict[str, str] | None:
        node = n.get("choices")
        if node is None:
            n.missing("choices")
            return None
        c = self.reader.mapping(node, n.sub("choices"))
        choices: dict[str, str] = {}
        for digit, key, _value in c.pairs():
            if digit not in DIGITS:
                self.reader.error(key, c.sub(digit), "a choice is one key: 0-9, * or #")
                continue
            target = self._ref(c, digit, "node", required=True)
            if target is not None:
                choices[digit] = target
        if c.ok and not c.items:
            n.error("choices", "a menu needs at least one choice")
        return choices if c.ok else None

    def _collect(self, n: Fields, name: str) -> Node | None:
        prompt = self._ref(n, "prompt", "prompt", required=True)
        variable = n.text("variable", required=True, pattern=VARIABLE,
                          what="a variable name (letters, digits and _)")
        target = self._ref(n, "next", "node", required=True)
        max_digits = n.integer("max_digits", 20, 1, MAX_DIGITS)
        min_digits = n.integer("min_digits", 1, 1, MAX_DIGITS)
        if min_digits > max_digits:
            n.error("min_digits", f"must not exceed max_digits ({max_digits})")
        terminator = self._terminator(n)
        timeout = n.number("timeout_s", self.defaults.timeout_s, 0.5, MAX_TIMEOUT_S)
        inter = n.number("inter_digit_s", self.defaults.inter_digit_s or timeout, 0.5,
                         MAX_TIMEOUT_S)
        retries, invalid, no_input, on_fail = self._retry_fields(n)
        barge_in = n.flag("barge_in", True)
        if prompt is None or variable is None or target is None or on_fail is None:
            return None
        return CollectNode(name, prompt, variable, target, on_fail, max_digits, min_digits,
                           terminator, timeout, inter, retries, invalid, no_input, barge_in)

    def _terminator(self, n: Fields) -> str | None:
        if "terminator" not in n.items:
            return "#"
        node = n.scalar("terminator")
        if node is None or str(node.value).lower() in NO_TERMINATOR:
            return None
        value = str(node.value)
        if value not in DIGITS:
            n.error("terminator", f"expected one key (0-9, * or #) or none, got {value!r}")
            return "#"
        return value

    def _queue(self, n: Fields, name: str) -> Node | None:
        queue = n.text("queue", required=True, pattern=QUEUE, what="a queue name")
        priority = n.integer("priority", 0, 0, MAX_PRIORITY)
        points = n.integer("points", 0, 0, MAX_POINTS)
        if queue is None:
            return None
        if self.queues is not None and queue not in self.queues:
            known = ", ".join(sorted(self.queues)) or "none"
            n.error("queue", f"unknown queue {queue!r} (ACD queues: {known})")
        return QueueNode(name, queue, priority, points)

    def _message(self, n: Fields, name: str) -> Node | None:
        prompt = self._ref(n, "prompt", "prompt", required=True)
        outcome = _outcome(n)
        return None if prompt is None else MessageNode(name, prompt, outcome)

    def _transfer(self, n: Fields, name: str) -> Node | None:
        number = n.text("number", required=True, pattern=TRANSFER,
                        what="a phone number or a sip:/tel: URI")
        prompt = self._ref(n, "prompt", "prompt")
        return None if number is None else TransferNode(name, number, prompt)

    def _goto(self, n: Fields, name: str) -> Node | None:
        target = self._ref(n, "target", "node", required=True)
        return None if target is None else GotoNode(name, target)

    def _hours(self, n: Fields, name: str) -> Node | None:
        calendar = self._ref(n, "calendar", "calendar", required=True)
        ho = self._ref(n, "ho", "node", required=True)
        hno = self._ref(n, "hno", "node")
        closed = self._ref(n, "closed", "node", required=True)
        if calendar is None or ho is None or closed is None:
            return None
        return HoursNode(name, calendar, ho, closed, hno)

    def _hangup(self, n: Fields, name: str) -> Node | None:
        return HangupNode(name, _outcome(n))


_NodeReader = Callable[[_Loader, Fields, str], Node | None]
_NODE_READERS: Final[Mapping[str, _NodeReader]] = MappingProxyType({
    "play": _Loader._play,
    "menu": _Loader._menu,
    "collect": _Loader._collect,
    "queue": _Loader._queue,
    "message": _Loader._message,
    "transfer": _Loader._transfer,
    "goto": _Loader._goto,
    "hours": _Loader._hours,
    "hangup": _Loader._hangup,
})


def _outcome(n: Fields) -> EndOutcome | None:
    value = n.choice("outcome", OUTCOMES)
    if value == "message":
        return "message"
    if value == "closed":
        return "closed"
    return "error" if value == "error" else None


def _optional(value: float) -> float | None:
    return None if value < 0 else value


def _calendar(reader: Reader, path: str, name: str, node: yaml.Node) -> OpeningHours | None:
    """An :class:`OpeningHours` from its YAML; its ``ValueError`` names the field, whose
    line is found in the mapping when it can be."""
    if not isinstance(node, yaml.MappingNode):
        reader.mapping(node, path)
        return None
    try:
        data = plain(node)
        if not isinstance(data, dict):  # pragma: no cover - a MappingNode gives a dict
            raise ValueError("expected a mapping")
        return OpeningHours.from_mapping(data, name=name)
    except ValueError as exc:
        message = str(exc)
        head, _sep, rest = message.partition(": ")
        first = head.split(".")[0]
        line_node = next((key for key, _value in node.value if key.value == first), node)
        if rest and line_node is not node:
            reader.error(line_node, f"{path}.{head}", rest)
        else:
            reader.error(node, path, message)
        return None


def load(text: str, *, filename: str = "<string>",
         queues: Collection[str] | None = None) -> IvrTree:
    """Build a checked :class:`IvrTree` from YAML ``text``.

    ``filename`` is used in messages; ``queues``, when given, are the ACD's queue names and
    every ``queue`` node must name one of them. Raises :class:`IvrConfigError` listing every
    problem, each with its line and field.
    """
    return _Loader(Reader(filename), queues).load(text)


def load_file(path: str | Path, *, queues: Collection[str] | None = None) -> IvrTree:
    """Read and :func:`load` the file at ``path`` (the package's only file access).

    A file that cannot be read raises :class:`IvrConfigError` too.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise IvrConfigError([Problem(name, 0, "", f"cannot read the file: {reason}")]) from None
    return load(text, filename=name, queues=queues)


__all__ = ["VERSION", "load", "load_file"]
