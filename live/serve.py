"""``accueil serve``: the live engine: SIP trunk in, IVR, queues, supervision.

One asyncio loop runs everything: the SIP endpoint behind its UDP/TCP transports
(:mod:`live.sip_transport`), one media engine with its shared 20 ms clock
(:mod:`live.media`), the IVR sessions and the ACD runtime (:mod:`live.serve_calls` ties them
together), and optionally the store and the supervision API.

Stopping (SIGTERM, SIGINT, or :meth:`Server.stop`): new INVITEs get ``503`` with
``Retry-After``, calls in progress get ``sip.grace_s`` to end on their own, then the engine
hangs up on the rest. SIGHUP reloads the IVR file (calls in progress keep their tree).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from acd.engine import Acd, AcdConfig
from ivr.errors import IvrConfigError
from ivr.file0_api import File0Provider
from ivr.loader import load_file
from ivr.service import IvrService
from live.config import ServeConfig, ServeConfigError, load_config
from live.listen import Taps
from live.media import MediaEngine
from live.runtime import RecordSink, Runtime
from live.scheduler import AsyncioScheduler
from live.serve_agents import Agents
from live.serve_callbacks import Callbacks
from live.serve_calls import Calls
from live.serve_endpoint import build_endpoint
from live.serve_prompts import PromptBank, PromptError
from live.sip_transport import SipTransport
from queues.kpi import KpiEngine
from sip.uas import SipEndpoint

__all__ = ["Server", "StartError", "main", "register", "run_serve"]

log = logging.getLogger("accueil.serve")


class StartError(Exception):
    """The server cannot start (bad IVR file, prompts, ports...); the message says why."""


class Server:
    """The whole live engine for one configuration.

    ``file0`` provides the active "file 0" message (``None``: the supervision API's, when
    it runs, else none); ``sinks`` get every record (tests, extra exports).
    """

    def __init__(self, config: ServeConfig, *, file0: File0Provider | None = None,
                 sinks: Sequence[RecordSink] = ()) -> None:
        self.config = config
        self.file0 = file0
        self.extra_sinks = list(sinks)
        self.kpi = KpiEngine()
        """Replaced at start by one counting as the ``kpis`` section says."""
        self.classify: Callable[[float], str] | None = None
        self.clock: AsyncioScheduler | None = None
        self.media: MediaEngine | None = None
        self.transport: SipTransport | None = None
        self.calls: Calls | None = None
        self.runtime: Runtime | None = None
        self.ivr: IvrService | None = None
        self.prompts: PromptBank | None = None
        self.endpoint: SipEndpoint | None = None
        self.agents: Agents | None = None
        self.callbacks: Callbacks | None = None
        self.taps: Taps | None = None
        """Recording and live listening of bridged calls (:mod:`live.listen`)."""
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._stopped = asyncio.Event()
        self._stopping = False
        self._reload: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ starting

    async def start(self) -> None:
        """Load the IVR and prompts, bind the sockets; raises :class:`StartError`."""
        config = self.config
        self.clock = clock = AsyncioScheduler()
        queues = [q.name for q in config.queues]
        try:
            tree = load_file(config.ivr_file, queues=queues)
        except IvrConfigError as exc:
            raise StartError(str(exc)) from None
        classify = None
        if config.kpi_calendar is not None:
            calendar = tree.calendars.get(config.kpi_calendar)
            if calendar is None:
                known = ", ".join(sorted(tree.calendars)) or "none"
                raise StartError(f"{config.source}: kpis.calendar: no calendar "
                                 f"{config.kpi_calendar!r} in {config.ivr_file} ({known})")
            classify = calendar.classify
        self.classify = classify
        if config.callback_uri is None:
            wanting = [f"queues.{q.name}.callback_lost" for q in config.queues if q.callback_lost]
            wanting += [f"{config.ivr_file}: waiting.{name}.callback"
                        for name, w in tree.waiting.items() if w.callback is not None]
            if wanting:
                raise StartError(f"{config.source}: callbacks.uri is missing, and "
                                 f"{', '.join(wanting)} would call callers back: say how "
                                 "callbacks reach them (callbacks: {uri: sip:{number}@...})")
        self.kpi = KpiEngine(config.kpi_interval_s, config.sl_threshold_s,
                             config.redial_window_s, classify)
        data = config.data_dir or Path.home() / ".cache" / "accueil"
        self.prompts = PromptBank(config.prompts_dir or config.ivr_file.parent,
                                  data / "tts-cache", config.voices, config.silent_fallback)
        try:
            await self.prompts.load_tree(tree, config.music_on_hold)
        except PromptError as exc:
            raise StartError(str(exc)) from None
        sinks: list[RecordSink] = [self.kpi.feed, *self.extra_sinks]
        self.media = MediaEngine(config.rtp_address, config.rtp_ports, config.rtp_idle,
                                 scheduler=clock)
        self._closers.append(self.media.aclose)
        self.transport = transport = SipTransport(None, clock)
        try:
            await transport.start(config.sip_host, config.sip_port, config.transports)
        except OSError as exc:
            await self._close()
            raise StartError(f"cannot listen on {config.sip_host}:{config.sip_port}: "
                             f"{exc.strerror or exc}") from None
        self._closers.insert(0, transport.close)
        host, port = self.sip_address
        self.endpoint = build_endpoint(config, host, port)
        self.ivr = IvrService(tree, file0=self.file0)
        self.calls = calls = Calls(self.endpoint, self.media, self.ivr, self.prompts, clock,
                                   config.media_address)
        self.runtime = Runtime(Acd(AcdConfig(config.queues, config.agents)), clock, calls,
                               sinks)
        calls.submit, calls.record = self.runtime.submit, self.runtime.record
        calls.agents = self.agents = Agents(calls, config.agent_lines,
                                            tuple(a.agent_id for a in config.agents))
        self.agents.queues = frozenset(q.name for q in config.queues)  # transfer targets
        self.agents.callbacks = self.callbacks = Callbacks(
            calls, self.agents, config.callback_uri, config.callback_ring_s)
        calls.retry_after_s = config.retry_after_s
        calls.flush = transport.flush
        self.taps = Taps(calls, self.agents, config.recording, data)
        self.taps.start()  # sweeps old recordings now, then hourly
        self._closers.append(self.taps.aclose)
        await self._start_supervision()  # records go to the store from the first call
        self.agents.start()  # fixed-URI agents log in
        transport.on_event = calls.on_event
        transport.attach(self.endpoint)
        if not config.trunks:
            log.warning("no trunks configured: SIP requests are accepted from anywhere")
        host, port = self.sip_address
        log.info("event=started sip=%s:%d transports=%s ivr=%s (%s) queues=%s", host, port,
                 ",".join(config.transports), config.ivr_file, tree.summary(),
                 ",".join(queues) or "-")

    async def _start_supervision(self) -> None:
        """The store and the supervision API, when configured (see :mod:`live.serve_http`)."""
        if self.config.data_dir is None and self.config.http is None:
            return
        from live.serve_http import start_supervision

        assert self.runtime is not None and self.ivr is not None
        try:
            closer = await start_supervision(self.config, self.runtime, self.kpi, self.ivr,
                                             telephony=self.taps, classify=self.classify)
        except Exception as exc:
            await self._close()
            raise StartError(f"supervision: {exc}") from None
        self._closers.insert(1, closer)

    @property
    def sip_address(self) -> tuple[str, int]:
        """Where SIP is served (the port actually bound)."""
        assert self.transport is not None
        address = self.transport.udp_address or self.transport.tcp_address
        assert address is not None
        return address

    # ------------------------------------------------------------------ stopping

    def request_stop(self) -> None:
        """Ask :meth:`serve_forever` to stop gracefully (signal handlers call this)."""
        self._stopped.set()

    async def serve_forever(self) -> None:
        """Run until :meth:`request_stop`, then :meth:`stop`."""
        await self._stopped.wait()
        await self.stop()

    async def stop(self, grace_s: float | None = None) -> None:
        """Refuse new calls (503), give calls in progress ``grace_s``, hang up the rest."""
        if self._stopping:
            return
        self._stopping = True
        calls = self.calls
        grace = self.config.grace_s if grace_s is None else grace_s
        if calls is not None:
            calls.draining = True
            if self.endpoint is not None:
                self.endpoint.refuse_new_calls(self.config.retry_after_s)
            log.info("event=stopping calls=%d grace_s=%g", len(calls.calls), grace)
            callbacks = self.callbacks
            await _until(lambda: not calls.calls and not (callbacks and callbacks.active), grace)
            if callbacks is not None and callbacks.active:
                callbacks.hang_up_all()
            if calls.calls:
                calls.hang_up_all()
                await _until(lambda: not calls.calls, 2.0)
        await self._close()
        log.info("event=stopped")

    async def _close(self) -> None:
        for closer in self._closers:
            try:
                await closer()
            except Exception:
                log.exception("error while closing")
        self._closers.clear()

    def reload_ivr(self) -> bool:
        """Load the IVR file again for new calls; ``False`` (logged) if it does not load."""
        if self.ivr is None or self.prompts is None:
            return False
        try:
            tree = load_file(self.config.ivr_file, queues=[q.name for q in self.config.queues])
        except IvrConfigError as exc:
            log.error("IVR reload refused, the running tree stays:\n%s", exc)
            return False
        prompts = self.prompts

        async def load() -> None:
            try:
                await prompts.load_tree(tree)
            except PromptError as exc:
                log.error("IVR reload refused, prompts do not load:\n%s", exc)
                return
            assert self.ivr is not None
            version = self.ivr.reload(tree)
            log.info("event=ivr_reloaded version=%d %s", version, tree.summary())

        self._reload = asyncio.get_running_loop().create_task(load())
        return True


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition() and loop.time() < end:
        await asyncio.sleep(0.05)


# ---------------------------------------------------------------------------- command

def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``serve`` to the ``accueil`` command's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve", help="run the live engine: SIP trunk, IVR, queues, supervision",
        description="Run the live engine from a configuration file (see examples/accueil.yaml)."
        " SIGTERM/SIGINT stop it gracefully, SIGHUP reloads the IVR file.")
    parser.add_argument("--config", required=True, metavar="FILE",
                        help="the serve configuration (YAML)")
    parser.add_argument("--sip", metavar="HOST:PORT", help="SIP address (overrides sip.listen)")
    parser.add_argument("--http", metavar="HOST:PORT",
                        help="supervision API address (overrides http)")
    parser.add_argument("--data", metavar="DIR", help="data folder (overrides data)")
    parser.set_defaults(func=run_serve)
    return parser


def run_serve(args: argparse.Namespace, err: TextIO | None = None) -> int:
    """The ``serve`` handler: 0 after a clean stop, 1 if it cannot start, 2 on a bad config."""
    err = err or sys.stderr
    try:
        config = load_config(args.config).with_overrides(args.sip, args.http, args.data)
    except ServeConfigError as exc:
        print(exc, file=err)
        print(f"{args.config}: {len(exc.problems)} problem(s), not started", file=err)
        return 2
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("accueil").setLevel(min(logging.INFO, logging.getLogger().level or 99))
    try:
        asyncio.run(_main(config))
    except StartError as exc:
        print(f"accueil serve: cannot start:\n{exc}", file=err)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


async def _main(config: ServeConfig) -> None:
    server = Server(config)
    await server.start()
    # what start-up built (prompts' frames, configuration, modules) lives as long as the
    # process: out of the collector's sight, full collections stay short during calls
    gc.freeze()
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, server.request_stop)
        loop.add_signal_handler(signal.SIGHUP, server.reload_ivr)
    host, port = server.sip_address
    print(f"accueil serve: SIP on {host}:{port} ({', '.join(config.transports)})",
          file=sys.stderr, flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await server.serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m live.serve serve --config FILE ...``: as ``accueil serve`` would run."""
    parser = argparse.ArgumentParser(prog="accueil")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
