"""Where the benchmarks find the shared data (same rule as the tests)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    env = os.environ.get("JAZZSOLO_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not path.is_dir():
        sys.exit(f"shared data not found at {path}: set JAZZSOLO_DATA")
    return path


# The bundled jazz model's held-out test tunes: never trained, validated or tuned on.
HELDOUT_TUNES = REPO / "src" / "jazzsolo" / "pretrained" / "jazz" / "heldout.txt"
