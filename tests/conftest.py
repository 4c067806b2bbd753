"""Shared test fixtures: where the shared data lives, the music21 oracle, small MIDI files.

Anything a test needs from outside the repository (the shared data, the music21 oracle) goes
through ``skip_or_fail``: missing, the test is skipped on a developer's machine but FAILS under
CI (the ``CI`` environment variable set), so a CI run can never pass by skipping its checks.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]


def skip_or_fail(message: str) -> NoReturn:
    """Skip the test (``message`` says what is missing), or fail it under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set: missing test inputs fail)")
    pytest.skip(message)


def shared_data_dir() -> Path | None:
    """``$JAZZSOLO_DATA`` or ``<repo>/../shared/data``, if it exists."""
    env = os.environ.get("JAZZSOLO_DATA")
    candidate = Path(env) if env else REPO.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def require_data(name: str = "") -> Path:
    """The shared data folder: skip or fail when it is missing; a folder without ``name`` (when
    given) is broken data and always fails."""
    found = shared_data_dir()
    if found is None:
        skip_or_fail("shared data not found: set JAZZSOLO_DATA or put shared/ beside the repo")
    if name and not (found / name).exists():
        pytest.fail(f"{found / name} is missing from the shared data")
    return found


def require_oracle(module: str = "music21") -> ModuleType:
    """Import a test oracle (music21 or one of its submodules); skip or fail when missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        skip_or_fail(f"the oracle {module} is not installed ({exc}): pip install -e '.[test]'")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; fails under CI when it is missing, skips elsewhere."""
    return require_data()


@pytest.fixture(scope="session")
def metheny() -> Path:
    """The classic Pat Metheny MIDI file of the shared data."""
    return require_data("original_metheny.mid") / "original_metheny.mid"


@pytest.fixture
def window_spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every call that builds training windows (``jazzsolo.data.id_windows`` and
    ``one_hot_windows``) wherever a jazzsolo module holds them, and still build them."""
    import jazzsolo.data as data

    calls: list[str] = []
    modules = [m for n, m in sorted(sys.modules.items()) if n.split(".")[0] == "jazzsolo"]
    for name in ("id_windows", "one_hot_windows"):
        real = getattr(data, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        for module in modules:
            if getattr(module, name, None) is real:
                monkeypatch.setattr(module, name, spy)
    return calls
