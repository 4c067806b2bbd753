"""Time the classic corpus step against music21's parse of the same file, in one run.

    python benchmarks/bench_corpus.py [--repeat 5]

The baseline is music21's `converter.parse` alone (the classic pipeline spends ~17 s on parse
plus grammar); jazzsolo's figure covers reading, extraction, grammar and the training tensors.
Needs music21 (`pip install -e ".[bench]"`) for the baseline; without it only jazzsolo is timed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import shared_data  # noqa: E402


def time_jazzsolo(path: Path, repeat: int) -> tuple[float, float]:
    """(first call, best of the rest) in seconds, in-process, for the whole corpus step; the
    libraries are imported first (their import time is reported on its own)."""
    import symusic  # noqa: F401

    from jazzsolo import classic_import, grammar, theory  # noqa: F401
    from jazzsolo.corpus import classic_corpus

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        classic_corpus(path).summary()
        times.append(time.perf_counter() - t)
    return times[0], min(times[1:] or times)


def time_music21(path: Path) -> float | None:
    """music21's parse of the file in a fresh interpreter, from the MIDI itself (forceSource:
    music21 otherwise reuses a pickled copy of an earlier parse, which the classic code, run
    once on a fresh machine, does not have)."""
    code = (
        "import time,sys; from music21 import converter; t=time.perf_counter(); "
        "converter.parse(sys.argv[1], forceSource=True); print(time.perf_counter()-t)"
    )
    try:
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                             text=True, check=True)
    except subprocess.CalledProcessError:
        return None
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    path = shared_data() / "original_metheny.mid"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jazzsolo.cli", "corpus", str(path), "--classic",
                    "--json"], check=True, capture_output=True)
    cli = time.perf_counter() - t
    t = time.perf_counter()
    import symusic  # noqa: F401

    import jazzsolo.corpus  # noqa: F401
    imports = time.perf_counter() - t
    first, best = time_jazzsolo(path, args.repeat)
    print(f"importing symusic + jazzsolo (once per process): {imports * 1000:8.1f} ms")
    print(f"jazzsolo corpus step, first call in-process : {first * 1000:8.1f} ms")
    print(f"jazzsolo corpus step, warm (best of {args.repeat - 1})     : {best * 1000:8.1f} ms")
    print(f"jazzsolo corpus --json, whole command (cold) : {cli * 1000:8.1f} ms")
    m21 = time_music21(path)
    if m21 is None:
        print("music21 baseline: not installed (pip install -e '.[bench]')")
        return
    print(f"music21 converter.parse alone (cold)        : {m21 * 1000:8.1f} ms")
    print(f"speed-up, first call vs music21 parse        : {m21 / first:8.0f}x (target >= 100x)")
    print(f"speed-up, whole command vs music21 parse     : {m21 / cli:8.0f}x")


if __name__ == "__main__":
    main()
