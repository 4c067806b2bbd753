"""Generating value indices from a trained classic model: greedy (classic) or sampled.

Generation follows the classic inference model (SPEC A5): start from x0 = zeros and
a0 = c0 = zeros, run one LSTM step, pick a value, feed its one-hot back as the next input.
``greedy`` takes the argmax (the classic exercise, which tends to repeat itself); ``sample`` draws
from the softmax after temperature, top-k and top-p (nucleus) filtering. All randomness comes from
a ``torch.Generator`` (seeded by ``SampleConfig.seed``, or passed in), never the global RNG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .errors import JazzsoloError
from .model import ClassicLSTM

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
        if self.strategy not in STRATEGIES:
            raise JazzsoloError(
                f"SampleConfig: strategy must be one of {', '.join(STRATEGIES)}, "
                f"got {self.strategy!r}"
            )
        t = self.temperature
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0:
            raise JazzsoloError(f"SampleConfig: temperature must be > 0, got {t!r}")
        k = self.top_k
        if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
            raise JazzsoloError(f"SampleConfig: top_k must be None or an integer >= 1, got {k!r}")
        p = self.top_p
        if p is not None and (
            isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p <= 1
        ):
            raise JazzsoloError(f"SampleConfig: top_p must be None or in (0, 1], got {p!r}")
        s = self.seed
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, np.integer))):
            raise JazzsoloError(f"SampleConfig: seed must be None or an integer, got {s!r}")


@dataclass(frozen=True)
class SampleState:
    """Where a generated sequence stopped: LSTM state (h, c), each (batch, n_a), and the next
    input x (batch, n_values), the one-hot of the last chosen value. Pass it back to continue."""

    h: Tensor
    c: Tensor
    x: Tensor


def make_generator(config: SampleConfig) -> torch.Generator:
    """A fresh torch generator seeded by ``config.seed`` (nondeterministic when seed is None)."""
    generator = torch.Generator()
    if config.seed is None:
        generator.seed()
    else:
        generator.manual_seed(int(config.seed))
    return generator


def choose(logits: Tensor, config: SampleConfig, generator: torch.Generator | None) -> Tensor:
    """Pick one index per row of ``logits`` (batch, n) according to ``config``; returns (batch,).

    Filtering works on the probabilities sorted in descending order (stable, so ties keep the
    lowest index first, as argmax does): top_k keeps the first k, top_p then keeps the shortest
    prefix whose probability reaches p (always at least the first).
    """
    if config.strategy == "greedy":
        return logits.argmax(dim=-1)
    if config.temperature != 1:
        logits = logits / config.temperature
    probs = torch.softmax(logits, dim=-1)
    if config.top_k is None and config.top_p is None:
        return torch.multinomial(probs, 1, generator=generator).squeeze(1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True, stable=True)
    if config.top_k is not None:
        sorted_probs[:, int(config.top_k) :] = 0.0
    if config.top_p is not None:
        sorted_probs = sorted_probs / sorted_probs.sum(dim=-1, keepdim=True)
        before = sorted_probs.cumsum(dim=-1) - sorted_probs
        sorted_probs = sorted_probs.masked_fill(before >= config.top_p, 0.0)
    picked = torch.multinomial(sorted_probs, 1, generator=generator)
    return order.gather(1, picked).squeeze(1)


@torch.inference_mode()
def sample_indices(
    model: ClassicLSTM,
    n_steps: int = 50,
    batch: int = 1,
    config: SampleConfig | None = None,
    state: SampleState | None = None,
    x0: np.ndarray | Tensor | None = None,
    generator: torch.Generator | None = None,
) -> tuple[np.ndarray, SampleState]:
    """Generate ``n_steps`` value indices for ``batch`` sequences; returns (indices (batch,
    n_steps) int64, state). Starts from zeros (classic) or continues ``state``; ``x0`` (batch, n)
    overrides the first input. Pass the same ``generator`` to continue a random stream."""
    config = config if config is not None else SampleConfig()
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise JazzsoloError(f"sample_indices: n_steps must be an integer >= 0, got {n_steps!r}")
    n = model.config.n_values
    if state is not None:
        batch = state.h.shape[0]
    elif isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise JazzsoloError(f"sample_indices: batch must be an integer >= 1, got {batch!r}")
    dtype = model.dense.weight.dtype
    if state is None:
        h, c = model.initial_state(batch)
        x = torch.zeros(batch, n, dtype=dtype)
    else:
        h, c, x = state.h, state.c, state.x
    if x0 is not None:
        x = torch.as_tensor(x0, dtype=dtype)
        if x.ndim == 1 and x.shape[0] == n:
            x = x.unsqueeze(0).expand(batch, n)
        if tuple(x.shape) != (batch, n):
            raise JazzsoloError(
                f"sample_indices: x0 must have shape ({batch}, {n}), got {tuple(x.shape)}"
            )
    if generator is None and config.strategy == "sample":
        generator = make_generator(config)
    was_training = model.training
    model.eval()
    try:
        out = torch.empty(batch, n_steps, dtype=torch.long)
        eye = torch.eye(n, dtype=dtype)
        for t in range(n_steps):
            logits, (h, c) = model.step(x, (h, c))
            idx = choose(logits, config, generator)
            out[:, t] = idx
            x = eye[idx]
    finally:
        model.train(was_training)
    return out.numpy(), SampleState(h=h, c=c, x=x)


def predict_and_sample(
    model: ClassicLSTM, Ty: int = 50, config: SampleConfig | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The classic exercise's function: ``Ty`` greedy values from zeros; returns (indices (Ty,),
    one-hot matrix (Ty, n_values) float32). ``config`` allows other strategies."""
    config = config if config is not None else SampleConfig(strategy="greedy")
    indices, _ = sample_indices(model, Ty, batch=1, config=config)
    indices = indices[0]
    one_hot = np.zeros((len(indices), model.config.n_values), dtype=np.float32)
    one_hot[np.arange(len(indices)), indices] = 1.0
    return indices, one_hot
