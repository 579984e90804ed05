"""The optional mypyc build of the pure core (``setup.py``, ``queues/_native.py``).

Whichever build runs, it is all of one kind (compiled modules call each other directly), no
extension is older than its source (an editable build left behind by an edit would shadow
it), and the hand-written constructors that let mypyc compile object creation take exactly
the parameters the dataclass would generate, and set every field.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from queues import _native

ROOT = Path(__file__).resolve().parents[1]


def test_every_compiled_module_is_a_source_of_a_core_package() -> None:
    for name in _native.COMPILED:
        package, _, module = name.partition(".")
        assert package in ("acd", "queues", "simulation"), name
        assert (ROOT / package / f"{module}.py").is_file(), name


def test_the_build_is_all_compiled_or_all_source() -> None:
    loaded = {name: importlib.import_module(name).__file__ or "" for name in _native.COMPILED}
    kinds = {name: not path.endswith(".py") for name, path in loaded.items()}
    assert len(set(kinds.values())) == 1, kinds
    assert _native.compiled() == next(iter(kinds.values()))
    if _native.pure_python_forced():
        assert not _native.compiled()


def test_no_extension_is_older_than_its_source() -> None:
    stale = _native.stale_extensions()
    assert not stale, (f"rebuild: `pip install -e .` (or run with {_native.ENV}=1); stale: "
                       f"{', '.join(stale)}")


def test_the_switch_runs_the_sources_in_a_fresh_interpreter() -> None:
    code = "from queues import _native; import acd.engine; print(_native.compiled())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={**_env(), _native.ENV: "1"})
    assert out.stdout.strip() == "False"


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != _native.ENV}


def _hand_written_inits() -> list[tuple[str, ast.ClassDef]]:
    found = []
    for name in _native.COMPILED:
        path = ROOT / (name.replace(".", "/") + ".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.ClassDef) and any("dataclass" in ast.unparse(d)
                                                       for d in node.decorator_list)
                    and any(isinstance(b, ast.FunctionDef) and b.name == "__init__"
                            for b in node.body)):
                found.append((f"{name}.{node.name}", node))
    return found


@pytest.mark.parametrize(("name", "cls"), _hand_written_inits(),
                         ids=[name for name, _ in _hand_written_inits()])
def test_a_hand_written_init_is_the_dataclass_one(name: str, cls: ast.ClassDef) -> None:
    """Same parameters, in field order, with the fields' defaults; sets each field from its
    parameter (read from the source: a compiled __init__ shows no signature)."""
    fields = [(b.target.id, None if b.value is None else ast.unparse(b.value))
              for b in cls.body
              if isinstance(b, ast.AnnAssign) and isinstance(b.target, ast.Name)
              and "ClassVar" not in ast.unparse(b.annotation)]
    init = next(b for b in cls.body if isinstance(b, ast.FunctionDef) and b.name == "__init__")
    args = init.args.args[1:]
    defaults = [None] * (len(args) - len(init.args.defaults)) + [
        ast.unparse(d) for d in init.args.defaults]
    assert [(a.arg, d) for a, d in zip(args, defaults, strict=True)] == fields, name
    sets = [ast.unparse(s) for s in init.body if not isinstance(s, ast.Expr)
            or not isinstance(s.value, ast.Constant)]
    for field, _ in fields:  # each field set once, from its own parameter
        forms = {f"self.{field} = {field}", f"object.__setattr__(self, '{field}', {field})"}
        assert sum(s in forms for s in sets) == 1, f"{name}.{field}"
    assert len(sets) == len(fields), name


def test_hand_written_inits_were_found() -> None:
    assert len(_hand_written_inits()) >= 30
