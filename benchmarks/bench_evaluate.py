"""Time `jazzsolo evaluate` on all 419 WJazzD solos with copying against all 419, in one run
with its baseline: a pairwise scan (longest common run per pair of solos, numpy dynamic
programming) timed on a subset and extrapolated to 419 x 419 pairs.

    python benchmarks/bench_evaluate.py [--jobs 2] [--subset 16]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import shared_data  # noqa: E402


def pairwise_longest(a: np.ndarray, b: np.ndarray) -> int:
    """Longest common run of two interval sequences by dynamic programming, row by row."""
    if not len(a) or not len(b):
        return 0
    run = np.zeros(len(b), dtype=np.int64)
    best = 0
    for x in a.tolist():
        hit = b == x
        nxt = np.zeros(len(b), dtype=np.int64)
        nxt[1:] = run[:-1] + 1
        nxt[0] = 1
        run = np.where(hit, nxt, 0)
        best = max(best, int(run.max()))
    return best


def cpu_seconds() -> float:
    """CPU time of this process and its finished workers (a fair figure on a busy machine)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--subset", type=int, default=16, help="solos in the baseline's scan")
    args = parser.parse_args()

    from jazzsolo.evaluate import CopyIndex, evaluate_solos, intervals_of, solo_line, summarize
    from jazzsolo.evaluate_io import load_solos

    folder = shared_data() / "wjazzd" / "melody"
    c0, t0 = cpu_seconds(), time.perf_counter()
    solos, _ = load_solos([folder], jobs=args.jobs)
    t1 = time.perf_counter()
    index = CopyIndex(solos)
    metrics = evaluate_solos(solos, "metrical", index)
    t2, c2 = time.perf_counter(), cpu_seconds()
    n = len(solos)
    total = t2 - t0
    s = summarize(metrics)
    print(f"jazzsolo evaluate, {n} solos, copying against {n}, {args.jobs} jobs:")
    print(f"  reading {t1 - t0:6.2f} s   measures + copy index + copying {t2 - t1:6.2f} s"
          f"   total {total:6.2f} s wall, {c2 - c0:6.2f} s CPU (target < 15 s on 2 cores)")
    print(f"  copy max {s['copy_max']['mean']:.2f} ± {s['copy_max']['std']:.2f}, "
          f"copy 8-gram {s['copy_8gram']['mean']:.3f} ± {s['copy_8gram']['std']:.3f}")

    lines = [intervals_of(solo_line(x)) for x in solos[: args.subset]]
    t3 = time.perf_counter()
    pairs = 0
    worst = 0
    for i, a in enumerate(lines):
        for j, b in enumerate(lines):
            if i != j:
                worst = max(worst, pairwise_longest(a, b))
                pairs += 1
    t4 = time.perf_counter()
    per_pair = (t4 - t3) / pairs
    print(f"baseline pairwise scan: {pairs} pairs in {t4 - t3:.2f} s ({per_pair * 1e3:.2f} ms "
          f"a pair) -> {n * (n - 1)} pairs ~ {per_pair * n * (n - 1):.0f} s for copy max alone")
    print(f"speed-up of the copying (index vs pairwise, extrapolated): "
          f"{per_pair * n * (n - 1) / max(t2 - t1, 1e-9):.0f}x")


if __name__ == "__main__":
    main()
