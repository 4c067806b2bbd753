"""The classic jazz-solo model: one LSTM cell shared by every time step, then a softmax layer.

It matches the classic Keras model (SPEC A4): ``n_a`` hidden units, gate order input, forget,
cell, output (the same in Keras and torch), sigmoid gates, tanh cell, and Keras' parameter count
(45,530 for 90 values). Keras' LSTM has ONE bias vector of ``4 * n_a`` where torch's ``nn.LSTM``
has two (``bias_ih`` and ``bias_hh``, always summed): ``KerasLSTM`` holds the three Keras tensors
under torch's names and runs torch's fused ``nn.LSTM`` on them with a zero second bias.

Two twins, proven equal by the tests:
- ``NumpyLSTM`` (below, first): one step at a time in float64 numpy, for generation. Importing
  this module never imports torch, so ``jazzsolo generate`` starts in a fraction of a second.
- ``ClassicLSTM`` (at the end, built on first use): the torch module for training. ``forward``
  runs the fused LSTM over a whole sequence, ``forward_ids`` does the same from value ids, and
  ``step`` advances one time step. The model outputs logits; the loss and the sampler apply the
  softmax.

The checkpoint format ``jazzsolo-classic-lstm`` (five tensors by these names, plus model.json)
is registered in ``jazzsolo.models``; the hooks it needs are the functions under "format".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import JazzsoloError
from ..score import LeadSheet

FORMAT = "jazzsolo-classic-lstm"
FORMAT_VERSION = 1

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


def keras_parameter_count(n_values: int, n_a: int = 64) -> int:
    """Parameter count of the classic Keras model (LSTM with one bias + Dense), for checking."""
    return 4 * n_a * (n_values + n_a) + 4 * n_a + n_a * n_values + n_values


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


# ------------------------------------------------------------------------------ numpy twin


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
        gates = x @ self._w_ih  # (batch, 4 n_a)
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


# ---------------------------------------------------------------------------------- format
# The hooks jazzsolo.checkpoint calls through the table in jazzsolo.models.


def config_from_json(config: dict[str, Any]) -> ModelConfig:
    """The ModelConfig of model.json's ``config`` object; a one-line JazzsoloError otherwise."""
    fields = ("n_values", "n_a")
    unknown = sorted(set(config) - set(fields))
    if unknown:
        raise JazzsoloError(f"config has unknown key '{unknown[0]}'")
    if "n_values" not in config:
        raise JazzsoloError("config is missing 'n_values'")
    for key, value in config.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise JazzsoloError(f"config {key} must be a positive integer, got {value!r}")
    return ModelConfig(**config)


def vocabulary_problem(text: str) -> str | None:
    """Why a vocabulary entry is not a grammar value the decoder can play, or None."""
    from ..grammar import parse_value
    from ..theory import parse_interval

    try:
        value = parse_value(text)
        for bound in (value.upper, value.lower):
            if bound is not None:
                parse_interval(bound)
    except ValueError:
        return f"vocabulary value {text!r} is not a grammar value (like 'S,0.250,<m2,P-4>')"
    if not math.isfinite(value.duration) or value.duration < 0:
        return f"vocabulary value {text!r} has a bad duration"
    return None


def inference_model(config: ModelConfig, tensors: Mapping[str, np.ndarray]) -> NumpyLSTM:
    """The torch-free model for generation, from checked checkpoint tensors."""
    return NumpyLSTM(config, tensors)


def nll_model(model: NumpyLSTM, doc: Mapping[str, Any]) -> ClassicNLL:
    """A loaded model (and its model.json) as ``evaluate.NLLModel``: bits per grammar value."""
    return ClassicNLL(model, doc["vocabulary"])


def torch_model(config: ModelConfig) -> Any:
    """An untrained torch ``ClassicLSTM`` of this size (loading fills its weights)."""
    return _torch_twin()(config)


# --------------------------------------------------------------------------------- scoring


