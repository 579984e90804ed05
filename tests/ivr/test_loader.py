"""Loading IVR files: the example, every schema rule, errors naming line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from ivr import graph
from ivr.config import (
    CollectNode,
    Entry,
    GotoNode,
    HangupNode,
    HoursNode,
    MenuNode,
    MessageNode,
    PlayNode,
    Prompt,
    QueueNode,
    TransferNode,
)
from ivr.errors import IvrConfigError, IvrError, Problem
from ivr.loader import load, load_file

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ivr" / "contact_center.yaml"
EXAMPLE_QUEUES = {"efiling", "account", "general"}

GOOD = """\
defaults: {on_fail: bye}
prompts:
  hello: Bonjour
  menu: {file: menu.wav, text: Tapez 1, lang: fr, duration_s: 3.5}
entries:
  "0140000000": {start: hello_node}
nodes:
  hello_node: {type: play, prompt: hello, next: main}
  main:
    type: menu
    prompt: menu
    choices: {1: q, 2: bye}
  q: {type: queue, queue: sales}
  bye: {type: hangup}
"""


def problems_of(text: str, queues: set[str] | None = None) -> tuple[Problem, ...]:
    with pytest.raises(IvrConfigError) as info:
        load(textwrap.dedent(text), filename="ivr.yaml", queues=queues)
    return info.value.problems


# --- what loads -------------------------------------------------------------------------------


def test_the_example_loads_and_routes_to_known_queues() -> None:
    tree = load_file(EXAMPLE, queues=EXAMPLE_QUEUES)
    assert tree.source == str(EXAMPLE)
    assert set(tree.entries) == {"0140000000", "0262000000", "0140000099"}
    assert tree.queues() == EXAMPLE_QUEUES
    assert set(tree.calendars) == {"support", "overseas"}
    main = tree.nodes["main"]
    assert isinstance(main, MenuNode)
    assert dict(main.choices) == {"1": "efiling", "2": "account", "3": "other", "0": "main"}
    assert (main.timeout_s, main.retries, main.invalid, main.on_fail) == (
        6.0, 2, "invalid_choice", "q_general"
    )
    efiling = tree.nodes["efiling"]
    assert isinstance(efiling, CollectNode)
    assert (efiling.terminator, efiling.max_digits, efiling.inter_digit_s) == ("#", 10, 4.0)
    assert graph.warnings(tree) == [
        "prompts.incident_efiling: no node or waiting queue plays it (fine for a file 0 message)"
    ]


def test_every_field_is_read() -> None:
    tree = load(GOOD)
    assert tree.prompts["hello"] == Prompt("hello", text="Bonjour", lang="fr")
    assert tree.prompts["menu"] == Prompt("menu", "menu.wav", "Tapez 1", "fr", 3.5)
    assert tree.entries["0140000000"] == Entry("0140000000", "hello_node")
    assert tree.nodes["hello_node"] == PlayNode("hello_node", "hello", "main")
    assert tree.nodes["main"] == MenuNode("main", "menu", {"1": "q", "2": "bye"}, "bye")
    assert tree.nodes["q"] == QueueNode("q", "sales")
    assert tree.nodes["bye"] == HangupNode("bye")
    assert "1 entries, 4 nodes" in tree.summary()


def test_every_node_kind_with_all_its_fields() -> None:
    tree = load(
        """\
        defaults: {lang: en, timeout_s: 7, inter_digit_s: 3, retries: 1, invalid: p,
                   no_input: p, on_fail: h}
        calendars: {cal: {ho: {mon-fri: ["08:00-18:00"]}, hno: {mon-fri: ["18:00-20:00"]}}}
        prompts: {p: Hello}
        entries:
          "*": {start: g, calendar: cal, closed: m, ring_s: 1.5, file0: no}
        nodes:
          g: {type: goto, target: hr}
          hr: {type: hours, calendar: cal, ho: c, hno: t, closed: m}
          c: {type: collect, prompt: p, variable: file_no, next: q, max_digits: 8,
              min_digits: 2, terminator: "*", barge_in: false}
          q: {type: queue, queue: tax, priority: 3, points: 20}
          t: {type: transfer, number: "sip:agent@127.0.0.1:5070"}
          m: {type: message, prompt: p, outcome: closed}
          h: {type: hangup, outcome: error}
        """
    )
    assert tree.lang == "en"
    assert tree.prompts["p"].lang == "en"
    assert tree.entries["*"] == Entry("*", "g", "cal", "m", 1.5, False)
    assert tree.entry_for("0123") == tree.entries["*"]
    assert tree.nodes["g"] == GotoNode("g", "hr")
    assert tree.nodes["hr"] == HoursNode("hr", "cal", "c", "m", "t")
    assert tree.nodes["c"] == CollectNode(
        "c", "p", "file_no", "q", "h", 8, 2, "*", 7.0, 3.0, 1, "p", "p", False
    )
    assert tree.nodes["q"] == QueueNode("q", "tax", 3, 20)
    assert tree.nodes["t"] == TransferNode("t", "sip:agent@127.0.0.1:5070")
    assert tree.nodes["m"] == MessageNode("m", "p", "closed")
    assert tree.nodes["h"] == HangupNode("h", "error")
    assert tree.calendars["cal"].name == "cal"


def test_scalars_keep_their_text() -> None:
    tree = load(
        """\
        prompts: {p: Bonjour}
        entries:
          0140000000: {start: q}
        nodes:
          q: {type: queue, queue: no}
        """
    )
    assert "0140000000" in tree.entries  # not the octal number 0o140000000
    node = tree.nodes["q"]
    assert isinstance(node, QueueNode)
    assert node.queue == "no"  # not the boolean false


# --- what does not load: (yaml, line, field, part of the message) ------------------------------

BAD: list[tuple[str, str, int, str, str]] = [
    ("unknown node in a menu choice", """\
        prompts: {p: x}
        entries: {"1": {start: main}}
        nodes:
          main:
            type: menu
            prompt: p
            on_fail: main_q
            choices:
              1: main_q
              3: sales_q
          main_q: {type: queue, queue: a}
        """, 10, "nodes.main.choices.3", "unknown node 'sales_q'"),
    ("unknown prompt", """\
        entries: {"1": {start: m}}
        nodes:
          m: {type: message, prompt: hello}
        """, 3, "nodes.m.prompt", "unknown prompt 'hello'"),
    ("unknown calendar", """\
        prompts: {p: x}
        entries: {"1": {start: m, calendar: office, closed: m}}
        nodes: {m: {type: message, prompt: p}}
        """, 2, "entries.1.calendar", "unknown calendar 'office'"),
    ("unknown node type", """\
        entries: {"1": {start: m}}
        nodes:
          m:
            type: menuu
        """, 4, "nodes.m.type", "expected one of collect, goto"),
    ("missing type", """\
        entries: {"1": {start: m}}
        nodes:
          m: {prompt: p}
        """, 3, "nodes.m.type", "required field is missing"),
    ("a field of another node type", """\
        prompts: {p: x}
        entries: {"1": {start: m}}
        nodes:
          m:
            type: message
            prompt: p
            timeout_s: 3
        """, 7, "nodes.m.timeout_s", "unknown field"),
    ("bad digit", """\
        prompts: {p: x}
        entries: {"1": {start: m}}
        nodes:
          m:
            type: menu
            prompt: p
            on_fail: m2
            choices: {12: m2}
          m2: {type: hangup}
        """, 8, "nodes.m.choices.12", "a choice is one key"),
    ("menu without on_fail", """\
        prompts: {p: x}
        entries: {"1": {start: m}}
        nodes:
          m: {type: menu, prompt: p, choices: {1: h}}
          h: {type: hangup}
        """, 4, "nodes.m.on_fail", "defaults.on_fail"),
    ("empty choices", """\
        prompts: {p: x}
        entries: {"1": {start: m}}
        nodes:
          m: {type: menu, prompt: p, on_fail: h, choices: {}}
          h: {type: hangup}
        """, 4, "nodes.m.choices", "at least one choice"),
    ("negative timeout", """\
        prompts: {p: x}
        entries: {"1": {start: m}}
        nodes:
          m: {type: menu, prompt: p, on_fail: h, choices: {1: h},
              timeout_s: -1}
          h: {type: hangup}
        """, 5, "nodes.m.timeout_s", "between 0.5 and 300"),
    ("timeout not a number", """\
        defaults:
          timeout_s: 5s
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 2, "defaults.timeout_s", "expected a number"),
    ("retries not whole", """\
        defaults: {retries: 1.5}
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 1, "defaults.retries", "whole number"),
    ("min above max digits", """\
        prompts: {p: x}
        entries: {"1": {start: c}}
        nodes:
          c: {type: collect, prompt: p, variable: v, next: h, on_fail: h,
              max_digits: 4, min_digits: 6}
          h: {type: hangup}
        """, 5, "nodes.c.min_digits", "must not exceed max_digits (4)"),
    ("bad terminator", """\
        prompts: {p: x}
        entries: {"1": {start: c}}
        nodes:
          c: {type: collect, prompt: p, variable: v, next: h, on_fail: h,
              terminator: "##"}
          h: {type: hangup}
        """, 5, "nodes.c.terminator", "expected one key"),
    ("bad variable name", """\
        prompts: {p: x}
        entries: {"1": {start: c}}
        nodes:
          c: {type: collect, prompt: p, variable: file-no, next: h, on_fail: h}
          h: {type: hangup}
        """, 4, "nodes.c.variable", "variable name"),
    ("priority out of range", """\
        entries: {"1": {start: q}}
        nodes:
          q: {type: queue, queue: a, priority: 1000}
        """, 3, "nodes.q.priority", "between 0 and 100"),
    ("bad transfer number", """\
        entries: {"1": {start: t}}
        nodes:
          t: {type: transfer, number: "call me"}
        """, 3, "nodes.t.number", "phone number or a sip:/tel: URI"),
    ("calendar without closed node", """\
        calendars: {c: {ho: {mon-fri: ["08:00-18:00"]}}}
        entries:
          "1": {start: h, calendar: c}
        nodes: {h: {type: hangup}}
        """, 3, "entries.1.closed", "go together"),
    ("ring too long", """\
        entries:
          "1": {start: h, ring_s: 600}
        nodes: {h: {type: hangup}}
        """, 2, "entries.1.ring_s", "between 0 and 60"),
    ("file0 not a boolean", """\
        entries:
          "1": {start: h, file0: maybe}
        nodes: {h: {type: hangup}}
        """, 2, "entries.1.file0", "true or false"),
    ("entry without start", """\
        entries:
          "1": {ring_s: 1}
        nodes: {h: {type: hangup}}
        """, 2, "entries.1.start", "required field is missing"),
    ("bad entry number", """\
        entries:
          "01 40": {start: h}
        nodes: {h: {type: hangup}}
        """, 2, "entries.01 40", "bad dialled number"),
    ("prompt without file or text", """\
        prompts:
          p: {lang: fr}
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 2, "prompts.p.file", "a file or a text"),
    ("empty prompt", """\
        prompts:
          p:
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 2, "prompts.p", "expected a mapping, got nothing"),
    ("bad language", """\
        prompts:
          p: {text: Hello, lang: English}
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 2, "prompts.p.lang", "language code"),
    ("bad calendar range", """\
        calendars:
          office:
            timezone: Europe/Paris
            ho: {mon-fri: ["08:30-25:00"]}
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 4, "calendars.office.ho.mon-fri", "bad time in range"),
    ("unknown calendar field", """\
        calendars:
          office:
            opening: {mon: "08:00-12:00"}
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 3, "calendars.office.opening", "unknown opening-hours field"),
    ("unknown holiday region", """\
        calendars:
          office:
            ho: {mon-fri: ["08:00-18:00"]}
            holidays: [atlantis]
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 4, "calendars.office.holidays", "unknown holiday region"),
    ("duplicate node", """\
        entries: {"1": {start: h}}
        nodes:
          h: {type: hangup}
          h: {type: hangup}
        """, 4, "nodes.h", "duplicate key (first at line 3)"),
    ("unknown top-level section", """\
        entries: {"1": {start: h}}
        menus: {}
        nodes: {h: {type: hangup}}
        """, 2, "menus", "unknown field"),
    ("bad node name", """\
        entries: {"1": {start: h}}
        nodes:
          h: {type: hangup}
          a.b: {type: hangup}
        """, 4, "nodes.a.b", "bad name"),
    ("goto loop", """\
        entries: {"1": {start: a}}
        nodes:
          a: {type: goto, target: b}
          b: {type: goto, target: a}
        """, 3, "nodes.a", "loop with no input: a -> b -> a"),
    ("silent loop through a prompt and a timeout", """\
        prompts: {p: x}
        entries: {"1": {start: m}}
        nodes:
          m: {type: menu, prompt: p, choices: {1: q}, on_fail: again}
          again: {type: play, prompt: p, next: m}
          q: {type: queue, queue: a}
        """, 4, "nodes.m", "loop with no input: m -> again -> m"),
    ("unknown queue", """\
        entries: {"1": {start: q}}
        nodes:
          q: {type: queue, queue: sales_q}
        """, 3, "nodes.q.queue", "unknown queue 'sales_q' (ACD queues: a, general, sales)"),
    ("no entries", """\
        nodes: {h: {type: hangup}}
        """, 1, "entries", "at least one entry point"),
    ("not a mapping", """\
        - a
        - b
        """, 1, "", "expected a mapping"),
    ("unsupported version", """\
        version: 2
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """, 1, "version", "unsupported version"),
    ("a list where a name goes", """\
        entries: {"1": {start: [a, b]}}
        nodes: {h: {type: hangup}}
        """, 1, "entries.1.start", "expected a single value"),
    ("YAML syntax", """\
        entries: {"1": {start: h}}
        nodes:
          h: {type: hangup
          x: 1
        """, 4, "", "YAML syntax error"),
    ("unquoted star key", """\
        entries: {"1": {start: h}}
        nodes:
          h: {type: hangup}
          m: {type: menu, choices: {*: h}}
        """, 4, "", "YAML syntax error"),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [pytest.param(text, line, field, message, id=name) for name, text, line, field, message in BAD],
)
def test_errors_name_line_and_field(text: str, line: int, field: str, message: str) -> None:
    problems = problems_of(text, queues={"sales", "general", "a"})
    found = [(p.line, p.field) for p in problems]
    hits = [p for p in problems if (p.line, p.field) == (line, field) and message in p.message]
    assert hits, f"expected {(line, field, message)} among {problems}"
    assert str(hits[0]).startswith(f"ivr.yaml:{line}: ")
    assert len(found) == len(set(found)), "one problem reported twice"


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    problems = problems_of(
        """\
        prompts: {p: x}
        entries:
          "1": {start: nowhere}
        nodes:
          m: {type: menu, prompt: nope, choices: {1: q}, on_fail: h, retries: 99}
          h: {type: hangup}
        """
    )
    assert [(p.line, p.field) for p in problems] == [
        (3, "entries.1.start"),
        (5, "nodes.m.choices.1"),
        (5, "nodes.m.prompt"),
        (5, "nodes.m.retries"),
    ]


def test_the_error_reads_file_line_field_message() -> None:
    with pytest.raises(IvrConfigError) as info:
        load('entries: {"1": {start: x}}\nnodes: {h: {type: hangup}}\n', filename="ivr.yaml")
    error = info.value
    assert isinstance(error, IvrError)
    assert isinstance(error, ValueError)
    assert str(error) == "ivr.yaml:1: entries.1.start: unknown node 'x'"
    assert (error.filename, error.line, error.field) == ("ivr.yaml", 1, "entries.1.start")


def test_empty_and_unreadable_files(tmp_path: Path) -> None:
    assert [str(p) for p in problems_of("")] == ["ivr.yaml: the file is empty"]
    with pytest.raises(IvrConfigError, match="cannot read the file"):
        load_file(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(IvrConfigError, match="cannot read the file"):
        load_file(binary)


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_absurd_nesting_is_an_error_not_a_crash(
    loader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ivr.loader._YAML_LOADER", getattr(yaml, loader, yaml.SafeLoader))
    problems = problems_of("entries: " + "[" * 1200 + "]" * 1200)
    assert problems[0].line in (0, 1)
    assert problems[0].field in ("", "entries")


def test_a_recursive_alias_in_a_calendar_is_an_error_not_a_crash() -> None:
    problems = problems_of(
        """\
        calendars:
          c: &x {ho: [*x]}
        entries: {"1": {start: h}}
        nodes: {h: {type: hangup}}
        """
    )
    assert problems[0].field == "calendars.c"


def test_warnings_name_unreachable_nodes() -> None:
    tree = load(GOOD + "  lost: {type: hangup}\n")
    assert graph.warnings(tree) == ["nodes.lost: no entry point leads here"]
    assert graph.reachable(tree) == {"hello_node", "main", "q", "bye"}
