"""The codebase's own rules: import contracts, ruff, mypy --strict, purity of the cores."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE = ("queues", "sip")
CORES = ("queues", "acd", "ivr", "sip")
FORBIDDEN_IN_CORES = {"asyncio", "redis", "simpy", "socket", "time", "threading", "random",
                      "fastapi", "uvicorn", "selectors"}


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which(cmd[0]) or str(Path(sys.executable).with_name(cmd[0]))
    return subprocess.run([exe, *cmd[1:]], cwd=ROOT, capture_output=True, text=True, check=False)


def _imports(package: str) -> list[tuple[Path, int, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path, node.lineno, alias.name.split(".")[0]) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((path, node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_only_the_standard_library(package: str) -> None:
    if not (ROOT / package).is_dir():
        pytest.skip(f"{package}/ does not exist yet")
    bad = [f"{p.relative_to(ROOT)}:{line} imports {mod}" for p, line, mod in _imports(package)
           if mod != package and mod not in sys.stdlib_module_names]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package", CORES)
def test_cores_do_no_io_and_read_no_clock(package: str) -> None:
    if not (ROOT / package).is_dir():
        pytest.skip(f"{package}/ does not exist yet")
    bad = [f"{p.relative_to(ROOT)}:{line} imports {mod}" for p, line, mod in _imports(package)
           if mod in FORBIDDEN_IN_CORES]
    for path in (ROOT / package).rglob("*.py"):
        text = path.read_text()
        for needle in ("datetime.now(", "date.today(", "datetime.today(", "time.time("):
            if needle in text:
                bad.append(f"{path.relative_to(ROOT)} reads the clock ({needle})")
    assert not bad, "\n".join(bad)


def test_import_contracts() -> None:
    result = _run("lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