class ClassicNLL:
    """The classic LSTM as an ``evaluate.NLLModel``: bits per grammar value (a note or a rest),
    each value predicted from the one before, one continuous run per solo from the zero
    state; values outside the model's vocabulary are not scored (``coverage`` says how many
    were)."""

    def __init__(self, model: Any, vocabulary: Sequence[str]) -> None:
        self.model = model
        self.index = {v: k for k, v in enumerate(vocabulary)}
        self.coverage: float | None = None

    def nll_bits(self, sheets: Sequence[LeadSheet]) -> dict[str, float]:
        from ..grammar import encode_lead_sheet

        seqs = [[self.index.get(v, -1) for bar in encode_lead_sheet(s)[0] for v in bar]
                for s in sheets]
        seqs = [q for q in seqs if q]
        if not seqs:
            raise JazzsoloError("no notes to score")
        n, width = len(seqs), self.model.config.n_values
        length = max(len(q) for q in seqs)
        ids = np.full((n, length), -1, dtype=np.int64)
        for k, q in enumerate(seqs):
            ids[k, : len(q)] = q
        state = None
        x = np.zeros((n, width))
        total, scored = 0.0, 0
        for t in range(length):
            logits, state = self.model.step(x, state)
            logits -= logits.max(1, keepdims=True)
            logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
            known = ids[:, t] >= 0
            total -= float(logp[known, ids[known, t]].sum())
            scored += int(known.sum())
            x = np.zeros((n, width))
            x[known, ids[known, t]] = 1.0
        values = sum(len(q) for q in seqs)
        self.coverage = scored / values
        if not scored:
            raise JazzsoloError("none of the solos' values is in the model's vocabulary")
        return {"total": total / scored / math.log(2)}


# ------------------------------------------------------------------------------ torch twin


