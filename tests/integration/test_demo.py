"""`accueil demo` end to end: embedded Redis, dashboard API and synthetic load, then KPIs."""

from __future__ import annotations

import asyncio
import io
import json
import re
import urllib.request
from pathlib import Path

import pytest

from live.cli import main
from live.demo import run_demo


def test_demo_runs_the_whole_stack_and_serves_the_api(tmp_path: Path) -> None:
    out = io.StringIO()
    seen: dict[str, object] = {}

    async def scenario() -> None:
        task = asyncio.create_task(
            run_demo(4.0, 600.0, seed=3, data_dir=tmp_path, http=("127.0.0.1", 0), out=out))
        for _ in range(100):  # wait until the dashboard URL is printed
            await asyncio.sleep(0.05)
            match = re.search(r"dashboard: (http://\S+)/dashboard#token=(\S+)", out.getvalue())
            if match:
                break
        assert match, out.getvalue()
        base, token = match.groups()
        await asyncio.sleep(1.5)

        def get(path: str) -> object:
            request = urllib.request.Request(base + path,
                                             headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.load(response)

        seen["queues"] = await asyncio.to_thread(get, "/api/queues")
        done, _ = await asyncio.wait({task}, timeout=90)
        if not done:  # say where it is stuck (seen once in CI, not reproduced since)
            stacks = "\n".join(f"{t.get_name()}: {t.get_stack(limit=8)}"
                               for t in asyncio.all_tasks())
            pytest.fail(f"the demo did not finish in 90 s; pending tasks:\n{stacks}")
        seen["result"] = task.result()

    asyncio.run(scenario())
    text = out.getvalue()
    result = seen["result"]
    queues = seen["queues"]
    assert {q["name"] for q in queues} == {"efiling", "accounts", "general"}  # type: ignore[attr-defined]
    offered = result.report.counts.offered  # type: ignore[attr-defined]
    assert offered > 20
    assert "T2-IQ01 answered within 40 s" in text and "GAP02 lost-call rate" in text
    # the records reached the embedded Redis: its append-only file exists and grew
    assert any(p.name.startswith("appendonly") for p in tmp_path.rglob("*"))


def test_demo_refuses_bad_arguments_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--duration", "0"]) == 2
    assert "--duration and --speed must be > 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "--http", "nonsense"])
    assert "expected HOST:PORT" in capsys.readouterr().err
