"""`accueil file0 on|off|status` switches the message of a running engine in one action."""

from __future__ import annotations

from pathlib import Path

import pytest

from live.cli import main
from tests.integration.harness import TOKENS, AppThread


def test_file0_cli_on_status_off(redis_url: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    with AppThread(redis_url, tmp_path / "data") as app:
        common = ["file0", "--url", app.url, "--token", TOKENS["supervisor"]]
        assert main([*common, "on", "--mode", "dissuade", "--text", "Le site est en panne.",
                     "--reason", "incident 42", "--entry", "3949", "--minutes", "30"]) == 0
        out = capsys.readouterr().out
        assert "file 0 on:" in out and "dissuade" in out and "incident 42" in out
        active = app.view.file0.active(app.view.now())
        assert [(a.mode, sorted(a.entries or ())) for a in active] == [("dissuade", ["3949"])]
        assert main([*common, "status"]) == 0
        assert "dissuade for 3949" in capsys.readouterr().out
        assert main([*common, "off", "--reason", "fixed"]) == 0
        assert "file 0 off:" in capsys.readouterr().out
        assert app.view.file0.active(app.view.now()) == []
        # a wallboard token may not switch it: a clear 403 message, exit 1, no traceback
        wall = ["file0", "--url", app.url, "--token", TOKENS["wallboard"]]
        assert main([*wall, "on", "--mode", "inform", "--text", "x", "--reason", "y"]) == 1
        assert "403" in capsys.readouterr().err


def test_file0_cli_without_token_or_engine_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["file0", "--url", "http://127.0.0.1:9", "--token", "", "status"]) == 1
    assert "no token" in capsys.readouterr().err
    assert main(["file0", "--url", "http://127.0.0.1:9", "--token", "t", "status"]) == 1
    assert "cannot reach the engine" in capsys.readouterr().err