def __getattr__(name: str) -> Any:
    """``ClassicLSTM`` and ``KerasLSTM`` import torch, so they are built on first use."""
    if name in ("ClassicLSTM", "KerasLSTM"):
        _torch_twin()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _torch_twin() -> Any:
    """Define the torch classes once (importing torch) and return ClassicLSTM."""
    if "ClassicLSTM" in globals():
        return globals()["ClassicLSTM"]
    import torch
    from torch import Tensor, nn
    from torch.func import functional_call
    from torch.nn import functional as F

    State = tuple[Tensor, Tensor]  # (h, c), each (batch, n_a)

    class KerasLSTM(nn.Module):
        """An LSTM layer with Keras' single bias. It holds ``weight_ih_l0``, ``weight_hh_l0``
        and ``bias_ih_l0`` (torch's names, the checkpoint's) and a zero ``bias_hh_l0`` that is
        neither trained nor saved, and runs torch's fused ``nn.LSTM`` on them through
        ``torch.func.functional_call``; the kernels below hold no weights of their own."""

        def __init__(self, input_size: int, hidden_size: int) -> None:
            super().__init__()
            four = 4 * hidden_size
            self.weight_ih_l0 = nn.Parameter(torch.empty(four, input_size))
            self.weight_hh_l0 = nn.Parameter(torch.empty(four, hidden_size))
            self.bias_ih_l0 = nn.Parameter(torch.empty(four))
            self.register_buffer("bias_hh_l0", torch.zeros(four), persistent=False)
            # Weightless (meta) nn.LSTMs, kept out of the module tree: one for inputs, one for
            # inputs already multiplied by weight_ih (looked-up gates).
            with torch.random.fork_rng(devices=[]):
                self.kernels = {
                    "input": nn.LSTM(input_size, hidden_size, batch_first=True, device="meta"),
                    "gates": nn.LSTM(four, hidden_size, batch_first=True, device="meta"),
                }

        def forward(self, x: Tensor, state: State | None = None) -> Tensor:
            """Hidden states ``(batch, T, n_a)`` for inputs ``(batch, T, input_size)``."""
            weights = {"weight_ih_l0": self.weight_ih_l0, "weight_hh_l0": self.weight_hh_l0,
                       "bias_ih_l0": self.bias_ih_l0, "bias_hh_l0": self.bias_hh_l0}
            return self._run("input", weights, x, state)

        def forward_gates(self, gates_in: Tensor) -> Tensor:
            """Hidden states from zero state for input gates ``(batch, T, 4 n_a)`` that already
            hold ``x @ weight_ih.T + bias_ih``: the kernel runs with an identity input weight."""
            eye = torch.eye(gates_in.shape[-1], dtype=gates_in.dtype, device=gates_in.device)
            weights = {"weight_ih_l0": eye, "weight_hh_l0": self.weight_hh_l0,
                       "bias_ih_l0": self.bias_hh_l0, "bias_hh_l0": self.bias_hh_l0}
            return self._run("gates", weights, gates_in, None)

        def _run(self, kernel: str, weights: dict[str, Tensor], x: Tensor,
                 state: State | None) -> Tensor:
            args = (x,) if state is None else (x, (state[0].unsqueeze(0), state[1].unsqueeze(0)))
            hidden, _ = functional_call(self.kernels[kernel], weights, args)
            return hidden

    class ClassicLSTM(nn.Module):
        """One LSTM (n_values -> n_a) shared across time, then Dense (n_a -> n_values) logits."""

        format = FORMAT

        def __init__(self, config: ModelConfig, generator: torch.Generator | None = None) -> None:
            super().__init__()
            self.config = config
            n, n_a = config.n_values, config.n_a
            self.lstm = KerasLSTM(n, n_a)
            # torch's default initialisation (overwritten below) must not consume the global RNG.
            with torch.random.fork_rng(devices=[]):
                self.dense = nn.Linear(n_a, n)
            self.reset_parameters(generator)

        @torch.no_grad()
        def reset_parameters(self, generator: torch.Generator | None = None) -> None:
            """Keras initialisation: glorot-uniform kernels, orthogonal recurrent kernel, zero
            biases except the forget gate's, which starts at 1 (Keras ``unit_forget_bias``)."""
            n_a = self.config.n_a
            _glorot_uniform_(self.lstm.weight_ih_l0, generator)
            _orthogonal_(self.lstm.weight_hh_l0, generator)
            self.lstm.bias_ih_l0.zero_()
            self.lstm.bias_ih_l0[n_a : 2 * n_a] = 1.0
            _glorot_uniform_(self.dense.weight, generator)
            self.dense.bias.zero_()

        def num_parameters(self) -> int:
            """Number of trainable values; equals the Keras count (45,530 for 90 values)."""
            return sum(p.numel() for p in self.parameters() if p.requires_grad)

        def to_numpy(self) -> NumpyLSTM:
            """A torch-free copy for generation (``NumpyLSTM``, float64 weights)."""
            return numpy_model(self)

        def initial_state(self, batch: int) -> State:
            """The classic start state a0 = c0 = zeros, for ``batch`` sequences."""
            weight = self.dense.weight
            zeros = torch.zeros(batch, self.config.n_a, dtype=weight.dtype, device=weight.device)
            return zeros, zeros.clone()

        def forward(self, x: Tensor, state: State | None = None) -> Tensor:
            """Logits ``(batch, T, n_values)`` for inputs ``(batch, T, n_values)``, from
            ``state`` (default zeros), through the fused LSTM: the fast training path."""
            return self.dense(self.lstm(x, state))

        def forward_ids(self, ids: Tensor) -> Tensor:
            """Logits for inputs given as value ids ``(batch, T)`` (id ``n_values`` = the empty
            input), from zero state: the same numbers as ``forward`` on one-hot inputs.

            A one-hot input times the input weights just picks a column, so the input gates are
            looked up instead of multiplied. For large vocabularies (thousands of values from a
            folder of solos) this is ~2x faster per batch than the one-hot product; gradients
            flow to the same weights.
            """
            weight = self.lstm.weight_ih_l0  # (4 n_a, n_values)
            table = torch.cat([weight.t(), weight.new_zeros(1, weight.shape[0])])
            gates_in = F.embedding(ids, table) + self.lstm.bias_ih_l0  # (batch, T, 4 n_a)
            return self.dense(self.lstm.forward_gates(gates_in))

        def step(self, x_t: Tensor, state: State | None = None) -> tuple[Tensor, State]:
            """One time step: input ``(batch, n_values)`` -> logits ``(batch, n_values)`` and the
            new state, written out as the LSTM cell equations (the generation path)."""
            if state is None:
                state = self.initial_state(x_t.shape[0])
            h, c = state
            lstm, n_a = self.lstm, self.config.n_a
            gates = torch.addmm(lstm.bias_ih_l0, x_t, lstm.weight_ih_l0.t())
            gates = torch.addmm(gates, h, lstm.weight_hh_l0.t())
            i, f, _, o = torch.sigmoid(gates).chunk(4, dim=1)  # one call beats three; g unused
            g = torch.tanh(gates.narrow(1, 2 * n_a, n_a))
            c = torch.addcmul(f * c, i, g)
            h = o * torch.tanh(c)
            return F.linear(h, self.dense.weight, self.dense.bias), (h, c)

    for cls in (KerasLSTM, ClassicLSTM):
        cls.__qualname__ = cls.__name__
        globals()[cls.__name__] = cls
    globals()["State"] = State
    return ClassicLSTM


def _glorot_uniform_(weight: Any, generator: Any) -> None:
    """Fill a (fan_out, fan_in) weight from U(-l, l), l = sqrt(6 / (fan_in + fan_out))."""
    import torch

    fan_out, fan_in = weight.shape
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    values = torch.rand(weight.shape, generator=generator, dtype=weight.dtype,
                        device=weight.device)
    weight.copy_(values * (2 * limit) - limit)


def _orthogonal_(weight: Any, generator: Any) -> None:
    """Fill a tall (4 n_a, n_a) weight with orthonormal columns (Keras' orthogonal initialiser
    on the transposed kernel), sign-corrected so the result is uniformly distributed."""
    import torch

    normal = torch.randn(weight.shape, generator=generator, dtype=torch.float64,
                         device=weight.device)
    q, r = torch.linalg.qr(normal)
    q = q * torch.sign(torch.diagonal(r)).unsqueeze(0)
    weight.copy_(q.to(weight.dtype))
