"""Training and generation speed of the classic model, against the classic code shape.

Run: ``python benchmarks/bench_train.py [--real] [--epochs 100]``

Times, in one run on the same (m=60, Tx=30, n=90) windows:
  * ``jazzsolo.train.train``: the fused nn.LSTM over whole sequences (jazzsolo's way), with one
    and with two torch threads;
  * ``train_loop_cell``: the same model, optimizer, batches and loss, written as the classic code
    is (a Python loop over time steps calling an LSTM cell and a Dense layer), the baseline;
  * generation of 18 x 50 values (one per measure of the classic solo): batched and one call per
    measure, greedy and sampled.
Prints seconds and the speed-up of the fused path over the cell loop.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

try:
    import jazzsolo  # noqa: F401
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jazzsolo.model import ClassicLSTM, ModelConfig
from jazzsolo.sample import SampleConfig, sample_indices
from jazzsolo.train import TrainConfig, make_optimizer, train, windows_to_tensors


# =============================================================================================
# load_windows(): THE DATA USED BY THIS BENCHMARK.
# Default: synthetic windows of the classic shape. --real: the classic Metheny windows built by
# jazzsolo.corpus.classic_corpus + jazzsolo.data.one_hot_windows (lead: adjust if those change).
# =============================================================================================
def load_windows(real: bool = False) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The benchmark's windows X (60, 30, 90), Y (30, 60, 90) and vocabulary: the classic data
    with ``real``, else a 275-value Markov corpus over 90 values (each value followed by one of
    two successors), a stand-in with the same shapes."""
    if real:
        import os

        from jazzsolo.corpus import classic_corpus
        from jazzsolo.data import one_hot_windows

        env = os.environ.get("JAZZSOLO_DATA")
        data = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
        midi = data / "original_metheny.mid"
        if not midi.is_file():
            raise SystemExit(f"bench_train.py: {midi} not found (set JAZZSOLO_DATA)")
        corpus = classic_corpus(midi)
        X, Y = one_hot_windows(corpus.values, corpus.vocabulary)
        return X, Y, list(corpus.vocabulary)
    n_values, m, tx = 90, 60, 30
    rng = np.random.default_rng(0)
    successors = rng.integers(0, n_values, size=(n_values, 2))
    corpus = [int(rng.integers(n_values))]
    while len(corpus) < 275:
        corpus.append(int(successors[corpus[-1], rng.integers(2)]))
    X = np.zeros((m, tx, n_values), dtype=np.float32)
    Y = np.zeros((tx, m, n_values), dtype=np.float32)
    for i in range(m):
        start = int(rng.integers(len(corpus) - tx))
        for j in range(1, tx):
            X[i, j, corpus[start + j]] = 1.0
            Y[j - 1, i, corpus[start + j]] = 1.0
    return X, Y, [f"v{i:02d}" for i in range(n_values)]


def train_loop_cell(
    X: np.ndarray, Y: np.ndarray, model_config: ModelConfig, train_config: TrainConfig
) -> tuple[nn.Module, list[float]]:
    """The classic code shape: for every batch, loop over the Tx steps in Python, call an LSTM
    cell and the Dense layer, add each step's cross-entropy. Same initial weights, optimizer,
    batch order and loss as jazzsolo.train.train; returns (cell, per-epoch losses)."""
    x, y = windows_to_tensors(X, Y, model_config.n_values)
    rng = np.random.default_rng(train_config.seed)
    init = ClassicLSTM(model_config, generator=torch.Generator().manual_seed(train_config.seed))
    cell = nn.LSTMCell(model_config.n_values, model_config.n_a)
    dense = nn.Linear(model_config.n_a, model_config.n_values)
    with torch.no_grad():
        cell.weight_ih.copy_(init.lstm.weight_ih_l0)
        cell.weight_hh.copy_(init.lstm.weight_hh_l0)
        cell.bias_ih.copy_(init.lstm.bias_ih_l0)
        cell.bias_hh.zero_()
    cell.bias_hh.requires_grad_(False)  # Keras has one LSTM bias
    dense.load_state_dict(init.dense.state_dict())
    both = nn.ModuleDict({"cell": cell, "dense": dense})
    optimizer = make_optimizer(both, train_config)
    old_threads = torch.get_num_threads()
    if train_config.num_threads is not None:
        torch.set_num_threads(train_config.num_threads)
    losses = []
    try:
        m, tx = x.shape[0], x.shape[1]
        for _ in range(train_config.epochs):
            order = torch.from_numpy(rng.permutation(m))
            total = 0.0
            for start in range(0, m, train_config.batch_size):
                batch = order[start : start + train_config.batch_size]
                xb, yb = x[batch], y[batch]
                a = torch.zeros(len(batch), model_config.n_a)
                c = torch.zeros(len(batch), model_config.n_a)
                loss = torch.zeros(())
                for t in range(tx):
                    a, c = cell(xb[:, t], (a, c))
                    log_probs = torch.log_softmax(dense(a), dim=-1)
                    loss = loss - (yb[:, t] * log_probs).sum(dim=-1).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            losses.append(total / m)
    finally:
        torch.set_num_threads(old_threads)
    return both, losses


