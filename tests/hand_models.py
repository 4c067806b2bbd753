"""Classic models whose weights the tests set by hand, so that what they generate is known.

``cycle_tensors`` builds an LSTM that, fed the one-hot of the value it just chose, chooses the
next value of a fixed cycle: input gate and output gate open, forget gate shut, the cell takes
the input's one-hot, and the dense layer maps value j to value j + 1 of the cycle. From the
zero start state the dense bias alone decides, and it favours the first value. Greedy decoding
then plays the cycle over and over; sampling does too (the winning logit leads by > 20).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

OPEN, SHUT = 30.0, -30.0  # gate biases: sigmoid(30) = 1, sigmoid(-30) = 0 in float32


def cycle_tensors(n_values: int, cycle: Sequence[int]) -> dict[str, np.ndarray]:
    """Tensors of a model (n_a = n_values) that plays ``cycle`` (value indices) repeatedly."""
    n = n_a = n_values
    w_ih = np.zeros((4 * n_a, n))
    bias = np.zeros(4 * n_a)
    bias[:n_a], bias[n_a : 2 * n_a], bias[3 * n_a :] = OPEN, SHUT, OPEN  # i open, f shut, o open
    w_ih[2 * n_a : 3 * n_a] = 5.0 * np.eye(n)  # cell = one-hot of the input (tanh(5) ~ 1)
    dense = np.zeros((n, n_a))
    for here, following in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
        dense[following, here] = 40.0  # h ~ tanh(1) = 0.76 -> a logit of ~30
    dense_bias = np.zeros(n)
    dense_bias[cycle[0]] = 1.0  # the first step (zero input, zero state) picks the cycle's start
    return {
        "lstm.weight_ih_l0": w_ih,
        "lstm.weight_hh_l0": np.zeros((4 * n_a, n_a)),
        "lstm.bias_ih_l0": bias,
        "dense.weight": dense,
        "dense.bias": dense_bias,
    }


def save_hand_model(
    out: Path,
    vocabulary: Sequence[str],
    tensors: dict[str, np.ndarray],
    chords: list[list[dict]] | None = None,
) -> Path:
    """Save hand-set tensors as a model directory ``jazzsolo generate --model`` reads (through
    the project's own checkpoint writer, so the files are what training writes)."""
    import torch

    from jazzsolo.checkpoint import save_checkpoint

    try:  # where the classic model lives after the package reshape (issue 14), and before
        from jazzsolo.models.classic import ClassicLSTM, ModelConfig
    except ImportError:
        from jazzsolo.lstm import ModelConfig
        from jazzsolo.model import ClassicLSTM

    n_values, n_a = tensors["dense.weight"].shape
    model = ClassicLSTM(ModelConfig(int(n_values), int(n_a)))
    model.load_state_dict({k: torch.from_numpy(np.asarray(v, dtype=np.float32))
                           for k, v in tensors.items()}, strict=True)
    bar = [{"start": 0.0, "duration": 4.0, "pitches": [48, 52, 55, 60], "symbol": "C"}]
    meta = {"chords": chords if chords is not None else [bar] * 8}
    return save_checkpoint(out, model, list(vocabulary), meta)


def constant_tensors(n_values: int, winner: int, n_a: int = 8) -> dict[str, np.ndarray]:
    """Tensors of a model whose dense bias makes ``winner`` win at every step, whatever the
    input (all weights zero)."""
    dense_bias = np.zeros(n_values)
    dense_bias[winner] = 30.0
    return {
        "lstm.weight_ih_l0": np.zeros((4 * n_a, n_values)),
        "lstm.weight_hh_l0": np.zeros((4 * n_a, n_a)),
        "lstm.bias_ih_l0": np.zeros(4 * n_a),
        "dense.weight": np.zeros((n_values, n_a)),
        "dense.bias": dense_bias,
    }
