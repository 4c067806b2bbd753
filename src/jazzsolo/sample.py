"""Generating value indices from a trained classic model: greedy (classic) or sampled.

Generation follows the classic inference model (SPEC A5): start from x0 = zeros and
a0 = c0 = zeros, run one LSTM step, pick a value, feed its one-hot back as the next input.
``greedy`` takes the argmax (the classic exercise, which tends to repeat itself); ``sample`` draws
from the softmax after temperature, top-k and top-p (nucleus) filtering. All randomness comes from
a ``numpy.random.Generator`` (PCG64, seeded by ``SampleConfig.seed``, or passed in), never a
global RNG. Everything runs in numpy on a ``NumpyLSTM``, so generating never imports torch; a torch
``ClassicLSTM`` is accepted too and copied to numpy first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import JazzsoloError, RequestError
from .models.classic import NumpyLSTM, numpy_model

STRATEGIES = ("sample", "greedy")


@dataclass(frozen=True)
class SampleConfig:
    """How to choose each value: ``greedy`` argmax, or ``sample`` with temperature (> 0), top_k
    (keep the k likeliest, >= 1) and top_p (keep the smallest set reaching probability p)."""

    strategy: str = "sample"
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    seed: int | None = 0

    def __post_init__(self) -> None:
        try:
            check_sampling(self.strategy, self.temperature, self.top_k, self.top_p)
            s = self.seed
            if s is not None and (isinstance(s, bool) or not isinstance(s, (int, np.integer))):
                raise RequestError("seed", f"seed must be None or an integer, got {s!r}")
        except RequestError as exc:
            raise RequestError(exc.field, f"SampleConfig: {exc}") from None


def check_sampling(strategy: str, temperature: float, top_k: int | None,
                   top_p: float | None) -> None:
    """Raise a RequestError naming the first bad sampling option (shared by SampleConfig and
    the generation request, so the rules live in one place)."""
    if strategy not in STRATEGIES:
        raise RequestError("strategy", f"strategy must be one of {', '.join(STRATEGIES)}, "
                                       f"got {strategy!r}")
    t = temperature
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0:
        raise RequestError("temperature", f"temperature must be > 0, got {t!r}")
    k = top_k
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise RequestError("top_k", f"top_k must be None or an integer >= 1, got {k!r}")
    p = top_p
    if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p <= 1):
        raise RequestError("top_p", f"top_p must be None or in (0, 1], got {p!r}")


@dataclass(frozen=True)
class SampleState:
    """Where a generated sequence stopped: LSTM state (h, c), each (batch, n_a), and the next
    input x (batch, n_values), the one-hot of the last chosen value (numpy float64 arrays).
    Pass it back to continue."""

    h: np.ndarray
    c: np.ndarray
    x: np.ndarray


def make_generator(config: SampleConfig) -> np.random.Generator:
    """A fresh numpy PCG64 generator seeded by ``config.seed`` (nondeterministic when None)."""
    seed = None if config.seed is None else int(config.seed)
    return np.random.Generator(np.random.PCG64(seed))


def choose(
    logits: np.ndarray, config: SampleConfig, generator: np.random.Generator | None
) -> np.ndarray:
    """Pick one index per row of ``logits`` (batch, n) according to ``config``; returns (batch,)
    int64. Sampling draws exactly one uniform number per row from ``generator`` (a fresh one
    seeded by ``config.seed`` when None).

    Filtering works on the probabilities sorted in descending order (stable, so ties keep the
    lowest index first, as argmax does): top_k keeps the first k, top_p then keeps the shortest
    prefix whose probability reaches p (always at least the first).
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or logits.shape[1] < 1:
        raise JazzsoloError(f"choose: logits must have shape (batch, n), got {logits.shape}")
    if config.strategy == "greedy":
        return logits.argmax(axis=1)
    if generator is None:
        generator = make_generator(config)
    probs = _softmax(logits / config.temperature if config.temperature != 1 else logits)
    if config.top_k is None and config.top_p is None:
        return _draw(probs, generator)
    order = np.argsort(-probs, axis=1, kind="stable")
    sorted_probs = np.take_along_axis(probs, order, axis=1)
    if config.top_k is not None:
        sorted_probs[:, int(config.top_k) :] = 0.0
    if config.top_p is not None:
        sorted_probs /= sorted_probs.sum(axis=1, keepdims=True)
        before = np.cumsum(sorted_probs, axis=1) - sorted_probs
        sorted_probs[before >= config.top_p] = 0.0
    picked = _draw(sorted_probs, generator)
    return np.take_along_axis(order, picked[:, None], axis=1)[:, 0]


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so that exp never overflows."""
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    z /= z.sum(axis=1, keepdims=True)
    return z


def _draw(weights: np.ndarray, generator: np.random.Generator) -> np.ndarray:
    """One index per row, with probability proportional to the row's non-negative ``weights``
    (inverse CDF on one uniform draw per row; a zero weight is never picked)."""
    cdf = np.cumsum(weights, axis=1)
    u = generator.random(weights.shape[0])[:, None] * cdf[:, -1:]
    idx = (cdf <= u).sum(axis=1)
    # Rounding can put u at the very top of the CDF: fall back to the last positive weight.
    last = weights.shape[1] - 1 - (weights[:, ::-1] > 0).argmax(axis=1)
    return np.minimum(idx, last).astype(np.int64)


def sample_indices(
    model: NumpyLSTM | Any,
    n_steps: int = 50,
    batch: int = 1,
    config: SampleConfig | None = None,
    state: SampleState | None = None,
    x0: np.ndarray | None = None,
    generator: np.random.Generator | None = None,
) -> tuple[np.ndarray, SampleState]:
    """Generate ``n_steps`` value indices for ``batch`` sequences; returns (indices (batch,
    n_steps) int64, state). Starts from zeros (classic) or continues ``state``; ``x0`` (batch, n)
    overrides the first input. Pass the same ``generator`` to continue a random stream.
    ``model`` is a NumpyLSTM, or a torch ClassicLSTM (copied to numpy for the call)."""
    config = config if config is not None else SampleConfig()
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise JazzsoloError(f"sample_indices: n_steps must be an integer >= 0, got {n_steps!r}")
    model = numpy_model(model)
    n = model.config.n_values
    if state is not None:
        batch = state.h.shape[0]
    elif isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise JazzsoloError(f"sample_indices: batch must be an integer >= 1, got {batch!r}")
    if state is None:
        h, c = model.initial_state(batch)
        x = np.zeros((batch, n))
    else:
        h, c, x = state.h, state.c, state.x
    if x0 is not None:
        x = np.asarray(x0, dtype=np.float64)
        if x.ndim == 1 and x.shape[0] == n:
            x = np.broadcast_to(x, (batch, n))
        if x.shape != (batch, n):
            raise JazzsoloError(
                f"sample_indices: x0 must have shape ({batch}, {n}), got {x.shape}"
            )
    if generator is None and config.strategy == "sample":
        generator = make_generator(config)
    out = np.empty((batch, n_steps), dtype=np.int64)
    rows = np.arange(batch)
    for t in range(n_steps):
        logits, (h, c) = model.step(x, (h, c))
        idx = choose(logits, config, generator)
        out[:, t] = idx
        x = np.zeros((batch, n))
        x[rows, idx] = 1.0
    return out, SampleState(h=h, c=c, x=np.array(x, dtype=np.float64))


def predict_and_sample(
    model: NumpyLSTM | Any, Ty: int = 50, config: SampleConfig | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The classic exercise's function: ``Ty`` greedy values from zeros; returns (indices (Ty,),
    one-hot matrix (Ty, n_values) float32). ``config`` allows other strategies."""
    config = config if config is not None else SampleConfig(strategy="greedy")
    model = numpy_model(model)
    indices, _ = sample_indices(model, Ty, batch=1, config=config)
    indices = indices[0]
    one_hot = np.zeros((len(indices), model.config.n_values), dtype=np.float32)
    one_hot[np.arange(len(indices)), indices] = 1.0
    return indices, one_hot
