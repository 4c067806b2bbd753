"""The classic model's generation step in numpy: no torch needed to improvise.

Generation only runs one LSTM step at a time on a tiny model (n_a = 64, ~90 values), which numpy
does in microseconds, while importing torch alone takes over a second. ``NumpyLSTM`` holds the
five checkpoint tensors (the Keras layout of ``jazzsolo.model.ClassicLSTM``: gate order input,
forget, cell, output; one LSTM bias) in float64 and computes the same step as
``ClassicLSTM.step``. ``ModelConfig`` lives here so that checkpoints can be validated without torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import JazzsoloError

NumpyState = tuple[np.ndarray, np.ndarray]
"""The recurrent state ``(h, c)``, each of shape ``(batch, n_a)``, float64."""


@dataclass(frozen=True)
class ModelConfig:
    """Size of the classic model: number of grammar values (input and output) and hidden units."""

    n_values: int
    n_a: int = 64

    def __post_init__(self) -> None:
        for name in ("n_values", "n_a"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise JazzsoloError(
                    f"ModelConfig: {name} must be a positive integer, got {value!r}"
                )


def tensor_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Names and shapes of the classic model's five tensors (as saved in a checkpoint)."""
    n, n_a = config.n_values, config.n_a
    return {
        "lstm.weight_ih_l0": (4 * n_a, n),
        "lstm.weight_hh_l0": (4 * n_a, n_a),
        "lstm.bias_ih_l0": (4 * n_a,),
        "dense.weight": (n, n_a),
        "dense.bias": (n,),
    }


class NumpyLSTM:
    """Inference-only classic model: one LSTM step (n_values -> n_a) then Dense logits, float64."""

    def __init__(self, config: ModelConfig, tensors: Mapping[str, np.ndarray]) -> None:
        expected = tensor_shapes(config)
        names = set(tensors)
        if names != set(expected):
            odd = sorted(names ^ set(expected))[0]
            kind = "missing" if odd in expected else "unexpected"
            raise JazzsoloError(f"NumpyLSTM: {kind} tensor '{odd}'")
        arrays: dict[str, np.ndarray] = {}
        for name, shape in expected.items():
            array = np.asarray(tensors[name])
            if array.shape != shape:
                raise JazzsoloError(
                    f"NumpyLSTM: tensor '{name}' has shape {array.shape}, expected {shape}"
                )
            arrays[name] = array.astype(np.float64)
        self.config = config
        # Transposed once, so that a step is x @ W (rows are the batch).
        self._w_ih = np.ascontiguousarray(arrays["lstm.weight_ih_l0"].T)
        self._w_hh = np.ascontiguousarray(arrays["lstm.weight_hh_l0"].T)
        self._bias = arrays["lstm.bias_ih_l0"]
        self._w_out = np.ascontiguousarray(arrays["dense.weight"].T)
        self._b_out = arrays["dense.bias"]

    @classmethod
    def from_tensors(cls, tensors: Mapping[str, np.ndarray]) -> NumpyLSTM:
        """Build the model from checkpoint tensors by name; the config is read off their shapes."""
        if "dense.weight" not in tensors:
            raise JazzsoloError("NumpyLSTM: missing tensor 'dense.weight'")
        shape = np.shape(tensors["dense.weight"])
        if len(shape) != 2:
            raise JazzsoloError(f"NumpyLSTM: tensor 'dense.weight' has shape {shape}, expected 2-D")
        n_values, n_a = shape
        return cls(ModelConfig(int(n_values), int(n_a)), tensors)

    def tensors(self) -> dict[str, np.ndarray]:
        """The five tensors by checkpoint name (float64 copies, original layout)."""
        return {
            "lstm.weight_ih_l0": self._w_ih.T.copy(),
            "lstm.weight_hh_l0": self._w_hh.T.copy(),
            "lstm.bias_ih_l0": self._bias.copy(),
            "dense.weight": self._w_out.T.copy(),
            "dense.bias": self._b_out.copy(),
        }

    def initial_state(self, batch: int) -> NumpyState:
        """The classic start state a0 = c0 = zeros, for ``batch`` sequences."""
        return np.zeros((batch, self.config.n_a)), np.zeros((batch, self.config.n_a))

    def step(
        self, x: np.ndarray, state: NumpyState | None = None
    ) -> tuple[np.ndarray, NumpyState]:
        """One time step: input ``(batch, n_values)`` -> logits ``(batch, n_values)`` and the new
        state ``(h, c)``; the same equations as ``ClassicLSTM.step``."""
        x = np.asarray(x, dtype=np.float64)
        h, c = state if state is not None else self.initial_state(x.shape[0])
        n_a = self.config.n_a
        gates = x @ self._w_ih
        gates += h @ self._w_hh
        gates += self._bias
        # sigmoid(z) = (1 + tanh(z / 2)) / 2: exact and never overflows.
        sig = np.tanh(0.5 * gates)
        sig += 1.0
        sig *= 0.5
        i, f, o = sig[:, :n_a], sig[:, n_a : 2 * n_a], sig[:, 3 * n_a :]
        g = np.tanh(gates[:, 2 * n_a : 3 * n_a])
        c = f * c + i * g
        h = o * np.tanh(c)
        return h @ self._w_out + self._b_out, (h, c)


def numpy_model(model: Any) -> NumpyLSTM:
    """The numpy twin of a model: a NumpyLSTM as is, or a torch ``ClassicLSTM`` converted (its
    weights copied), so generation code accepts either. Uses only the module's own methods."""
    if isinstance(model, NumpyLSTM):
        return model
    state_dict = getattr(model, "state_dict", None)
    config = getattr(model, "config", None)
    if state_dict is None or not isinstance(config, ModelConfig):
        raise JazzsoloError(
            f"expected a NumpyLSTM or a ClassicLSTM, got {type(model).__name__}"
        )
    tensors = {
        name: tensor.detach().cpu().double().numpy() for name, tensor in state_dict().items()
    }
    return NumpyLSTM(config, tensors)
