"""Vocabulary, corpus and one-hot training windows (SPEC A3).

The vocabulary is sorted so that a model's value indices never depend on Python's set order;
it is saved with every checkpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .errors import JazzsoloError


def flatten_measures(grammar: Iterable[Sequence[str]]) -> list[str]:
    """All values of all measures, in order."""
    return [value for measure in grammar for value in measure]


def build_vocabulary(corpus: Iterable[str]) -> list[str]:
    """The distinct values in sorted order (deterministic index order)."""
    return sorted(set(corpus))


def value_counts(corpus: Iterable[str]) -> dict[str, int]:
    """How often each value occurs, keys in vocabulary order."""
    counts = Counter(corpus)
    return {v: counts[v] for v in sorted(counts)}


def window_starts(
    corpus_length: int, m: int | None = 60, tx: int = 30, seed: int = 0
) -> np.ndarray:
    """Start indices of the training windows.

    ``m`` windows drawn uniformly from ``range(corpus_length - tx)`` with numpy's legacy
    generator seeded by ``seed`` (the classic draw: seed 0 gives the classic exercise's windows),
    or, with ``m=None``, every start from 0 to ``corpus_length - tx``.
    """
    if tx < 2:
        raise JazzsoloError(f"window length Tx must be at least 2, got {tx}")
    if corpus_length <= tx:
        raise JazzsoloError(
            f"--tx {tx}: the corpus has {corpus_length} values, fewer than a window of Tx={tx} "
            "needs"
        )
    if m is None:
        return np.arange(corpus_length - tx + 1)
    if m < 1:
        raise JazzsoloError(f"the number of windows m must be at least 1, got {m}")
    rng = np.random.RandomState(seed)
    return np.array([rng.choice(corpus_length - tx) for _ in range(m)], dtype=np.int64)


def one_hot_windows(
    corpus: Sequence[str],
    vocabulary: Sequence[str],
    m: int | None = 60,
    tx: int = 30,
    seed: int = 0,
    starts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Classic training tensors: X (m, Tx, n) and time-major Y (Tx, m, n), float32 one-hot.

    X[i, 0] is all zeros and X[i, j] is value j of window i; Y[j - 1, i] is value j, so the
    target of step t is the input of step t + 1, and the last target is all zeros.
    """
    index = {v: i for i, v in enumerate(vocabulary)}
    try:
        ids = np.array([index[v] for v in corpus], dtype=np.int64)
    except KeyError as exc:
        raise JazzsoloError(f"value {exc.args[0]!r} is not in the vocabulary") from None
    if starts is None:
        starts = window_starts(len(corpus), m, tx, seed)
    windows = ids[starts[:, None] + np.arange(tx)[None, :]]  # (m, tx)
    n = len(vocabulary)
    count = len(starts)
    x = np.zeros((count, tx, n), dtype=np.float32)
    y = np.zeros((count, tx, n), dtype=np.float32)
    rows = np.arange(count)[:, None]
    steps = np.arange(1, tx)[None, :]
    x[rows, steps, windows[:, 1:]] = 1.0
    y[rows, steps - 1, windows[:, 1:]] = 1.0
    return x, np.ascontiguousarray(y.transpose(1, 0, 2))


def id_windows(
    pieces: Sequence[Sequence[str]],
    vocabulary: Sequence[str],
    tx: int = 30,
    m: int | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training windows of value ids that never cross from one piece into the next.

    Returns (inputs, targets, piece) each (count, Tx) / (count,): inputs[i, 0] is the empty
    input (id n), inputs[i, j] = value j of the window, targets[i, j - 1] = value j and the last
    target is -1 (none), as in the classic layout. ``m`` draws that many windows uniformly
    (without replacement) from all possible starts; None keeps them all.
    """
    _check_id_windows(pieces, tx, m)
    index = {v: i for i, v in enumerate(vocabulary)}
    n = len(vocabulary)
    try:
        ids = [np.array([index[v] for v in piece], dtype=np.int64) for piece in pieces]
    except KeyError as exc:
        raise JazzsoloError(f"value {exc.args[0]!r} is not in the vocabulary") from None
    starts = [(p, s) for p, arr in enumerate(ids) for s in range(max(0, len(arr) - tx + 1))]
    if m is not None and m < len(starts):
        pick = np.random.default_rng(seed).choice(len(starts), size=m, replace=False)
        starts = [starts[i] for i in np.sort(pick)]
    count = len(starts)
    inputs = np.full((count, tx), n, dtype=np.int64)
    targets = np.full((count, tx), -1, dtype=np.int64)
    piece = np.empty(count, dtype=np.int64)
    for i, (p, s) in enumerate(starts):
        window = ids[p][s : s + tx]
        inputs[i, 1:] = window[1:]
        targets[i, :-1] = window[1:]
        piece[i] = p
    return inputs, targets, piece


def _check_id_windows(pieces: Sequence[Sequence[str]], tx: int, m: int | None) -> int:
    """Validate window options as ``window_starts`` does; returns the number of possible starts."""
    if tx < 2:
        raise JazzsoloError(f"window length Tx must be at least 2, got {tx}")
    if m is not None and m < 1:
        raise JazzsoloError(f"the number of windows m must be at least 1, got {m}")
    total = sum(max(0, len(piece) - tx + 1) for piece in pieces)
    if total == 0:
        longest = max((len(piece) for piece in pieces), default=0)
        raise JazzsoloError(
            f"--tx {tx}: no piece has the {tx} values a training window of Tx={tx} needs "
            f"(the longest has {longest})"
        )
    return total


def id_window_count(pieces: Sequence[Sequence[str]], tx: int = 30, m: int | None = None) -> int:
    """How many windows ``id_windows`` gives, without building them (for summaries)."""
    total = _check_id_windows(pieces, tx, m)
    return total if m is None else min(m, total)
