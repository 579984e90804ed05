"""The ``accueil serve`` configuration file: one YAML file for the whole live engine.

Every problem is reported with its file, line and field (``accueil.yaml:12: trunks.pbx.allow[1]:
not an IP address or network: '10.0.0/8'``), all at once, never as a traceback::

    sip:
      listen: 0.0.0.0:5060        # host:port, UDP and TCP (port 0: any free port)
      transports: [udp, tcp]      # optional, both by default
      advertise: 192.0.2.10       # optional: the address put in Contact and SDP
      grace_s: 30                 # shutdown: calls in progress get this long to end
      retry_after_s: 120          # shutdown: new INVITEs get 503 with this Retry-After
      reject_with: 403            # answer to sources outside every trunk (absent: drop)
    trunks:                       # who may call us; absent: everyone (a warning is logged)
      pbx:
        allow: [192.0.2.1, 10.1.0.0/16]
        rate: 50                  # new requests per second and source (a token bucket)...
        burst: 100                # ...holding this many tokens
        reject_with: 503          # answer when over the rate (absent: drop silently)
    rtp:
      address: 192.0.2.10         # IP literal to bind RTP on, and to put in SDP
      ports: 20000-29999          # the RTP port pool (even ports)
      idle: silence               # between prompts: silence, comfort (noise) or none
    ivr:
      file: ivr/contact_center.yaml   # relative to this file
      prompts: ivr/prompts        # recordings' folder (default: the IVR file's folder)
      music_on_hold: moh.wav      # optional, played in a loop while queued
      voices: {fr: fr, en: en}    # prompt language -> espeak-ng voice
      silent_fallback: false      # true: a prompt that cannot be loaded plays as silence
    queues:                       # queues.config.QueueConfig fields
      - {name: general, skill: general, max_wait_s: 600, fallback: closed}
    agents:                       # acd.model.AgentConfig
      - {id: a01, skills: {general: 5}, name: Alice}
      - {id: a02, skills: {general: 3}, uri: "sip:a02@192.0.2.30:5060"}  # logged in at start
      - {id: a03, skills: {general: 3}, password: s3cret}   # REGISTERs as user a03
    data: /var/lib/accueil        # Redis data, exports, the text-to-speech cache
    recording:                    # optional: stereo WAV of bridged calls (live.recording)
      dir: recordings             # relative to the data folder
      retention_days: 90          # older files are deleted (at start, then hourly)
      queues: [general]           # absent: every queue
    http: 127.0.0.1:8080          # optional: the supervision API and dashboard
    kpis:                         # optional: how the indicators are counted
      interval_minutes: 15        # report intervals: 15, 30 or 60
      sl_threshold_s: 40          # T2-IQ01: answered within this many seconds
      redial_window_h: 24         # T2-IQ04: a lost caller answered again within this is renewed
      calendar: france_travail    # an IVR calendar: splits the figures into HO and HNO
    callbacks:                    # optional: how callbacks reach callers (through the trunk)
      uri: "sip:{number}@192.0.2.1:5060"   # {number}: the number to call back
      ring_s: 30                  # the caller's phone rings this long before giving up

Relative paths are taken from the configuration file's folder. ``--sip``, ``--http`` and
``--data`` on the command line override the file (:meth:`ServeConfig.with_overrides`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import yaml

from acd.model import AgentConfig
from ivr._yaml import Fields, Reader, describe, line_of, syntax_problem
from ivr.errors import Problem
from queues.config import QueueConfig
from queues.errors import ConfigError as QueueConfigError

__all__ = [
    "AgentLine",
    "RecordingConfig",
    "ServeConfig",
    "ServeConfigError",
    "TrunkConfig",
    "load_config",
    "load_config_text",
    "parse_hostport",
]

_TOP: Final = ("sip", "trunks", "rtp", "ivr", "queues", "agents", "data", "http", "recording",
                "callbacks", "kpis")
_CALLBACKS: Final = ("uri", "ring_s")
_KPIS: Final = ("interval_minutes", "sl_threshold_s", "redial_window_h", "calendar")
_RECORDING: Final = ("dir", "retention_days", "queues")
_SIP: Final = ("listen", "transports", "advertise", "grace_s", "retry_after_s", "reject_with")
_TRUNK: Final = ("allow", "rate", "burst", "reject_with")
_RTP: Final = ("address", "ports", "idle")
_IVR: Final = ("file", "prompts", "music_on_hold", "voices", "silent_fallback")
_AGENT: Final = ("id", "skills", "name", "uri", "password", "ha1")
_TRANSPORTS: Final = ("udp", "tcp")
_CALLBACK_URI: Final = re.compile(r"sips?:[^\s@{}]+@[^\s{}]+")
_IDLE: Final = ("silence", "comfort", "none")
_PORTS: Final = re.compile(r"\s*(\d{1,5})\s*-\s*(\d{1,5})\s*")
_HOSTPORT: Final = re.compile(
    r"\[(?P<v6>[0-9A-Fa-f:.]+)\]:(?P<p6>\d{1,5})|(?P<host>[^:\[\]\s]+):(?P<port>\d{1,5})")
_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_VOICE: Final = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?")


class ServeConfigError(ValueError):
    """The configuration does not load; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.filename, p.line, p.field)))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class TrunkConfig:
    """A peer allowed to send us calls."""

    name: str
    allow: tuple[str, ...]
    """IP networks (``192.0.2.1/32``, ``10.1.0.0/16``) the trunk's requests come from."""
    rate: float | None = None
    """Most new calls per second (``None``: no limit)."""
    burst: int | None = None
    """Token bucket size for ``rate`` (default: ``rate`` rounded up, at least 1)."""
    reject_with: int | None = None
    """Status answered to requests over the rate (``None``: dropped silently)."""


