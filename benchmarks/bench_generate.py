"""Benchmark: cold start of `jazzsolo generate` and in-process generation with the bundled model.

Run as ``python benchmarks/bench_generate.py [--repeats N]``. Measured in one run:
(a) the cold command ``jazzsolo generate --out tmp.mid`` as a fresh process (best of N; target
under 2 s on 2 cores); (b) baselines in fresh processes: a bare interpreter, ``import torch``
alone (what the torch generation path paid before any work), and the same command with torch
imported first (the cost of the old torch path); (c) in-process generation of 18-bar solos over
the bundled model's chords (target under 0.5 s): greedy and sampled, 1 and 8 outputs, next to
the same number of LSTM steps in torch as a baseline. Needs no shared data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

try:
    import jazzsolo.generate  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jazzsolo.checkpoint import load_for_inference
from jazzsolo.generate import GenerateConfig, bars_from_meta, classic_model_dir, generate_solos
from jazzsolo.sample import SampleConfig

COLD_TARGET = 2.0
SOLO_TARGET = 0.5


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeats`` wall-clock timings of ``run()`` (seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def run_process(argv: list[str], cwd: str) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed: {done.stderr.strip()}")


def command() -> list[str]:
    """The installed ``jazzsolo`` script, else the module run by this interpreter."""
    script = shutil.which("jazzsolo")
    return [script] if script else [sys.executable, "-m", "jazzsolo.cli"]


def cold_start(repeats: int) -> None:
    print(f"(a, b) cold start, fresh processes, best of {repeats} ({os.cpu_count()} CPUs)")
    generate = [*command(), "generate", "--out", "tmp.mid"]
    with_torch = (
        "import sys, torch, jazzsolo.cli; "
        "sys.exit(jazzsolo.cli.main(['generate', '--out', 'tmp.mid']))"
    )
    runs = [
        ("python -c pass (interpreter)", [sys.executable, "-c", "pass"]),
        ("python -c 'import torch'", [sys.executable, "-c", "import torch"]),
        ("jazzsolo generate, torch imported first", [sys.executable, "-c", with_torch]),
        ("jazzsolo generate --out tmp.mid", generate),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        run_process(generate, tmp)  # warm the file cache and .pyc files once
        results = {}
        for label, argv in runs:
            results[label] = best_of(repeats, lambda argv=argv: run_process(argv, tmp))
            print(f"  {label:<42} {results[label]:6.2f} s")
    ours = results["jazzsolo generate --out tmp.mid"]
    torch_alone = results["python -c 'import torch'"]
    verdict = "OK" if ours < COLD_TARGET else "OVER TARGET"
    print(f"  -> generate {ours:.2f} s vs target {COLD_TARGET:.1f} s: {verdict}; "
          f"{torch_alone / ours:.1f}x faster than importing torch alone")


def in_process(repeats: int) -> None:
    import numpy as np

    start = time.perf_counter()
    model, meta = load_for_inference(classic_model_dir())
    load_seconds = time.perf_counter() - start
    bars = bars_from_meta(meta)
    vocabulary = meta["vocabulary"]
    print(f"\n(c) in process, {len(bars)}-bar solos over the bundled model's chords, "
          f"best of {repeats}")
    print(f"  load_for_inference (first call)              {1000 * load_seconds:7.1f} ms")
    steps = {"count": 0}
    original_step = type(model).step

    def counting_step(self, x, state=None):  # count the LSTM steps a solo takes
        steps["count"] += x.shape[0]
        return original_step(self, x, state)

    cases = [
        ("greedy, 1 output", SampleConfig(strategy="greedy"), 1),
        ("sampled, 1 output", SampleConfig(seed=1), 1),
        ("sampled top-p 0.9, 1 output", SampleConfig(seed=1, top_p=0.9), 1),
        ("greedy, 8 outputs batched", SampleConfig(strategy="greedy"), 8),
        ("sampled, 8 outputs batched", SampleConfig(seed=1), 8),
    ]
    rows = []
    for label, sample_config, n in cases:
        config = GenerateConfig(n_outputs=n, seed=1)

        def solo(sample_config: SampleConfig = sample_config, config: GenerateConfig = config):
            return generate_solos(model, vocabulary, bars, sample_config, config)

        seconds = best_of(repeats, solo)
        type(model).step = counting_step
        try:
            steps["count"] = 0
            solo()
        finally:
            type(model).step = original_step
        rows.append((label, seconds, steps["count"]))
        verdict = "OK" if seconds < SOLO_TARGET else "OVER TARGET"
        print(f"  {label:<44} {1000 * seconds:7.1f} ms  ({steps['count']} row-steps)  {verdict}")

    # Baseline: the same number of single-row LSTM steps in numpy and in torch (no sampling).
    import torch

    from jazzsolo.checkpoint import load_checkpoint

    torch_model, _ = load_checkpoint(classic_model_dir())
    n_steps = rows[1][2]
    x = np.zeros((1, model.config.n_values))
    xt = torch.zeros(1, model.config.n_values)

    def numpy_steps() -> None:
        state = model.initial_state(1)
        for _ in range(n_steps):
            _, state = model.step(x, state)

    def torch_steps() -> None:
        state = torch_model.initial_state(1)
        with torch.inference_mode():
            for _ in range(n_steps):
                _, state = torch_model.step(xt, state)

    numpy_seconds = best_of(repeats, numpy_steps)
    torch_seconds = best_of(repeats, torch_steps)
    print(f"  baseline: {n_steps} bare LSTM steps, numpy          {1000 * numpy_seconds:7.1f} ms "
          f"({1e6 * numpy_seconds / n_steps:.1f} us/step)")
    print(f"  baseline: {n_steps} bare LSTM steps, torch          {1000 * torch_seconds:7.1f} ms "
          f"({1e6 * torch_seconds / n_steps:.1f} us/step)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timings per figure (best kept)")
    args = parser.parse_args()
    cold_start(args.repeats)
    in_process(max(args.repeats, 5))


if __name__ == "__main__":
    main()
