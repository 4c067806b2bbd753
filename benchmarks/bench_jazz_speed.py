"""Speed of the jazz model: cold `jazzsolo generate`, batched takes, training events/s.

Figures, each against a baseline measured in the same run:
- `jazzsolo generate` with the bundled jazz model over 32 bars, as a cold process (median of 3)
  against `python -c "import torch"` and the classic model's cold generate;
- 8 takes in one batched call against 8 single-take calls (in-process, 32 bars);
- training events/s of the bundled model's size on WJazzD windows (1 and 2 torch threads),
  against the FLOP floor: the events/s a dense matrix multiply's FLOP rate on the same
  threads would allow (6 FLOPs per weight per event: forward and backward).

    python benchmarks/bench_jazz_speed.py [--model DIR] [--steps 6]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the jazzsolo command sets it

from _data import shared_data  # noqa: E402 (the same data rule as every benchmark)

DATA = shared_data()
CHORDS = ("Dm7 G7 | Cmaj7 | Cm7 F7 | Bbmaj7 | Ebm7 Ab7 | Dbmaj7 | Dm7b5 | G7alt | " * 4)[:-3]


def cold(args: list[str], runs: int = 3) -> float:
    """Median wall time of a fresh process."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    from jazzsolo.generate_jazz import default_jazz_dir

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=default_jazz_dir())
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    exe = [sys.executable, "-m", "jazzsolo.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        jazz = cold([*exe, "generate", "--model", args.model, "--chords", CHORDS,
                     "--out", f"{tmp}/j.mid"])
        classic = cold([*exe, "generate", "--model", "classic", "--chords", CHORDS,
                        "--out", f"{tmp}/c.mid"])
    torch_import = cold([sys.executable, "-c", "import torch"])
    print(f"cold generate, 32 bars: jazz {jazz:.2f} s, classic {classic:.2f} s; "
          f"`import torch` alone {torch_import:.2f} s")

    import numpy as np

    from jazzsolo.events import changes_from_bars
    from jazzsolo.generate import bars_from_progression
    from jazzsolo.generate_jazz import JazzSampling, generate_jazz_solos
    from jazzsolo.models.jazz_format import load_jazz_for_inference

    model, meta = load_jazz_for_inference(args.model, np.float32)  # as generate runs it
    changes = changes_from_bars(bars_from_progression(CHORDS, 4), 4.0)
    t = time.perf_counter()
    generate_jazz_solos(model, meta, changes, 8, JazzSampling(seed=0))
    batched = time.perf_counter() - t
    t = time.perf_counter()
    for k in range(8):
        generate_jazz_solos(model, meta, changes, 1, JazzSampling(seed=k))
    single = time.perf_counter() - t
    print(f"8 takes of 32 bars: one batched call {batched:.2f} s, 8 single calls {single:.2f} s "
          f"({single / batched:.1f}x)")
    train_speed(model.config, args.steps)
    return 0


def train_speed(config: object, steps: int) -> None:
    """Training events/s at the bundled size, and the matmul FLOP floor on the same threads."""
    import numpy as np
    import torch

    from jazzsolo.models.jazz import JazzLSTM
    from jazzsolo.models.jazz_format import parameter_count
    from jazzsolo.train_jazz import epoch_windows, load_solos, make_batch

    solos = load_solos([DATA / "wjazzd" / "melody"])
    windows = [w for w in epoch_windows(solos, 128, None) if w[2] == 128]
    weights = parameter_count(config) - sum(
        m.weight.numel() for m in JazzLSTM(config).embed.values())  # lookups cost no FLOPs
    for threads in (1, 2):
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model = JazzLSTM(config)
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        rng = np.random.default_rng(0)
        events, seconds = 0, 0.0
        for step in range(steps + 1):
            items = [(solos[k].events, s, n, 0, 0)
                     for k, s, n in (windows[j] for j in rng.integers(0, len(windows), 32))]
            f, m, p, d = (torch.from_numpy(a) for a in make_batch(config, items, 128))
            t = time.perf_counter()
            pl, dl, _ = model(f, m, p)
            loss = torch.nn.functional.cross_entropy(pl.flatten(0, 1), p.flatten()) + \
                torch.nn.functional.cross_entropy(dl.flatten(0, 1), d.flatten())
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step:  # the first step warms up
                seconds += time.perf_counter() - t
                events += int(p.numel())
        a = torch.randn(1024, 1024)
        a @ a  # the first multiply pays for the thread pool and the pages: not the rate
        best = math.inf
        for _ in range(3):  # the best of three rounds: the rate the machine can give
            t = time.perf_counter()
            for _ in range(10):
                a @ a
            best = min(best, time.perf_counter() - t)
        flops = 10 * 2 * 1024**3 / best
        rate = events / seconds
        floor = flops / (6 * weights)
        print(f"training, {threads} thread(s): {rate:,.0f} events/s; matmul {flops / 1e9:.0f} "
              f"GFLOP/s allows {floor:,.0f} events/s for {weights:,} weights "
              f"({rate / floor:.0%} of the floor)")


if __name__ == "__main__":
    sys.exit(main())
