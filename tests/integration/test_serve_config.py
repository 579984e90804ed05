"""The ``accueil serve`` configuration file: what loads, and how problems are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from live.config import ServeConfigError, load_config, load_config_text, parse_hostport

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_loads_with_paths_from_its_folder() -> None:
    config = load_config(ROOT / "examples" / "accueil.yaml")
    assert config.ivr_file == ROOT / "examples" / "ivr" / "contact_center.yaml"
    assert (config.sip_host, config.sip_port, config.transports) == ("0.0.0.0", 5060,
                                                                     ("udp", "tcp"))
    assert [t.name for t in config.trunks] == ["oxe"]
    assert config.trunks[0].allow == ("192.0.2.1/32", "192.0.2.2/32")
    assert (config.trunks[0].rate, config.trunks[0].burst) == (50.0, 100)
    assert [q.name for q in config.queues] == ["efiling", "account", "general"]
    assert config.queues[0].escalation[0].min_level == 2
    assert [a.agent_id for a in config.agents] == ["agent01", "agent02", "agent03"]
    assert config.agents[2].skills == {"general": 6, "accounts": 5}
    assert config.http == ("127.0.0.1", 8080)
    assert config.media_address == "192.0.2.10"


def test_the_smallest_file_is_an_ivr_file() -> None:
    config = load_config_text("ivr: {file: x.yaml}\n", base=Path("/srv"))
    assert config.ivr_file == Path("/srv/x.yaml")
    assert config.trunks == () and config.queues == () and config.http is None


@pytest.mark.parametrize(("text", "expected"), [
    ("ivr: {file: x}\nsip: {listen: 5060}\n", "c.yaml:2: sip.listen: expected HOST:PORT"),
    ("ivr: {file: x}\nsip: {transports: [udp, sctp]}\n",
     "c.yaml:2: sip.transports: expected a list of udp and/or tcp, got 'sctp'"),
    ("ivr: {file: x}\nsip: {grace_s: -1}\n", "c.yaml:2: sip.grace_s: must be between 0"),
    ("ivr: {file: x}\ntrunks: {pbx: {rate: 5}}\n", "c.yaml:2: trunks.pbx.allow: required"),
    ("ivr: {file: x}\ntrunks:\n  pbx: {allow: [10.0.0.1, nonsense]}\n",
     "c.yaml:3: trunks.pbx.allow[1]: not an IP address or network: 'nonsense'"),
    ("ivr: {file: x}\nrtp: {address: rtp.example.com}\n",
     "c.yaml:2: rtp.address: expected an IP address"),
    ("ivr: {file: x}\nrtp: {ports: 20000}\n", "c.yaml:2: rtp.ports: expected FIRST-LAST"),
    ("ivr: {file: x}\nrtp: {idle: music}\n", "c.yaml:2: rtp.idle: expected one of"),
    ("ivr: {}\n", "c.yaml:1: ivr.file: required field is missing"),
    ("ivr: {file: x, sound: y}\n", "c.yaml:1: ivr.sound: unknown field"),
    ("ivr: {file: x}\nqueues:\n  - {name: q, skill: q, max_wait_s: -3}\n",
     "c.yaml:3: queues[0]: "),
    ("ivr: {file: x}\nqueues:\n  - {name: q, skill: q, overflow_to: r}\n",
     "c.yaml:3: queues[0].overflow_to: no queue named 'r'"),
    ("ivr: {file: x}\nagents:\n  - {id: a, skills: {s: 0}}\n",
     "c.yaml:3: agents[0].skills.s: must be between 1 and 10"),
    ("ivr: {file: x}\nagents:\n  - {id: a}\n  - {id: a}\n",
     "c.yaml:4: agents[1].id: two agents have the id 'a'"),
    ("ivr: {file: x}\nhttp: localhost\n", "c.yaml:2: http: expected HOST:PORT"),
    ("ivr: [file]\n", "c.yaml:1: ivr: expected a mapping"),
    ("ivr: {file: x\n", "c.yaml:2: YAML syntax error"),
    ("surprise: 1\nivr: {file: x}\n", "c.yaml:1: surprise: unknown field"),
    ("ivr: {file: x}\nkpis: {interval_minutes: 20}\n",
     "c.yaml:2: kpis.interval_minutes: expected 15, 30 or 60, got 20"),
    ("ivr: {file: x}\ncallbacks: {uri: 'sip:pbx.example'}\n",
     "c.yaml:2: callbacks.uri: expected a sip: URI with {number}"),
])
def test_problems_name_file_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ServeConfigError) as caught:
        load_config_text(text, filename="c.yaml")
    assert expected in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    text = "sip: {listen: nope}\nrtp: {idle: loud}\nivr: {}\n"
    with pytest.raises(ServeConfigError) as caught:
        load_config_text(text, filename="c.yaml")
    assert [p.line for p in caught.value.problems] == [1, 2, 3]


def test_overrides_from_the_command_line() -> None:
    config = load_config_text("ivr: {file: x}\n")
    changed = config.with_overrides(sip="[::1]:5070", http="127.0.0.1:0", data="/tmp/d")
    assert (changed.sip_host, changed.sip_port) == ("::1", 5070)
    assert changed.http == ("127.0.0.1", 0) and changed.data_dir == Path("/tmp/d")
    with pytest.raises(ServeConfigError, match="--http: expected HOST:PORT"):
        config.with_overrides(http="8080")


@pytest.mark.parametrize(("text", "parsed"), [
    ("127.0.0.1:5060", ("127.0.0.1", 5060)), ("[2001:db8::1]:5061", ("2001:db8::1", 5061)),
    ("sip.example.com:5080", ("sip.example.com", 5080)), ("0.0.0.0:0", ("0.0.0.0", 0)),
    ("127.0.0.1", None), (":5060", None), ("host:70000", None), ("::1:5060", None),
])
def test_parse_hostport(text: str, parsed: tuple[str, int] | None) -> None:
    assert parse_hostport(text) == parsed


def test_kpis_count_as_the_configuration_says(tmp_path: Path) -> None:
    """Intervals, threshold, redial window and the HO/HNO calendar reach the KPI engine; an
    unknown calendar stops the start with a message naming it."""
    from dataclasses import replace

    from live.serve import StartError
    from live.serve_thread import ServerThread

    example = ROOT / "examples" / "accueil.yaml"
    config = load_config(example).with_overrides(sip="127.0.0.1:0")
    config = replace(config, data_dir=None, http=None, agent_lines=(), rtp_address="127.0.0.1",
                     sip_host="127.0.0.1", advertise=None, silent_fallback=True,
                     prompts_dir=tmp_path, kpi_interval_s=1800.0, sl_threshold_s=30.0,
                     redial_window_s=7200.0, kpi_calendar="support")
    thread = ServerThread(config).start()
    try:
        kpi = thread.server.kpi
        assert (kpi.interval_s, kpi.sl_threshold_s, kpi.redial_window_s) == (1800, 30, 7200)
        assert thread.server.classify is not None
        assert thread.server.classify(1795420800.0) in ("HO", "HNO", "closed")
    finally:
        thread.stop(grace_s=0)
    with pytest.raises(StartError, match=r"kpis\.calendar: no calendar 'nope'.*support"):
        ServerThread(replace(config, kpi_calendar="nope")).start()


def test_callbacks_need_a_way_to_reach_callers(tmp_path: Path) -> None:
    """A queue calling lost calls back, or an IVR callback key, without callbacks.uri: the
    server does not start, and says what asks for callbacks."""
    from dataclasses import replace

    from live.serve import StartError
    from live.serve_thread import ServerThread

    config = load_config(ROOT / "examples" / "accueil.yaml").with_overrides(sip="127.0.0.1:0")
    config = replace(config, data_dir=None, http=None, agent_lines=(), rtp_address="127.0.0.1",
                     sip_host="127.0.0.1", advertise=None, silent_fallback=True,
                     prompts_dir=tmp_path, callback_uri=None)
    with pytest.raises(StartError, match=r"callbacks\.uri is missing") as info:
        ServerThread(config).start()
    assert "queues.efiling.callback_lost" in str(info.value)
    assert "waiting.general.callback" in str(info.value)
