"""File 0 switched on mid-run: SIPp callers before and after, through ``accueil serve``.

The server runs with its supervision API; a supervisor switches the message on with one
``accueil file0 on`` command while SIPp keeps calling. The next call hears it (informed,
then continues into the menu); in dissuasion mode the engine plays it and hangs up (SIPp's
``uac_wait_bye`` scenario receives our BYE). The delay from the request to the first call
that heard the message (GVS01, contract limit 15 min) is printed.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from live.cli import main
from live.config import load_config
from live.serve_thread import ServerThread
from monitoring.auth import hash_token
from queues import records as rec
from tests.integration.test_sipp import HERE, SIPP, TONES, Records, sipp, wait_for, write_tone

pytestmark = pytest.mark.skipif(SIPP is None, reason="SIPp is not installed (sip-tester)")
TOKEN = "supervisor-token-for-file0"


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ServerThread,
                                                                              Records, str]]:
    monkeypatch.setenv("ACCUEIL_TOKENS", json.dumps(
        [{"name": "sup", "role": "supervisor", "sha256": hash_token(TOKEN)}]))
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    for name, seconds in TONES.items():
        write_tone(prompts / name, seconds)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        http_port = probe.getsockname()[1]
    config = load_config(HERE / "accueil_test.yaml").with_overrides(sip="127.0.0.1:0")
    config = replace(config, prompts_dir=prompts, data_dir=tmp_path / "data",
                     http=("127.0.0.1", http_port), rtp_ports=(34000, 35999),
                     silent_fallback=True)
    records = Records()
    thread = ServerThread(config, sinks=[records]).start()
    try:
        yield thread, records, f"http://127.0.0.1:{http_port}"
    finally:
        thread.stop(grace_s=1.0)


def _file0_state(url: str) -> dict[str, object]:
    request = urllib.request.Request(url + "/api/file0",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        state: dict[str, object] = json.load(response)
    return state


def test_file0_on_mid_run_informs_the_next_call_then_dissuades(
    engine: tuple[ServerThread, Records, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, records, url = engine
    cli = ["file0", "--url", url, "--token", TOKEN]

    mark = records.mark()  # before: no message
    sipp(server, tmp_path, "answer", calls=1)
    assert wait_for(lambda: any(isinstance(r, rec.CallLeftIvr) for r in records.since(mark)))
    assert not [r for r in records.since(mark) if isinstance(r, rec.CallInformed)]

    assert main([*cli, "on", "--mode", "inform", "--reason", "e-filing site down",
                 "--text", "Le site de dépôt est indisponible. Merci de votre patience."]) == 0
    (activation,) = _file0_state(url)["active"]  # type: ignore[misc]
    requested_at = float(activation["requested_at"])  # type: ignore[index]
    mark = records.mark()
    sipp(server, tmp_path, "answer", calls=1, duration_ms=4000)
    assert wait_for(lambda: any(isinstance(r, rec.CallLeftIvr) for r in records.since(mark)))
    informed = [r for r in records.since(mark) if isinstance(r, rec.CallInformed)]
    assert [r.message_id for r in informed] == [activation["id"]]  # type: ignore[index]
    # inform then continue: the call went on into the menu (it was not dissuaded)
    assert not [r for r in records.since(mark) if isinstance(r, rec.CallDissuaded)]
    delay = informed[0].at - requested_at
    assert 0 <= delay < 15 * 60
    (arrived,) = [r.at for r in records.since(mark) if isinstance(r, rec.CallReceived)]
    engine_part = informed[0].at - arrived  # the rest is SIPp starting and placing the call
    assert arrived >= requested_at and engine_part < 1.0
    assert wait_for(lambda: _file0_state(url)["active"][0]["first_call_at"] is not None)  # type: ignore[index]

    assert main([*cli, "off", "--reason", "switching to dissuasion"]) == 0
    assert main([*cli, "on", "--mode", "dissuade", "--reason", "e-filing site down",
                 "--text", "Le site est indisponible, inutile d'appeler."]) == 0
    mark = records.mark()
    sipp(server, tmp_path, "answer", "uac_wait_bye.xml", calls=1)  # our BYE must come
    assert wait_for(lambda: any(isinstance(r, rec.CallDissuaded) for r in records.since(mark)))
    capsys.readouterr()
    with capsys.disabled():
        print(f"\nfile 0 activation delay (request -> first call informed): {delay:.3f} s, "
              f"of which {engine_part * 1000:.0f} ms from the call's arrival to the message")
