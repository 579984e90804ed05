"""``accueil ivr check FILE``: validate an IVR file without starting anything.

The lead's ``accueil`` command calls :func:`register` with its subparsers; the handler is
set as ``func`` and returns the exit code (0: the file loads, 1: it does not). Problems are
printed one a line as ``file:line: field: message``, never as a traceback.
``python -m ivr.cli ivr check FILE`` runs the same thing on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ivr import graph
from ivr.errors import IvrConfigError
from ivr.loader import load_file


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``ivr check`` to an ``argparse`` subparsers object; returns the ``ivr`` parser."""
    ivr = subparsers.add_parser("ivr", help="IVR menu trees", description="IVR menu trees.")
    commands = ivr.add_subparsers(dest="ivr_command", metavar="COMMAND", required=True)
    check = commands.add_parser(
        "check",
        help="validate an IVR file without starting",
        description="Validate an IVR file: syntax, fields, references, loops, and the queue "
        "names if --queues is given. Exit code 0 if it loads, 1 if not.",
    )
    check.add_argument("file", metavar="FILE", help="the IVR YAML file")
    check.add_argument(
        "--queues",
        metavar="A,B",
        help="comma-separated ACD queue names every queue node must use",
    )
    check.set_defaults(func=run_check)
    return ivr  # type: ignore[no-any-return]


def run_check(args: argparse.Namespace, out: TextIO | None = None,
              err: TextIO | None = None) -> int:
    """Load ``args.file`` and print a summary (exit 0) or its problems (exit 1)."""
    out = out or sys.stdout
    err = err or sys.stderr
    queues = None
    if args.queues is not None:
        queues = frozenset(name.strip() for name in args.queues.split(",") if name.strip())
    try:
        tree = load_file(args.file, queues=queues)
    except IvrConfigError as exc:
        print(exc, file=err)
        count = len(exc.problems)
        print(f"{args.file}: {count} problem{'s' if count > 1 else ''}, not loaded", file=err)
        return 1
    print(f"{args.file}: OK: {tree.summary()}", file=out)
    print(f"  entries: {', '.join(sorted(tree.entries))}", file=out)
    if tree.queues():
        print(f"  queues: {', '.join(sorted(tree.queues()))}", file=out)
    for warning in graph.warnings(tree):
        print(f"  warning: {warning}", file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ivr`` commands on their own (as ``accueil`` would)."""
    parser = argparse.ArgumentParser(prog="accueil")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
