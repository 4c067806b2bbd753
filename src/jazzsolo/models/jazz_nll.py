"""The jazz model as a scorer of real solos for ``jazzsolo evaluate`` (numpy, no torch)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import JazzsoloError
from ..score import LeadSheet
from .jazz_format import NumpyJazz, load_jazz_for_inference


class JazzNLL:
    """Bits per event (a note or a rest) that the jazz model gives real solos, per head: each
    solo encoded as events and run from its start, teacher-forced, all solos in one batch."""

    def __init__(self, model: NumpyJazz) -> None:
        self.model = model

    def nll_bits(self, sheets: Sequence[LeadSheet], players: Sequence[int] | None = None,
                 ) -> dict[str, float]:
        """Bits per event per head (and total) over ``sheets``, each played by the player of
        the same place in ``players`` (the model's indices; None: any player)."""
        from ..events import REST, encode
        from ..train_jazz import window_arrays

        cfg = self.model.config
        who = list(players) if players is not None else [0] * len(sheets)
        pairs = [(encode(s, cfg.ticks), p) for s, p in zip(sheets, who, strict=True)]
        pairs = [(q, p) for q, p in pairs if (q.pitch != REST).any()]
        if not pairs:
            raise JazzsoloError("no notes to score")
        arrays = [window_arrays(cfg, q, 0, len(q), 0, p) for q, p in pairs]
        n, length = len(arrays), max(len(a[0]) for a in arrays)
        fields = np.zeros((n, length, arrays[0][0].shape[1]), dtype=np.int64)
        masks = np.zeros((n, length, 36))
        pitch = np.full((n, length), -1, dtype=np.int64)
        dur = np.full((n, length), -1, dtype=np.int64)
        for k, (f, m, p, d) in enumerate(arrays):
            fields[k, :len(f)], masks[k, :len(f)], pitch[k, :len(f)], dur[k, :len(f)] = f, m, p, d
        state = None
        bits = {"pitch": 0.0, "duration": 0.0}
        rows = np.arange(n)
        for t in range(length):
            logits, hidden, state = self.model.step(fields[:, t], masks[:, t], state)
            live = pitch[:, t] >= 0
            p = np.where(live, pitch[:, t], 0)
            d_logits = self.model.duration_logits(hidden, p)
            for head, lg, target in (("pitch", logits, p), ("duration", d_logits,
                                                             np.maximum(dur[:, t], 0))):
                lg = lg - lg.max(1, keepdims=True)
                logp = lg[rows, target] - np.log(np.exp(lg).sum(1))
                bits[head] -= float(logp[live].sum()) / math.log(2)
        events = int((pitch >= 0).sum())
        out = {k: v / events for k, v in bits.items()}
        out["total"] = out["pitch"] + out["duration"]
        return out


def load_jazz_nll(path: Path) -> JazzNLL:
    """A jazz model directory as an NLL scorer."""
    model, _ = load_jazz_for_inference(path)
    return JazzNLL(model)

