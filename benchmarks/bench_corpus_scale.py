"""Corpus build and one training epoch at 5,000 and 20,000 small MIDI files: time and peak RSS.

    nice -n 10 python benchmarks/bench_corpus_scale.py [--sizes 5000 20000] [--m 2000]
        [--store-only] [--jazz-sizes 1000 4000]

Makes its own folders of seeded 16-bar tunes (a sax line over piano chords) in a temp dir.
Every measurement runs in a fresh child process, which reports its own peak RSS (and that of
its biggest worker) from getrusage. The streamed store (``train --stream``) should keep RSS
flat as the corpus grows; the baseline in the same run is the in-memory corpus
(``build_corpus``): from scratch at the smallest size, and at every size from the per-file
cache the store build has just filled (to show its memory, not its speed). ``--jazz-sizes``
adds the jazz model's rows: its store build, reopening it + one epoch of a tiny model, and the
same epoch on solos read into memory (``load_solos``) as the baseline.
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
    if task.startswith("jazz"):
        return jazz_child(task, folder)
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


def jazz_child(task: str, folder: str) -> None:
    """The jazz model's solos: store build, or solos (store / memory) + one tiny epoch."""
    from jazzsolo.jazz_store import build_jazz_store, stream_solos
    from jazzsolo.models.jazz_format import JazzConfig
    from jazzsolo.train_jazz import JazzTrainConfig, RunOptions, load_solos, train_jazz

    started = time.perf_counter()
    if task == "jazz-store":
        solos = build_jazz_store([folder]).lengths()
    else:
        solos = stream_solos([folder]) if task == "jazz-store-epoch" else load_solos([folder])
    built = time.perf_counter() - started
    epoch = None
    if task.endswith("epoch"):
        import torch

        torch.set_num_threads(1)  # steadier on a shared machine (as --threads 1)
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            train_jazz(solos, out, JazzConfig(hidden=16, layers=1),
                       JazzTrainConfig(epochs=1, batch_size=64, window=128, val_fraction=0.0),
                       RunOptions(progress=False))
            epoch = time.perf_counter() - t
    events = int(solos.sum()) if task == "jazz-store" else sum(len(s.events) for s in solos)
    print(json.dumps({
        "build_s": built, "epoch_s": epoch, "files": len(solos), "values": events,
        "vocabulary": 0, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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
    ap.add_argument("--sizes", type=int, nargs="*", default=[5000, 20000],
                    help="folder sizes of the general-mode rows (none: skip them)")
    ap.add_argument("--m", type=int, default=2000, help="windows in the training epoch")
    ap.add_argument("--store-only", action="store_true",
                    help="only the store rows (no in-memory baseline): a quicker check")
    ap.add_argument("--jazz-sizes", type=int, nargs="*", default=[],
                    help="folder sizes of the jazz model's rows (--arch jazz --stream: store "
                         "build, reopen + 1 epoch of a tiny model, in-memory baseline); an "
                         "epoch covers every solo, so keep them small (e.g. 1000 4000)")
    args = ap.parse_args()
    sizes, jazz_sizes = sorted(args.sizes), sorted(args.jazz_sizes)
    if not sizes and not jazz_sizes:
        ap.error("nothing to measure: give --sizes or --jazz-sizes")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        folders = make_folders(root, sorted({*sizes, *jazz_sizes}))
        print(f"wrote {max(folders)} tunes in {time.perf_counter() - t:.1f} s; "
              f"epoch = {args.m} windows of 30, batch 32 (jazz: every solo, windows of 128, "
              f"batch 64, 16 units); {os.cpu_count()} cores")
        print(f"{'files':>6} {'what':<40} {'ms/file':>8} {'build s':>8} {'epoch s':>8} "
              f"{'RSS MiB':>8} {'worker':>7} {'values':>9} {'vocab':>6}")
        rows = {}

        def run(n: int, what: str, task: str, cache: Path) -> None:
            r = measure(task, folders[n], cache, args.m)
            rows[(n, what)] = r
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
        for n in jazz_sizes:
            cache = root / f"jazz-cache{n}"
            run(n, "jazz store build, from scratch", "jazz-store", cache)
            run(n, "jazz store: reopen + 1 epoch", "jazz-store-epoch", cache)
            if not args.store_only:
                run(n, "jazz in memory: read + 1 epoch", "jazz-memory-epoch", cache)
        for what in ("store build, from scratch", "store: reopen + 1 epoch",
                     "memory build (warm file cache) + epoch", "jazz store build, from scratch",
                     "jazz store: reopen + 1 epoch", "jazz in memory: read + 1 epoch"):
            have = [n for n in folders if (n, what) in rows]
            if len(have) > 1:
                lo, hi = min(have), max(have)
                grow = rows[(hi, what)]["rss_mib"] / rows[(lo, what)]["rss_mib"]
                print(f"peak RSS {hi} / {lo} files, {what}: x{grow:.2f} (files x{hi / lo:.0f})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
