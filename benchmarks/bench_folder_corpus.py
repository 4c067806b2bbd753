"""Time building the corpus of all WJazzD MIDI solos, from scratch and from the cache.

    python benchmarks/bench_folder_corpus.py [--jobs N]

Baseline in the same run: symusic reading the same files (the floor any reader pays). Target:
the whole corpus from scratch in under 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import shared_data  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    folder = shared_data() / "wjazzd" / "midi"
    import symusic

    files = sorted(folder.glob("*.mid"))
    t = time.perf_counter()
    for f in files:
        symusic.Score(str(f))
    baseline = time.perf_counter() - t

    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        from jazzsolo.corpus import build_corpus

        t = time.perf_counter()
        corpus = build_corpus([folder], use_cache=True, jobs=args.jobs)
        scratch = time.perf_counter() - t
        t = time.perf_counter()
        again = build_corpus([folder], use_cache=True, jobs=args.jobs)
        cached = time.perf_counter() - t
    assert again.values == corpus.values
    print(f"files: {len(files)}, used {len(corpus.sources)}, skipped {len(corpus.skipped)}")
    print(f"corpus: {len(corpus.values)} values in {len(corpus.measures)} bars, "
          f"vocabulary {len(corpus.vocabulary)}")
    print(f"symusic read of all files (baseline) : {baseline:7.2f} s")
    print(f"corpus from scratch                  : {scratch:7.2f} s (target < 30 s)")
    print(f"corpus from the cache                : {cached:7.2f} s "
          f"({scratch / max(cached, 1e-9):.0f}x faster)")


if __name__ == "__main__":
    main()
