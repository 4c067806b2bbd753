"""The jazz model: a chord-aware LSTM over note events, in torch (for training).

Each step reads what was just played (pitch, duration, its pitch class above the chord root)
and what the soloist hears at the next onset (beat, position in the beat, meter, chord root and
quality, the next chord's distance, interval and quality, the tempo, and the pitch classes of
the chord, its scale and the next chord). Every integer field has its own ``nn.Embedding``; the
three pitch-class masks go through one bias-free linear layer (a sum of embeddings of the classes
present). An ``nn.LSTM`` of 1-3 layers follows, then two factored heads: the pitch (rest is
class 0), and the duration given the pitch (teacher-forced in training, the sampled pitch in
generation). The pitch logits also gain a chord term: three gates read from the LSTM state
weigh whether a pitch is a chord tone, a scale tone, a tone of the next chord; and (with
``intervals``) an interval term: a head over leaps from the previous pitch, the same in every
key; and (with ``recent``) a memory term: a gate times each pitch class's share of a decaying
count of the pitch classes played so far in the window. The numpy twin for generation is
``models.jazz_format.NumpyJazz``.
"""

from __future__ import annotations

import torch
from torch import nn

from ..events import N_MASKS
from .jazz_format import FIELDS, JazzConfig, NumpyJazz

__all__ = ["JazzConfig", "JazzLSTM", "to_numpy"]


class JazzLSTM(nn.Module):
    """Embeddings per input field -> LSTM -> pitch head and pitch-conditioned duration head."""

    def __init__(self, config: JazzConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.ModuleDict(
            {f: nn.Embedding(n, config.embed_width(f)) for f, n in config.field_sizes.items()})
        self.masks = nn.Linear(N_MASKS, config.embed_masks, bias=False)
        self.lstm = nn.LSTM(config.input_width, config.hidden, num_layers=config.layers,
                            batch_first=True,
                            dropout=config.dropout if config.layers > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.pitch_head = nn.Linear(config.hidden, config.n_pitch)
        self.chord_gate = nn.Linear(config.hidden, 3)
        if config.intervals:
            self.interval_head = nn.Linear(config.hidden, 2 * config.intervals + 1)
        if config.recent:
            self.recent_gate = nn.Linear(config.hidden, 1)
        self.pitch_out = nn.Embedding(config.n_pitch, config.embed_out)
        self.duration_head = nn.Linear(config.hidden + config.embed_out, config.n_duration)

    @property
    def device(self) -> torch.device:
        return self.pitch_head.weight.device

    def forward(self, fields: torch.Tensor, masks: torch.Tensor, pitch: torch.Tensor,
                state: tuple[torch.Tensor, torch.Tensor] | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """``fields`` (batch, time, n_fields) int, ``masks`` (batch, time, 36) float and the
        target pitch classes (batch, time) -> pitch logits, duration logits, LSTM state."""
        parts = [self.embed[f](fields[..., k])
                 for k, f in zip(self.config.columns, self.config.fields, strict=True)]
        x = torch.cat(parts + [self.masks(masks)], dim=-1)
        h, state = self.lstm(self.drop(x), state)
        h = self.drop(h)
        durations = self.duration_head(torch.cat([h, self.pitch_out(pitch)], dim=-1))
        root = fields[..., FIELDS.index("root")].cpu().numpy()  # read once for the three terms
        pitches = torch.from_numpy(self.config.class_pitches(root)).to(h.device)
        logits = self.pitch_head(h) + self.chord_bonus(h, pitches, masks)
        if self.config.intervals:
            logits = logits + self.interval_bonus(h, fields, pitches)
        if self.config.recent:
            logits = logits + self.recent_bonus(h, fields, pitches)
        return logits, durations, state

    def recent_bonus(self, h: torch.Tensor, fields: torch.Tensor, pitches: torch.Tensor,
                     ) -> torch.Tensor:
        """Each pitch gains the memory gate (from ``h``) times its pitch class's share of the
        pitch classes played before each step, each counted ``recent ** age`` (age in events)."""
        prev = fields[..., 0] - 2
        played = nn.functional.one_hot(prev.clamp(min=0) % 12, 12).to(h.dtype)
        played = played * (prev >= 0).unsqueeze(-1)
        t = torch.arange(fields.shape[1], device=h.device)
        age = (t[:, None] - t[None, :]).to(h.dtype)
        decay = torch.where(age >= 0, self.config.recent ** age.clamp(min=0), 0.0)
        memory = torch.einsum("ts,bsc->btc", decay, played)
        share = memory / memory.sum(-1, keepdim=True).clamp(min=1e-9)
        return self.recent_gate(h) * by_class(share, pitches)

    def interval_bonus(self, h: torch.Tensor, fields: torch.Tensor, pitches: torch.Tensor,
                       ) -> torch.Tensor:
        """Each pitch gains the interval head's logit for its leap from the previous event's
        pitch (none after a rest or for leaps over ``intervals``): melody, key-free."""
        n = self.config.intervals
        prev = fields[..., 0:1] - 2
        k = pitches - prev
        ok = (k.abs() <= n) & (prev >= 0)
        ok[..., 0] = False
        steps = torch.gather(self.interval_head(h), -1, (k + n).clamp(0, 2 * n))
        return steps * ok

    def chord_bonus(self, h: torch.Tensor, pitches: torch.Tensor, masks: torch.Tensor,
                    ) -> torch.Tensor:
        """Each pitch's logit gains the gates (from ``h``) of the masks its pitch class is in:
        chord tones, chord scale, next chord's tones. The harmony reaches the output directly."""
        hit = by_class(masks.view(*masks.shape[:-1], 3, 12), pitches)
        return (self.chord_gate(h).unsqueeze(-1) * hit).sum(-2)


def by_class(values: torch.Tensor, pitches: torch.Tensor) -> torch.Tensor:
    """Per-pitch-class values ``(..., 12)`` (or ``(..., K, 12)``) read at the pitch class of
    every pitch-head class (``pitches``: their MIDI pitches, ``(..., n_pitch)``); the rest
    class gets 0. The torch twin of ``jazz_format.class_values``."""
    pcs = pitches % 12
    if values.dim() > pcs.dim():
        pcs = pcs.unsqueeze(-2).expand(*values.shape[:-1], pcs.shape[-1])
    out = torch.gather(values, -1, pcs)
    return torch.cat([torch.zeros_like(out[..., :1]), out[..., 1:]], dim=-1)


def to_numpy(model: JazzLSTM) -> NumpyJazz:
    """The numpy twin of a torch jazz model (weights copied as float64)."""
    tensors = {k: v.detach().cpu().double().numpy() for k, v in model.state_dict().items()}
    return NumpyJazz(model.config, tensors)
