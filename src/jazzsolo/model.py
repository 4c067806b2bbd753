"""The classic jazz-solo model: one LSTM cell shared by every time step, then a softmax layer.

It matches the classic Keras model (SPEC A4): ``n_a`` hidden units, gate order input, forget,
cell, output (the same in Keras and torch), sigmoid gates, tanh cell, and Keras' parameter count
(45,530 for 90 values). Keras' LSTM has ONE bias vector of ``4 * n_a`` where torch's ``nn.LSTM``
has two (``bias_ih`` and ``bias_hh``, always summed); we keep ``bias_ih`` as the Keras bias and turn
``bias_hh`` into a constant zero buffer that is neither trained nor saved, so ``parameters()`` holds
exactly the five Keras tensors and the fused ``nn.LSTM`` kernel still does the work.

Two ways to run it, proven equal by the tests: ``forward`` runs the fused LSTM over a whole
sequence (training), ``step`` advances one time step (generation, feeding each sampled value back).
The model outputs logits; the softmax is applied by the loss and by the sampler.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .lstm import ModelConfig, NumpyLSTM, numpy_model

State = tuple[Tensor, Tensor]
"""The recurrent state ``(h, c)``, each of shape ``(batch, n_a)``."""


def keras_parameter_count(n_values: int, n_a: int = 64) -> int:
    """Parameter count of the classic Keras model (LSTM with one bias + Dense), for checking."""
    return 4 * n_a * (n_values + n_a) + 4 * n_a + n_a * n_values + n_values


class ClassicLSTM(nn.Module):
    """One LSTM (n_values -> n_a) shared across time, then Dense (n_a -> n_values) logits."""

    def __init__(self, config: ModelConfig, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.config = config
        n, n_a = config.n_values, config.n_a
        # torch's default initialisation (overwritten below) must not consume the global RNG.
        with torch.random.fork_rng(devices=[]):
            self.lstm = nn.LSTM(n, n_a, batch_first=True)
            self.dense = nn.Linear(n_a, n)
        # Keras has a single LSTM bias: keep bias_ih_l0, replace bias_hh_l0 by a zero constant.
        # The old parameter is zeroed first, so even a stale internal reference to it adds zero.
        with torch.no_grad():
            self.lstm.bias_hh_l0.zero_()
        del self.lstm.bias_hh_l0
        self.lstm.register_buffer("bias_hh_l0", torch.zeros(4 * n_a), persistent=False)
        self.reset_parameters(generator)

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Keras initialisation: glorot-uniform kernels, orthogonal recurrent kernel, zero biases
        except the forget gate's, which starts at 1 (Keras ``unit_forget_bias``)."""
        n_a = self.config.n_a
        _glorot_uniform_(self.lstm.weight_ih_l0, generator)
        _orthogonal_(self.lstm.weight_hh_l0, generator)
        self.lstm.bias_ih_l0.zero_()
        self.lstm.bias_ih_l0[n_a : 2 * n_a] = 1.0
        _glorot_uniform_(self.dense.weight, generator)
        self.dense.bias.zero_()

    def num_parameters(self) -> int:
        """Number of trainable values; equals the Keras count (45,530 for 90 values, n_a 64)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def to_numpy(self) -> NumpyLSTM:
        """A torch-free copy for generation (``jazzsolo.lstm.NumpyLSTM``, float64 weights)."""
        return numpy_model(self)

    def initial_state(self, batch: int) -> State:
        """The classic start state a0 = c0 = zeros, for ``batch`` sequences."""
        weight = self.dense.weight
        zeros = torch.zeros(batch, self.config.n_a, dtype=weight.dtype, device=weight.device)
        return zeros, zeros.clone()

    def forward(self, x: Tensor, state: State | None = None) -> Tensor:
        """Logits ``(batch, T, n_values)`` for inputs ``(batch, T, n_values)``, from ``state``
        (default zeros), through the fused LSTM: the fast training path."""
        if state is None:
            hidden, _ = self.lstm(x)
        else:
            h, c = state
            hidden, _ = self.lstm(x, (h.unsqueeze(0), c.unsqueeze(0)))
        return self.dense(hidden)

    def forward_ids(self, ids: Tensor) -> Tensor:
        """Logits for inputs given as value ids ``(batch, T)`` (id ``n_values`` = the empty
        input), from zero state: the same numbers as ``forward`` on one-hot inputs.

        A one-hot input times the input weights just picks a column, so the input gates are
        looked up instead of multiplied, and the fused kernel runs over them with an identity
        input weight. For large vocabularies (thousands of values from a folder of solos) this
        is ~2x faster per batch than the one-hot product; gradients flow to the same weights.
        """
        n_a = self.config.n_a
        weight = self.lstm.weight_ih_l0  # (4 n_a, n_values)
        table = torch.cat([weight.t(), weight.new_zeros(1, 4 * n_a)])
        gates_in = F.embedding(ids, table) + self.lstm.bias_ih_l0  # (batch, T, 4 n_a)
        h0 = gates_in.new_zeros(1, ids.shape[0], n_a)
        identity = torch.eye(4 * n_a, dtype=weight.dtype, device=weight.device)
        params = [identity, self.lstm.weight_hh_l0, torch.zeros_like(self.lstm.bias_ih_l0),
                  self.lstm.bias_hh_l0]
        # torch's own LSTM kernel (what nn.LSTM calls), given the looked-up gates as input.
        hidden, _, _ = torch._VF.lstm(gates_in, (h0, h0), params, True, 1, 0.0, self.training,
                                      False, True)
        return self.dense(hidden)

    def step(self, x_t: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """One time step: input ``(batch, n_values)`` -> logits ``(batch, n_values)`` and the new
        state, written out as the LSTM cell equations (the generation path)."""
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


def _glorot_uniform_(weight: Tensor, generator: torch.Generator | None) -> None:
    """Fill a (fan_out, fan_in) weight from U(-l, l), l = sqrt(6 / (fan_in + fan_out))."""
    fan_out, fan_in = weight.shape
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    values = torch.rand(weight.shape, generator=generator, dtype=weight.dtype)
    weight.copy_(values * (2 * limit) - limit)


def _orthogonal_(weight: Tensor, generator: torch.Generator | None) -> None:
    """Fill a tall (4 n_a, n_a) weight with orthonormal columns (Keras' orthogonal initialiser
    on the transposed kernel), sign-corrected so the result is uniformly distributed."""
    normal = torch.randn(weight.shape, generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(normal)
    q = q * torch.sign(torch.diagonal(r)).unsqueeze(0)
    weight.copy_(q.to(weight.dtype))
