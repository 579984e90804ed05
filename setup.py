"""Build hook: compile the pure core with mypyc when possible, else install pure Python.

The modules listed in ``queues/_native.py`` (``COMPILED``) are compiled, from their unchanged
sources, into C extensions when mypyc (a build requirement) and a C compiler with the Python
headers are at hand; whatever fails, the install goes on in pure Python with a warning, never
an error. ``ACCUEIL_PURE_PYTHON=1`` builds no extension (and removes those an earlier editable
build left next to the sources). Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import glob
import os
import runpy
import sys
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE: dict[str, Any] = runpy.run_path(os.path.join(HERE, "queues", "_native.py"))
COMPILED: tuple[str, ...] = NATIVE["COMPILED"]


def _say(message: str) -> None:
    print(f"accueil: {message}", file=sys.stderr)


def _remove_in_place_extensions() -> None:
    """Extensions an earlier editable build left next to the sources (they would shadow
    the ``.py`` files)."""
    for name in COMPILED:
        base = os.path.join(HERE, *name.split("."))
        for path in glob.glob(base + ".*.so") + glob.glob(base + ".*.pyd"):
            os.remove(path)
    for path in glob.glob(os.path.join(HERE, "*__mypyc.*")):
        os.remove(path)


class OptionalBuildExt(build_ext):
    """Build every extension or none: a failure (no compiler, no headers) removes what was
    built and leaves pure Python, with a warning."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # CompileError, DistutilsExecError, a missing compiler...
            for path in self.get_outputs():
                if os.path.exists(path):
                    os.remove(path)
            _say(f"could not compile the core ({type(exc).__name__}: {str(exc)[-200:]}); "
                 "installing pure Python")


def ext_modules() -> list[Any]:
    if NATIVE["pure_python_forced"]():
        _say(f"{NATIVE['ENV']} is set: pure Python, no extension")
        _remove_in_place_extensions()
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _say("mypyc is not available: pure Python")
        return []
    paths = [os.path.join(*name.split(".")) + ".py" for name in COMPILED]
    try:
        extensions = mypycify(
            # Missing imports (numpy, simpy, pydantic in an isolated build environment) are
            # typed Any: it changes how much is specialised, not what the code does.
            ["--ignore-missing-imports", "--follow-imports=silent", *paths],
            opt_level="3",
        )
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error
        _say(f"mypyc could not translate the core ({exc!r}); installing pure Python")
        return []
    return list(extensions)


setup(ext_modules=ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