def seconds(fn) -> tuple[float, object]:
    """Wall-clock seconds of one call of ``fn`` and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="use the classic Metheny windows")
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args(argv)

    X, Y, vocabulary = load_windows(args.real)
    config = ModelConfig(len(vocabulary))
    print(f"data: X {X.shape}, Y {Y.shape}, {'real' if args.real else 'synthetic'}; "
          f"{ClassicLSTM(config).num_parameters():,} parameters; "
          f"{torch.get_num_threads()} torch threads by default")

    # warm-up: first calls pay one-time costs (allocator, oneDNN primitives)
    train(X, Y, config, TrainConfig(epochs=1), progress=False)
    train_loop_cell(X, Y, config, TrainConfig(epochs=1))

    results = {}
    tc = TrainConfig(epochs=args.epochs, num_threads=1)
    results["fused nn.LSTM (jazzsolo), 1 thread"] = seconds(
        lambda: train(X, Y, config, tc, progress=False)[1]["loss"]
    )
    results["LSTMCell Python loop (baseline), 1 thread"] = seconds(
        lambda: train_loop_cell(X, Y, config, tc)[1]
    )
    updates = math.ceil(X.shape[0] / 32)
    print(f"\ntraining, {args.epochs} epochs, batch 32 ({updates} updates per epoch)")
    for name, (secs, losses) in results.items():
        print(f"  {name:44s} {secs:6.2f} s   loss {losses[0]:7.2f} -> {losses[-1]:6.2f}")
    baseline = results["LSTMCell Python loop (baseline), 1 thread"][0]
    fast = results["fused nn.LSTM (jazzsolo), 1 thread"][0]
    print(f"  speed-up of the fused path over the cell loop: {baseline / fast:.1f}x")

    # Two threads can be far slower on a busy 2-core machine (OpenMP threads wait for a core),
    # so this is measured over a few epochs only and scaled.
    few = min(args.epochs, 10)
    two, _ = seconds(
        lambda: train(X, Y, config, TrainConfig(epochs=few, num_threads=2), progress=False)
    )
    one, _ = seconds(
        lambda: train(X, Y, config, TrainConfig(epochs=few, num_threads=1), progress=False)
    )
    scale = args.epochs / few
    print(f"  threads ({few} epochs, scaled to {args.epochs}): 1 thread {one * scale:.2f} s, "
          f"2 threads {two * scale:.2f} s")

    model, _ = train(X, Y, config, TrainConfig(epochs=args.epochs), progress=False)
    torch.set_num_threads(1)
    print("\ngeneration, 18 x 50 values")
    for label, sample_config in (("greedy", SampleConfig(strategy="greedy")),
                                 ("sample top-p 0.9", SampleConfig(top_p=0.9, seed=1))):
        sample_indices(model, 5, batch=2, config=sample_config)  # warm-up
        batched, _ = seconds(lambda sc=sample_config: sample_indices(model, 50, 18, sc))
        one_by_one, _ = seconds(
            lambda sc=sample_config: [sample_indices(model, 50, 1, sc) for _ in range(18)]
        )
        print(f"  {label:18s} batched {batched:6.3f} s   one call per measure {one_by_one:6.3f} s")


if __name__ == "__main__":
    main()