@dataclass(frozen=True, slots=True)
class AgentLine:
    """How an agent's phone is reached: a fixed URI, or a registration (password or HA1)."""

    agent_id: str
    uri: str | None = None
    """A fixed SIP URI: the agent is logged in at start and rung there."""
    password: str | None = field(default=None, repr=False)
    """The agent REGISTERs as user ``agent_id`` with this password..."""
    ha1: str | None = field(default=None, repr=False)
    """...or with this stored MD5 ``H(user:realm:password)`` (hex)."""


@dataclass(frozen=True, slots=True)
class RecordingConfig:
    """Which bridged calls are recorded, where, and for how long (:mod:`live.recording`)."""

    dir: Path = Path("recordings")
    """The recordings' folder; relative: inside the data folder."""
    retention_days: float = 90.0
    queues: tuple[str, ...] | None = None
    """The queues whose calls are recorded; ``None``: every queue."""


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """Everything ``accueil serve`` needs, checked."""

    source: str
    """The configuration file."""
    ivr_file: Path
    sip_host: str = "0.0.0.0"
    sip_port: int = 5060
    transports: tuple[str, ...] = _TRANSPORTS
    advertise: str | None = None
    """Address for Contact and SDP; ``None``: the listen address (or the RTP one)."""
    grace_s: float = 30.0
    retry_after_s: int = 120
    reject_with: int | None = None
    """Status answered to sources outside every trunk (``None``: dropped silently)."""
    trunks: tuple[TrunkConfig, ...] = ()
    rtp_address: str = "127.0.0.1"
    rtp_ports: tuple[int, int] = (20000, 29999)
    rtp_idle: str = "silence"
    prompts_dir: Path | None = None
    """Folder of the recordings; ``None``: the IVR file's folder."""
    music_on_hold: Path | None = None
    voices: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Prompt language -> text-to-speech voice (default: the language itself)."""
    silent_fallback: bool = False
    queues: tuple[QueueConfig, ...] = ()
    agents: tuple[AgentConfig, ...] = ()
    agent_lines: tuple[AgentLine, ...] = ()
    """The agents that have a ``uri``, ``password`` or ``ha1`` (their phones)."""
    data_dir: Path | None = None
    http: tuple[str, int] | None = None
    recording: RecordingConfig | None = None
    """``None``: no call is recorded."""
    callback_uri: str | None = None
    """Template of a callback's Request-URI, ``{number}`` replaced; ``None``: no callbacks
    can be dialled (a callback offer fails and the agent is freed)."""
    callback_ring_s: float = 30.0
    kpi_interval_s: float = 900.0
    sl_threshold_s: float = 40.0
    redial_window_s: float = 86400.0
    kpi_calendar: str | None = None
    """Name of the IVR calendar whose HO/HNO classes split the indicators (checked at start,
    when the IVR file is loaded)."""

    @property
    def media_address(self) -> str:
        """The address in our SDP: ``advertise`` if it is an IP literal, else the RTP one."""
        if self.advertise is not None and _is_ip(self.advertise):
            return self.advertise
        return self.rtp_address

    def with_overrides(self, sip: str | None = None, http: str | None = None,
                       data: str | None = None) -> ServeConfig:
        """The command line's ``--sip HOST:PORT``, ``--http HOST:PORT``, ``--data DIR``.

        Raises :class:`ServeConfigError` naming the option when a value is malformed.
        """
        changes: dict[str, Any] = {}
        problems: list[Problem] = []
        for option, value in (("--sip", sip), ("--http", http)):
            if value is None:
                continue
            parsed = parse_hostport(value)
            if parsed is None:
                problems.append(Problem("command line", 0, option,
                                        f"expected HOST:PORT, got {value!r}"))
            elif option == "--sip":
                changes["sip_host"], changes["sip_port"] = parsed
            else:
                changes["http"] = parsed
        if data is not None:
            changes["data_dir"] = Path(data)
        if problems:
            raise ServeConfigError(problems)
        return replace(self, **changes)


def parse_hostport(value: str) -> tuple[str, int] | None:
    """``host:port`` or ``[v6]:port`` as ``(host, port)``; ``None`` if malformed."""
    match = _HOSTPORT.fullmatch(value.strip())
    if match is None:
        return None
    host = match.group("v6") or match.group("host")
    port = int(match.group("p6") or match.group("port"))
    return (host, port) if port <= 65535 else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def load_config(path: str | Path) -> ServeConfig:
    """Read and check the configuration file at ``path``."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ServeConfigError([Problem(name, 0, "", f"cannot read the file: {reason}")]) from None
    return load_config_text(text, filename=name, base=Path(path).resolve().parent)


