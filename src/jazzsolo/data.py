"""Vocabulary, corpus and one-hot training windows (SPEC A3).

The vocabulary is sorted so that a model's value indices never depend on Python's set order;
it is saved with every checkpoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .errors import JazzsoloError


def build_corpus(grammar: Iterable[Sequence[str]]) -> list[str]:
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
            f"the corpus has {corpus_length} values, fewer than a window of Tx={tx} needs"
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
