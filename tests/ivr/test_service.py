"""Reloading the tree: new calls get the new tree, calls in progress keep theirs."""

from __future__ import annotations

import pytest

from ivr.commands import QueueCall
from ivr.errors import IvrConfigError, UnknownEntry
from ivr.events import DigitReceived, PromptFinished
from ivr.loader import load
from ivr.service import IvrService
from tests.ivr.harness import MONDAY_10, Message, provider

V1 = """\
defaults: {on_fail: q_general}
prompts: {menu: Tapez 1 pour les ventes}
entries: {"100": {start: menu}}
nodes:
  menu: {type: menu, prompt: menu, choices: {1: q_sales}}
  q_sales: {type: queue, queue: sales}
  q_general: {type: queue, queue: general}
"""
V2 = (
    V1.replace("queue: sales}", "queue: sales_v2}").replace(
        '"100": {start: menu}}', '"100": {start: menu}, "200": {start: extra}}'
    )
    + "  extra: {type: hangup}\n"
)


def test_reload_applies_to_new_calls_only() -> None:
    service = IvrService(load(V1))
    assert service.version == 1
    old = service.new_session("c1", "", "100", MONDAY_10)
    old.start(MONDAY_10)
    assert not service.serves("200")

    assert service.reload(load(V2)) == 2
    new = service.new_session("c2", "", "100", MONDAY_10)
    new.start(MONDAY_10)
    assert service.serves("200")
    assert old.tree is not new.tree

    for session, queue in ((old, "sales"), (new, "sales_v2")):
        session.handle(PromptFinished("menu"), MONDAY_10 + 1)
        (command,) = session.handle(DigitReceived("1"), MONDAY_10 + 2)
        assert isinstance(command, QueueCall)
        assert command.call.queue == queue


def test_a_bad_file_never_replaces_a_good_tree() -> None:
    service = IvrService(load(V1))
    with pytest.raises(IvrConfigError):
        service.reload(load(V1.replace("q_sales}", "q_nowhere}")))
    assert service.version == 1
    assert service.serves("100")


def test_sessions_get_the_file0_provider_and_unknown_numbers_are_refused() -> None:
    service = IvrService(load(V1), file0=provider(Message("f", "dissuade", "Panne")))
    session = service.new_session("c1", "", "100", MONDAY_10)
    (_answer, play) = session.start(MONDAY_10)
    assert play.prompt.text == "Panne"  # type: ignore[union-attr]
    with pytest.raises(UnknownEntry):
        service.new_session("c2", "", "999", MONDAY_10)