def load_config_text(text: str, filename: str = "<string>",
                     base: Path | None = None) -> ServeConfig:
    """Check the YAML ``text``; relative paths are taken from ``base`` (default: cwd)."""
    reader = Reader(filename)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ServeConfigError([syntax_problem(filename, exc)]) from None
    config = _Loader(reader, base or Path.cwd()).load(root)
    if reader.problems or config is None:
        raise ServeConfigError(reader.problems or [Problem(filename, 0, "", "empty file")])
    return config


class _Loader:
    def __init__(self, reader: Reader, base: Path) -> None:
        self.reader = reader
        self.base = base
        self.values: dict[str, Any] = {}

    def load(self, root: yaml.Node | None) -> ServeConfig | None:
        top = self.reader.mapping(root, "", _TOP, required=True)
        if not top.ok:
            return None
        self._sip(top)
        self._trunks(top)
        self._rtp(top)
        ivr_file = self._ivr(top)
        self._queues(top)
        self._agents(top)
        data = top.text("data")
        if data is not None:
            self.values["data_dir"] = self._path(data)
        http = self._hostport(top, "http")
        if http is not None:
            self.values["http"] = http
        self._recording(top)
        self._callbacks(top)
        self._kpis(top)
        if ivr_file is None:
            return None
        return ServeConfig(source=self.reader.filename, ivr_file=ivr_file, **self.values)

    def _path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base / path

    def _hostport(self, fields: Fields, key: str) -> tuple[str, int] | None:
        value = fields.text(key)
        if value is None:
            return None
        parsed = parse_hostport(value)
        if parsed is None:
            fields.error(key, f"expected HOST:PORT (or [IPv6]:PORT), got {value!r}")
        return parsed

    def _sip(self, top: Fields) -> None:
        sip = self.reader.mapping(top.get("sip"), "sip", _SIP)
        listen = self._hostport(sip, "listen")
        if listen is not None:
            self.values["sip_host"], self.values["sip_port"] = listen
        node = sip.get("transports")
        if node is not None:
            names = self._strings(node, "sip.transports")
            bad = [n for n in names if n not in _TRANSPORTS]
            if bad or not names:
                got = repr(bad[0]) if bad else describe(node)
                sip.error("transports", f"expected a list of udp and/or tcp, got {got}")
            else:
                self.values["transports"] = tuple(dict.fromkeys(names))
        advertise = sip.text("advertise")
        if advertise is not None:
            self.values["advertise"] = advertise
        self.values["grace_s"] = sip.number("grace_s", 30.0, 0.0, 3600.0)
        self.values["retry_after_s"] = sip.integer("retry_after_s", 120, 0, 86400)
        if sip.get("reject_with") is not None:
            self.values["reject_with"] = sip.integer("reject_with", 403, 400, 699)

    def _strings(self, node: yaml.Node, path: str) -> list[str]:
        if isinstance(node, yaml.ScalarNode):
            return [str(node.value)]
        if not isinstance(node, yaml.SequenceNode):
            return []
        out = []
        for i, item in enumerate(node.value):
            if isinstance(item, yaml.ScalarNode) and str(item.value).strip():
                out.append(str(item.value).strip())
            else:
                self.reader.error(item, f"{path}[{i}]", f"expected a value, got {describe(item)}")
        return out

    def _trunks(self, top: Fields) -> None:
        trunks = self.reader.mapping(top.get("trunks"), "trunks")
        out = []
        for name, key, value in trunks.pairs():
            path = trunks.sub(name)
            if not _NAME.fullmatch(name):
                self.reader.error(key, path, "a trunk name is letters, digits, _ . -")
                continue
            fields = self.reader.mapping(value, path, _TRUNK, required=True)
            allow_node = fields.get("allow")
            if allow_node is None:
                fields.missing("allow", "(the addresses the trunk calls from)")
                continue
            allow = []
            items = allow_node.value if isinstance(allow_node, yaml.SequenceNode) else [allow_node]
            for i, item in enumerate(items):
                net = _network(item)
                if net is None:
                    self.reader.error(item, f"{path}.allow[{i}]",
                                      f"not an IP address or network: {describe(item)}")
                else:
                    allow.append(net)
            rate = fields.number("rate", 0.0, 0.0, 1e6) or None
            burst_node = fields.get("burst")
            burst = fields.integer("burst", 1, 1, 10**6) if burst_node is not None else None
            reject = (fields.integer("reject_with", 503, 400, 699)
                      if fields.get("reject_with") is not None else None)
            out.append(TrunkConfig(name, tuple(allow), rate, burst, reject))
        self.values["trunks"] = tuple(out)

    def _rtp(self, top: Fields) -> None:
        rtp = self.reader.mapping(top.get("rtp"), "rtp", _RTP)
        address = rtp.text("address")
        if address is not None:
            if _is_ip(address):
                self.values["rtp_address"] = address
            else:
                rtp.error("address", f"expected an IP address (it goes in SDP), got {address!r}")
        ports = rtp.text("ports")
        if ports is not None:
            match = _PORTS.fullmatch(ports)
            low, high = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
            if not (match and 1024 <= low < high <= 65535):
                rtp.error("ports", f"expected FIRST-LAST within 1024-65535, got {ports!r}")
            else:
                self.values["rtp_ports"] = (low, high)
        idle = rtp.choice("idle", _IDLE)
        if idle is not None:
            self.values["rtp_idle"] = idle

    def _ivr(self, top: Fields) -> Path | None:
        ivr = self.reader.mapping(top.get("ivr"), "ivr", _IVR, required=True)
        file = ivr.text("file", required=True)
        prompts = ivr.text("prompts")
        if prompts is not None:
            self.values["prompts_dir"] = self._path(prompts)
        moh = ivr.text("music_on_hold")
        if moh is not None:
            self.values["music_on_hold"] = self._path(moh)
        voices = self.reader.mapping(ivr.get("voices"), "ivr.voices")
        table = {}
        for lang, _key, value in voices.pairs():
            voice = str(value.value) if isinstance(value, yaml.ScalarNode) else ""
            if not _VOICE.fullmatch(voice):
                self.reader.error(value, voices.sub(lang), f"not a voice name: {describe(value)}")
            else:
                table[lang] = voice
        self.values["voices"] = MappingProxyType(table)
        self.values["silent_fallback"] = ivr.flag("silent_fallback", False)
        return None if file is None else self._path(file)

    def _queues(self, top: Fields) -> None:
        node = top.get("queues")
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            top.error("queues", f"expected a list of queues, got {describe(node)}")
            return
        out: list[QueueConfig] = []
        for i, item in enumerate(node.value):
            where = f"queues[{i}]"
            data = _construct(item)
            if not isinstance(data, Mapping):
                self.reader.error(item, where, f"expected a mapping, got {describe(item)}")
                continue
            try:
                out.append(QueueConfig.from_mapping(data, where=where))
            except QueueConfigError as exc:
                self.reader.error(_field_node(item, str(exc)), where, _strip_where(str(exc)))
        names = [q.name for q in out]
        for i, q in enumerate(out):
            if names.index(q.name) != i:
                self.reader.error(node.value[i], f"queues[{i}].name",
                                  f"two queues are named {q.name!r}")
            if q.overflow_to is not None and q.overflow_to not in names:
                self.reader.error(node.value[i], f"queues[{i}].overflow_to",
                                  f"no queue named {q.overflow_to!r}")
        self.values["queues"] = tuple(out)

    def _agents(self, top: Fields) -> None:
        node = top.get("agents")
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            top.error("agents", f"expected a list of agents, got {describe(node)}")
            return
        out: list[AgentConfig] = []
        lines: list[AgentLine] = []
        seen: set[str] = set()
        for i, item in enumerate(node.value):
            fields = self.reader.mapping(item, f"agents[{i}]", _AGENT, required=True)
            agent_id = fields.text("id", required=True)
            skills = self._skills(fields)
            name = fields.text("name") or ""
            if agent_id is None:
                continue
            if agent_id in seen:
                fields.error("id", f"two agents have the id {agent_id!r}")
            seen.add(agent_id)
            out.append(AgentConfig(agent_id, skills, name))
            line = _agent_line(fields, agent_id)
            if line is not None:
                lines.append(line)
        self.values["agents"] = tuple(out)
        self.values["agent_lines"] = tuple(lines)

    def _recording(self, top: Fields) -> None:
        node = top.get("recording")
        if node is None:
            return
        fields = self.reader.mapping(node, "recording", _RECORDING)
        folder = fields.text("dir") or "recordings"
        days = fields.number("retention_days", 90.0, 1.0, 36_500.0)
        queues: tuple[str, ...] | None = None
        queues_node = fields.get("queues")
        if queues_node is not None:
            queues = tuple(self._strings(queues_node, "recording.queues"))
            known = {q.name for q in self.values.get("queues", ())}
            for i, name in enumerate(queues):
                if name not in known:
                    item = (queues_node.value[i] if isinstance(queues_node, yaml.SequenceNode)
                            else queues_node)
                    self.reader.error(item, f"recording.queues[{i}]", f"no queue named {name!r}")
        self.values["recording"] = RecordingConfig(Path(folder).expanduser(), days, queues)

    def _callbacks(self, top: Fields) -> None:
        fields = self.reader.mapping(top.get("callbacks"), "callbacks", _CALLBACKS)
        uri = fields.text("uri")
        if uri is not None:
            if "{number}" not in uri or not _CALLBACK_URI.fullmatch(uri.replace("{number}", "1")):
                fields.error("uri", f"expected a sip: URI with {{number}}, got {uri!r}")
            else:
                self.values["callback_uri"] = uri
        self.values["callback_ring_s"] = fields.number("ring_s", 30.0, 5.0, 300.0)

    def _kpis(self, top: Fields) -> None:
        fields = self.reader.mapping(top.get("kpis"), "kpis", _KPIS)
        minutes = fields.integer("interval_minutes", 15, 1, 60)
        if minutes not in (15, 30, 60):
            fields.error("interval_minutes", f"expected 15, 30 or 60, got {minutes}")
        self.values["kpi_interval_s"] = 60.0 * minutes
        self.values["sl_threshold_s"] = fields.number("sl_threshold_s", 40.0, 1.0, 3600.0)
        self.values["redial_window_s"] = 3600.0 * fields.number("redial_window_h", 24.0, 0.0,
                                                                 24.0 * 31)
        calendar = fields.text("calendar")
        if calendar is not None:
            self.values["kpi_calendar"] = calendar

    def _skills(self, fields: Fields) -> dict[str, int]:
        skills = self.reader.mapping(fields.get("skills"), fields.sub("skills"))
        out = {}
        for skill in list(skills.items):
            out[skill] = skills.integer(skill, 1, 1, 10)
        return out


