"""What a web request may ask for: hard limits, checked before any work is queued.

Every problem is a ``FieldError`` naming the request field, so the API answers 422 with a
message the page can show beside the right control, never a 500. Chord text is parsed here (with
a bar cap, so a short text with huge repeat counts cannot expand without bound) because the
number of bars and the length of the music are limits too.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import JazzsoloError
from ..sample import STRATEGIES

MAX_SEED = 2**32 - 1


class FieldError(JazzsoloError):
    """A request field with a bad value; ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Limits:
    """Hard limits on one request (each has a field that breaks it and a 422 message)."""

    max_text_chars: int = 2000  # chords text
    max_bars: int = 64  # bars played, all choruses together
    max_choruses: int = 8
    max_outputs: int = 4  # takes made by one request
    max_seconds: float = 180.0  # length of the music (bounds the WAV size)
    min_tempo: float = 40.0
    max_tempo: float = 320.0
    min_temperature: float = 0.05
    max_temperature: float = 2.0
    max_top_k: int = 1000
    max_beats_per_bar: int = 12


@dataclass(frozen=True)
class TakeSpec:
    """A checked request: everything one take needs, nothing from the request unchecked."""

    model: str
    chords: str
    beats_per_bar: int
    bars: int  # one chorus
    choruses: int
    tempo: float
    sampling: str
    temperature: float
    top_k: int | None
    top_p: float | None
    seed: int
    n_outputs: int
    bass: bool
    progression: str | None = None
    style: str | None = None
    swing: float | None = None
    instrument: str | None = None

    @property
    def seconds(self) -> float:
        """How long the music lasts (quarter-note beats at ``tempo``)."""
        return self.bars * self.choruses * self.beats_per_bar * 60.0 / self.tempo


def _number(payload: Mapping[str, Any], field: str, default: float) -> float:
    value = payload.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(field, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise FieldError(field, f"must be a finite number, got {value!r}")
    return float(value)


def _whole(payload: Mapping[str, Any], field: str, default: int | None, low: int,
           high: int) -> int | None:
    value = payload.get(field)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise FieldError(field, f"must be from {low} to {high}, got {value}")
    return value


def _in_range(field: str, value: float, low: float, high: float, unit: str = "") -> float:
    if not low <= value <= high:
        raise FieldError(field, f"must be from {low:g} to {high:g}{unit}, got {value:g}")
    return value


def _choice(payload: Mapping[str, Any], field: str, choices: Sequence[str],
            default: str | None) -> str | None:
    value = payload.get(field)
    if value is None:
        return default
    if not choices:
        raise FieldError(field, "this server offers no choices for it")
    if value not in choices:
        raise FieldError(field, f"unknown value {value!r}; choose one of: {', '.join(choices)}")
    return value


def _changes(payload: Mapping[str, Any], limits: Limits,
             progressions: Mapping[str, Any]) -> tuple[str, int, str | None]:
    """(chord text, beats per bar, progression name) from ``chords`` or ``progression``."""
    chords, name = payload.get("chords"), payload.get("progression")
    if chords is not None and name is not None:
        raise FieldError("progression", "give chords or a progression, not both")
    if name is not None:
        if name not in progressions:
            raise FieldError("progression", f"unknown progression {str(name)[:40]!r}")
        if payload.get("beats_per_bar") is not None:
            raise FieldError("beats_per_bar", "a progression carries its own meter")
        prog = progressions[name]
        return prog.text, prog.beats_per_bar, name
    if not isinstance(chords, str) or not chords.strip():
        raise FieldError("chords", "write some chords (or pick a progression)")
    if len(chords) > limits.max_text_chars:
        raise FieldError("chords", f"the text is {len(chords)} characters long; at most "
                                   f"{limits.max_text_chars}")
    beats = _whole(payload, "beats_per_bar", 4, 1, limits.max_beats_per_bar)
    assert beats is not None
    return chords, beats, None


def count_bars(text: str, beats_per_bar: int, max_bars: int) -> int:
    """Bars one chorus of ``text`` plays; library errors (a bad symbol and its bar, or more than
    ``max_bars`` bars) become errors of the ``chords`` field."""
    from ..chords import parse_progression

    try:
        timed = parse_progression(text, beats_per_bar, max_bars=max_bars)
    except JazzsoloError as exc:
        raise FieldError("chords", str(exc)) from None
    return max(1, math.ceil(timed[-1].end / beats_per_bar - 1e-9))


def check_request(
    payload: Mapping[str, Any],
    limits: Limits,
    models: Sequence[str],
    progressions: Mapping[str, Any],
    features: Mapping[str, Any],
) -> TakeSpec:
    """Check a request (a JSON object) against ``limits`` and what the server offers; returns
    the take to make or raises ``FieldError``. A missing seed is drawn at random."""
    model = _choice(payload, "model", models, models[0] if models else None)
    if model is None:
        raise FieldError("model", "this server has no models")
    text, beats, name = _changes(payload, limits, progressions)
    choruses = _whole(payload, "choruses", 1, 1, limits.max_choruses)
    tempo = _in_range("tempo", _number(payload, "tempo", 140.0), limits.min_tempo,
                      limits.max_tempo, " bpm")
    sampling = _choice(payload, "sampling", STRATEGIES, "sample")
    temperature = _in_range("temperature", _number(payload, "temperature", 1.0),
                            limits.min_temperature, limits.max_temperature)
    top_k = _whole(payload, "top_k", None, 1, limits.max_top_k)
    top_p = payload.get("top_p")
    if top_p is not None:
        top_p = _number(payload, "top_p", 1.0)
        if not 0 < top_p <= 1:
            raise FieldError("top_p", f"must be above 0 and at most 1, got {top_p:g}")
    seed = _whole(payload, "seed", None, 0, MAX_SEED)
    n_outputs = _whole(payload, "n_outputs", 1, 1, limits.max_outputs)
    bass = payload.get("bass")
    bass = True if bass is None else bass
    if not isinstance(bass, bool):
        raise FieldError("bass", f"must be true or false, got {bass!r}")
    style = _choice(payload, "style", features.get("styles") or (), None)
    instrument = _choice(payload, "instrument", features.get("instruments") or (), None)
    swing = None
    if payload.get("swing") is not None:
        swing_range = features.get("swing")
        if not swing_range:
            raise FieldError("swing", "this server does not set the swing")
        swing = _in_range("swing", _number(payload, "swing", 0.0), *swing_range)
    assert choruses is not None and n_outputs is not None and sampling is not None
    bars = count_bars(text, beats, limits.max_bars)
    if bars * choruses > limits.max_bars:
        raise FieldError("choruses", f"{choruses} choruses of {bars} bars play "
                                     f"{bars * choruses} bars; at most {limits.max_bars}")
    spec = TakeSpec(
        model=model, chords=text, beats_per_bar=beats, bars=bars, choruses=choruses,
        tempo=tempo, sampling=sampling, temperature=temperature, top_k=top_k, top_p=top_p,
        seed=secrets.randbelow(MAX_SEED + 1) if seed is None else seed, n_outputs=n_outputs,
        bass=bass, progression=name, style=style, swing=swing, instrument=instrument,
    )
    if spec.seconds > limits.max_seconds:
        field = "choruses" if choruses > 1 else "tempo"
        raise FieldError(field, f"the music would last {spec.seconds:.0f} s; at most "
                                f"{limits.max_seconds:.0f} s (fewer bars or choruses, or a "
                                "faster tempo)")
    return spec
