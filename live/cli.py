"""The ``accueil`` command."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

#: Packages that add their own sub-commands through a ``register(subparsers)`` function.
PLUGINS = ("simulation.cli", "ivr.cli", "live.file0_cli", "live.serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="accueil", description="accueil — an open-source contact-center engine")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    demo = sub.add_parser("demo", help="run a short demonstration: engine, synthetic load, KPIs")
    demo.add_argument("--duration", type=float, default=30.0,
                      help="wall-clock seconds to run (default 30)")
    demo.add_argument("--speed", type=float, default=60.0,
                      help="how much faster than real time the centre runs (default 60)")
    demo.add_argument("--seed", type=int, default=1, help="random seed of the synthetic load")
    demo.add_argument("--data", type=Path, default=Path("accueil-data"),
                      help="data folder of the embedded Redis (default ./accueil-data; "
                           "REDIS_URL selects another server)")
    demo.add_argument("--http", type=host_port, default=("127.0.0.1", 8080),
                      help="dashboard and API address (default 127.0.0.1:8080; port 0: any)")
    demo.set_defaults(func=_demo)
    for name in PLUGINS:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from live.demo import run_demo

    if args.duration <= 0 or args.speed <= 0:
        print("accueil demo: --duration and --speed must be > 0", file=sys.stderr)
        return 2
    try:
        asyncio.run(run_demo(args.duration, args.speed, args.seed, args.data, args.http))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    except OSError as exc:
        print(f"accueil demo: {exc}", file=sys.stderr)
        return 1
    return 0


def host_port(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 as ``[::1]:PORT``) for argparse, with a clear message."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, not {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