def _agent_line(fields: Fields, agent_id: str) -> AgentLine | None:
    """The agent's ``uri`` / ``password`` / ``ha1``, checked; ``None`` when none is given."""
    uri, password, ha1 = fields.text("uri"), fields.text("password"), fields.text("ha1")
    if uri is None and password is None and ha1 is None:
        return None
    if uri is not None and not re.fullmatch(r"sips?:[^\s@]+@[^\s@]+|sips?:[^\s@]+", uri):
        fields.error("uri", f"expected a SIP URI (sip:user@host:port), got {uri!r}")
    if password is not None and ha1 is not None:
        fields.error("ha1", "give a password or an ha1, not both")
    if ha1 is not None and not re.fullmatch(r"[0-9a-fA-F]{32}", ha1):
        fields.error("ha1", "expected the 32 hex digits of an MD5 HA1")
    return AgentLine(agent_id, uri, password, ha1.lower() if ha1 is not None else None)


def _network(node: yaml.Node) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    try:
        return str(ipaddress.ip_network(str(node.value).strip(), strict=False))
    except ValueError:
        return None


def _construct(node: yaml.Node) -> object:
    """Plain typed Python data of a subtree (numbers as numbers), for ``from_mapping``."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _field_node(item: yaml.Node, message: str) -> yaml.Node:
    """The value node of the field a ``queues`` error message names, else the item."""
    match = re.search(r"\]\.([A-Za-z_]+)|field '([A-Za-z_]+)'|queue '[^']*'\.([A-Za-z_]+)",
                      message)
    if match and isinstance(item, yaml.MappingNode):
        name = next(g for g in match.groups() if g)
        for key, value in item.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return value if line_of(value) else key
    return item


def _strip_where(message: str) -> str:
    """``queues[0]: unknown field 'x'`` -> ``unknown field 'x'`` (the path is the field)."""
    return re.sub(r"^queues\[\d+\]:\s*", "", message)
