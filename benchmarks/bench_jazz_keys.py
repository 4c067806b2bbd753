"""Key independence of the jazz model, measured: absolute vs chord-relative pitch, with and
without transposing the training windows into random keys.

Small runs (a small model, a few epochs) on the training tunes of the bundled model; the
figure is the validation NLL in bits per event (pitch, duration) on whole validation tunes
carved out of the training tunes (never the held-out test tunes). Pitch NLL is comparable
between the two frames: given the chord, each maps pitches one to one onto its classes.

    python benchmarks/bench_jazz_keys.py [--epochs 2] [--hidden 128] [--intervals 0]

The figures in docs/jazz_model.md came from ``--epochs 2 --hidden 128`` at commit 423aa4b,
before the chord and interval terms were added to the pitch head.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _data import HELDOUT_TUNES, shared_data  # noqa: E402 (the same data rule as every benchmark)

from jazzsolo.models.jazz_format import JazzConfig
from jazzsolo.train_jazz import (
    JazzTrainConfig,
    RunOptions,
    load_solos,
    read_tune_list,
    split_solos,
    train_jazz,
)

DATA = shared_data()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=192)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--intervals", type=int, default=0)
    args = parser.parse_args()
    solos = load_solos([DATA / "wjazzd" / "melody"])
    split = split_solos(solos, 0.08, 0, read_tune_list(HELDOUT_TUNES))
    print(f"{len(split.train)} training solos, {len(split.validation)} validation solos "
          f"(tunes disjoint), {len(split.excluded)} held-out test solos not used")
    print(f"{'frame':<9} {'augment':<8} {'val bits':>9} {'pitch':>7} {'duration':>9} "
          f"{'ev/s':>7}")
    for frame, augment in (("absolute", False), ("absolute", True), ("chord", False),
                           ("chord", True)):
        with tempfile.TemporaryDirectory() as tmp:
            result = train_jazz(split, Path(tmp) / "m",
                                JazzConfig(hidden=args.hidden, layers=args.layers, frame=frame,
                                           intervals=args.intervals),
                                JazzTrainConfig(epochs=args.epochs, augment=augment,
                                                patience=args.epochs),
                                RunOptions(progress=False))
        h = result["history"]
        k = result["best_epoch"] - 1
        print(f"{frame:<9} {str(augment):<8} {h['val_loss'][k]:>9.3f} "
              f"{h['val_pitch_bits'][k]:>7.3f} {h['val_duration_bits'][k]:>9.3f} "
              f"{result['events_per_second']:>7.0f}", flush=True)


if __name__ == "__main__":
    main()
