"""Shared test fixtures: where the shared data lives, and small MIDI files built on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """``$JAZZSOLO_DATA`` or ``<repo>/../shared/data``, if it exists."""
    env = os.environ.get("JAZZSOLO_DATA")
    candidate = Path(env) if env else REPO.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; fails under CI when it is missing, skips elsewhere."""
    found = shared_data_dir()
    if found is None:
        message = "shared data not found: set JAZZSOLO_DATA or put shared/ beside the repo"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def metheny(shared_data: Path) -> Path:
    path = shared_data / "original_metheny.mid"
    if not path.exists():
        pytest.fail(f"{path} is missing from the shared data")
    return path
