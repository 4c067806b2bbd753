"""Corpus build and one training epoch at 5,000 and 20,000 small MIDI files: time and peak RSS.

    nice -n 10 python benchmarks/bench_corpus_scale.py [--sizes 5000 20000] [--m 2000]
        [--store-only]

Makes its own folders of seeded 16-bar tunes (a sax line over piano chords) in a temp dir.
Every measurement runs in a fresh child process, which reports its own peak RSS (and that of
its biggest worker) from getrusage. The streamed store (``train --stream``) should keep RSS
flat as the corpus grows; the baseline in the same run is the in-memory corpus
(``build_corpus``): from scratch at the smallest size, and at every size from the per-file
cache the store build has just filled (to show its memory, not its speed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def child(task: str, folder: str, cache: str, m: int) -> None:
    """Run one measured task in this (fresh) process and print its figures as JSON."""
    os.environ["XDG_CACHE_HOME"] = cache
    from jazzsolo.corpus import build_corpus
    from jazzsolo.corpus_store import build_store

    started = time.perf_counter()
    corpus = build_store([folder]) if task.startswith("store") else build_corpus([folder])
    built = time.perf_counter() - started
    epoch = None
    if task.endswith("epoch"):
        from jazzsolo.train import RunOptions, TrainConfig, train_corpus

        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            train_corpus(corpus, TrainConfig(epochs=1, val_fraction=0.0), out, m=m,
                         run=RunOptions(progress=False, curves=False))
            epoch = time.perf_counter() - t
    print(json.dumps({
        "build_s": built, "epoch_s": epoch, "files": len(corpus.sources),
        "values": len(corpus.values), "vocabulary": len(corpus.vocabulary),
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))


def measure(task: str, folder: Path, cache: Path, m: int) -> dict:
    """Run ``child`` in a new interpreter and return what it printed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    run = subprocess.run([sys.executable, __file__, "--child", task, str(folder), str(cache),
                          str(m)], capture_output=True, text=True, env=env, check=False)
    if run.returncode != 0:
        sys.exit(f"{task} on {folder} failed:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def make_folders(root: Path, sizes: list[int]) -> dict[int, Path]:
    """One folder per size; smaller ones hold hard links to the first files of the largest."""
    sys.path.insert(0, str(REPO))
    from tests.midi_fixtures import write_song

    biggest = root / f"songs{max(sizes)}"
    biggest.mkdir()
    names = [f"song{i:06d}.mid" for i in range(max(sizes))]
    for i, name in enumerate(names):
        write_song(biggest / name, seed=i)
    folders = {max(sizes): biggest}
    for n in sizes:
        if n != max(sizes):
            folders[n] = root / f"songs{n}"
            folders[n].mkdir()
            for name in names[:n]:
                os.link(biggest / name, folders[n] / name)
    return folders


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--m", type=int, default=2000, help="windows in the training epoch")
    ap.add_argument("--store-only", action="store_true",
                    help="only the store rows (no in-memory baseline): a quicker check")
    args = ap.parse_args()
    sizes = sorted(args.sizes)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        folders = make_folders(root, sizes)
        print(f"wrote {max(sizes)} tunes in {time.perf_counter() - t:.1f} s; "
              f"epoch = {args.m} windows of 30, batch 32; {os.cpu_count()} cores")
        print(f"{'files':>6} {'what':<40} {'ms/file':>8} {'build s':>8} {'epoch s':>8} "
              f"{'RSS MiB':>8} {'worker':>7} {'values':>9} {'vocab':>6}")
        rows = []

        def run(n: int, what: str, task: str, cache: Path) -> None:
            r = measure(task, folders[n], cache, args.m)
            rows.append((n, what, r))
            epoch = f"{r['epoch_s']:8.1f}" if r["epoch_s"] is not None else f"{'-':>8}"
            print(f"{n:>6} {what:<40} {1000 * r['build_s'] / n:8.2f} {r['build_s']:8.1f} "
                  f"{epoch} {r['rss_mib']:8.0f} {r['worker_rss_mib']:7.0f} {r['values']:>9} "
                  f"{r['vocabulary']:>6}", flush=True)

        for n in sizes:
            cache = root / f"cache{n}"
            run(n, "store build, from scratch", "store", cache)
            run(n, "store: reopen + 1 epoch", "store-epoch", cache)
            if args.store_only:
                continue
            if n == sizes[0]:
                run(n, "BASELINE memory build, from scratch", "memory", root / "cache-base")
            run(n, "memory build (warm file cache) + epoch", "memory-epoch", cache)
        by = {(n, w): r for n, w, r in rows}
        lo, hi = sizes[0], sizes[-1]
        for what in ("store: reopen + 1 epoch", "memory build (warm file cache) + epoch"):
            if (lo, what) not in by:
                continue
            grow = by[(hi, what)]["rss_mib"] / by[(lo, what)]["rss_mib"]
            print(f"peak RSS {hi} / {lo} files, {what}: x{grow:.2f}")
        grow = by[(hi, "store build, from scratch")]["rss_mib"] / \
            by[(lo, "store build, from scratch")]["rss_mib"]
        print(f"peak RSS {hi} / {lo} files, store build: x{grow:.2f} (files x{hi / lo:.0f})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
