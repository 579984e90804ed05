"""``accueil file0 on|off|status``: switch the incident message of a running engine.

One action, through the engine's supervision API (the same path as the dashboard's switch,
so the change is audited and persisted the same way). The token comes from ``--token`` or
the ``ACCUEIL_TOKEN`` environment variable and needs the supervisor or admin role.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``file0`` and its actions to the ``accueil`` command."""
    file0 = sub.add_parser("file0", help="switch the file 0 incident message on or off")
    file0.add_argument("--url", default=os.environ.get("ACCUEIL_URL", "http://127.0.0.1:8080"),
                       help="engine API address (default $ACCUEIL_URL or 127.0.0.1:8080)")
    file0.add_argument("--token", default=os.environ.get("ACCUEIL_TOKEN", ""),
                       help="API token with the supervisor role (default $ACCUEIL_TOKEN)")
    actions = file0.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    on = actions.add_parser("on", help="switch a message on")
    on.add_argument("--mode", choices=("inform", "dissuade"), required=True,
                    help="inform: play then continue; dissuade: play then hang up")
    what = on.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="the message, spoken by the engine's voice")
    what.add_argument("--audio", type=Path, help="a recorded message (WAV)")
    on.add_argument("--reason", required=True, help="why (audited, reported)")
    on.add_argument("--entry", action="append", dest="entries", metavar="NUMBER",
                    help="entry point it applies to (repeat; default: all)")
    on.add_argument("--minutes", type=float, help="switch off by itself after this long")
    on.set_defaults(func=_on)
    off = actions.add_parser("off", help="switch a message off")
    off.add_argument("id", nargs="?", help="activation id (default: every active one)")
    off.add_argument("--reason", default="", help="why (audited)")
    off.set_defaults(func=_off)
    status = actions.add_parser("status", help="what is switched on now")
    status.set_defaults(func=_status)


def _on(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"mode": args.mode, "reason": args.reason, "entries": args.entries}
    if args.text is not None:
        body["text"] = args.text
    else:
        try:
            body["audio_base64"] = base64.b64encode(args.audio.read_bytes()).decode()
        except OSError as exc:
            return _fail(f"cannot read {args.audio}: {exc.strerror}")
    if args.minutes is not None:
        body["duration_s"] = args.minutes * 60
    result = _call(args, "POST", "/api/file0", body)
    if result is None:
        return 1
    print(f"file 0 on: {result['id']} ({result['mode']}) — {result['reason']}")
    return 0


def _off(args: argparse.Namespace) -> int:
    ids = [args.id] if args.id else None
    if ids is None:
        state = _call(args, "GET", "/api/file0")
        if state is None:
            return 1
        ids = [a["id"] for a in state["active"]]
        if not ids:
            print("file 0: nothing is switched on")
            return 0
    query = "?" + urllib.parse.urlencode({"reason": args.reason}) if args.reason else ""
    for activation_id in ids:
        if _call(args, "DELETE", f"/api/file0/{urllib.parse.quote(activation_id)}{query}") is None:
            return 1
        print(f"file 0 off: {activation_id}")
    return 0


def _status(args: argparse.Namespace) -> int:
    state = _call(args, "GET", "/api/file0")
    if state is None:
        return 1
    if not state["active"]:
        print("file 0: off")
    for a in state["active"]:
        scope = "all entry points" if a.get("entries") is None else ", ".join(a["entries"])
        print(f"file 0 on: {a['id']} {a['mode']} for {scope} — {a['reason']}")
    return 0


def _call(args: argparse.Namespace, method: str, path: str,
          body: dict[str, Any] | None = None) -> Any:
    if not args.token:
        _fail("no token: give --token or set ACCUEIL_TOKEN")
        return None
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        args.url.rstrip("/") + path, data=data, method=method,
        headers={"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        with contextlib.suppress(ValueError, AttributeError):
            detail = json.loads(detail).get("detail", detail)
        _fail(f"{method} {path}: {exc.code} {detail}")
    except (urllib.error.URLError, OSError) as exc:
        _fail(f"cannot reach the engine at {args.url}: {getattr(exc, 'reason', exc)}")
    return None


def _fail(message: str) -> int:
    print(f"accueil file0: {message}", file=sys.stderr)
    return 1
