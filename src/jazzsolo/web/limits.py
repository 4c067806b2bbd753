"""What a web request may ask for: hard limits, checked before any work is queued.

Every problem is a ``RequestError`` naming the field, so the API answers 422 with a message the
page can show beside the right control, never a 500. Chord text is parsed here (with a bar cap,
so a short text with huge repeat counts cannot expand without bound) because the number of bars
and the length of the music are limits too. What passes becomes the library's
``GenerateRequest``, validated once more by the library itself.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import JazzsoloError, RequestError
from ..request import GenerateRequest, SamplingOptions
from ..sample import STRATEGIES
from .jobs import BAND_CHOICES, band_options

MAX_SEED = 2**32 - 1
DEFAULTS: dict[str, Any] = {"tempo": 140.0, "choruses": 1, "temperature": 1.0,
                            "sampling": "sample", "bass": True, "beats_per_bar": 4,
                            "n_outputs": 1}
"""What a request gets for a field it leaves out (the seed: a random one)."""
WEB_FIELDS = {"sampling.strategy": "sampling"}
"""The library's names of request fields whose web API (flat) name is not the last part."""


def web_field(error: RequestError) -> str:
    """The API's name of the field a library RequestError names (``band.swing`` -> ``swing``)."""
    return WEB_FIELDS.get(error.field, error.field.rsplit(".", 1)[-1])


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
    """A checked request: the library's request (its model a name from the bundled list) and
    what the web adds (bars per chorus and the meter, for the limits and the description)."""

    request: GenerateRequest
    model: str
    bars: int  # one chorus
    beats_per_bar: int

    @property
    def seconds(self) -> float:
        """How long the music lasts (quarter-note beats at the request's tempo)."""
        r = self.request
        return self.bars * r.choruses * self.beats_per_bar * 60.0 / r.tempo

    def describe(self) -> dict[str, Any]:
        """The take's settings as flat JSON (the API's field names, no paths). For a jazz model
        also the pitch head's temperature and chord weight as used: with the page's default
        sampling the model plays at its tuned pitch temperature, not the slider's 1.0."""
        from ..generate_jazz import is_jazz_model, request_sampling
        from ..models import model_directory

        r = self.request
        jazz = {}
        if is_jazz_model(model_directory(self.model)):
            used = request_sampling(r)
            jazz = {"pitch_temperature": used.pitch.temperature,
                    "chord_weight": used.chord_weight, "ornaments": used.ornaments}
        return {**jazz,
            "model": self.model, "chords": r.chords, "progression": r.progression,
            "beats_per_bar": self.beats_per_bar, "bars": self.bars, "choruses": r.choruses,
            "tempo": r.tempo, "sampling": r.sampling.strategy,
            "temperature": r.sampling.temperature, "top_k": r.sampling.top_k,
            "top_p": r.sampling.top_p, "seed": r.seed, "n_outputs": r.n_outputs,
            "bass": r.band.bass, "player": r.player,
            **{name: getattr(r.band, name, None) for name in BAND_CHOICES},
        }


def _number(payload: Mapping[str, Any], field: str, default: float) -> float:
    value = payload.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(field, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise RequestError(field, f"must be a finite number, got {value!r}")
    return float(value)


def _whole(payload: Mapping[str, Any], field: str, default: int | None, low: int,
           high: int) -> int | None:
    value = payload.get(field)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(field, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise RequestError(field, f"must be from {low} to {high}, got {value}")
    return value


def _in_range(field: str, value: float, low: float, high: float, unit: str = "") -> float:
    if not low <= value <= high:
        raise RequestError(field, f"must be from {low:g} to {high:g}{unit}, got {value:g}")
    return value


def _choice(payload: Mapping[str, Any], field: str, choices: Sequence[str],
            default: str | None) -> str | None:
    value = payload.get(field)
    if value is None:
        return default
    if not choices:
        raise RequestError(field, "this server offers no choices for it")
    if value not in choices:
        raise RequestError(field, f"unknown value {value!r}; choose one of: {', '.join(choices)}")
    return value


def _changes(payload: Mapping[str, Any], limits: Limits,
             progressions: Mapping[str, Any]) -> tuple[str, int]:
    """(chord text, beats per bar) of ``chords`` or of the named ``progression``."""
    chords, name = payload.get("chords"), payload.get("progression")
    if chords is not None and name is not None:
        raise RequestError("progression", "give chords or a progression, not both")
    if name is not None:
        if name not in progressions:
            raise RequestError("progression", f"unknown progression {str(name)[:40]!r}")
        if payload.get("beats_per_bar") is not None:
            raise RequestError("beats_per_bar", "a progression carries its own meter")
        return progressions[name].text, progressions[name].beats_per_bar
    if not isinstance(chords, str) or not chords.strip():
        raise RequestError("chords", "write some chords (or pick a progression)")
    if len(chords) > limits.max_text_chars:
        raise RequestError("chords", f"the text is {len(chords)} characters long; at most "
                                     f"{limits.max_text_chars}")
    beats = _whole(payload, "beats_per_bar", DEFAULTS["beats_per_bar"], 1,
                   limits.max_beats_per_bar)
    assert beats is not None
    return chords, beats


def _ornaments(payload: Mapping[str, Any], model: str) -> bool | None:
    """``ornaments``: true lets the jazz model's grace notes through its position mask (as
    ``generate --ornaments``); a classic model has no mask to open."""
    from ..generate_jazz import is_jazz_model
    from ..models import model_directory

    value = payload.get("ornaments")
    if value is None or value is False:
        return None  # the default: a classic model is not asked for a jazz-only option
    if value is not True:
        raise RequestError("ornaments", f"must be true or false, got {value!r}")
    if not is_jazz_model(model_directory(model)):
        raise RequestError("ornaments", f"the {model} model has no position mask to open")
    return True


def _player(payload: Mapping[str, Any], model: str) -> str | None:
    """``player``: one of the chosen model's players (``GET /api/models`` lists them), matched
    as ``generate --player`` matches ("miles davis" is MilesDavis)."""
    from ..generate_jazz import model_players, player_named
    from ..models import model_directory

    value = payload.get("player")
    if value is None:
        return None
    known = model_players(model_directory(model))
    if not known:
        raise RequestError("player", f"the {model} model plays as any player only")
    named = player_named(known, value) if isinstance(value, str) else None
    return named or _choice(payload, "player", known, None)


def count_bars(text: str, beats_per_bar: int, max_bars: int) -> int:
    """Bars one chorus of ``text`` plays; library errors (a bad symbol and its bar, or more than
    ``max_bars`` bars) become errors of the ``chords`` field."""
    from ..chords import parse_progression

    try:
        timed = parse_progression(text, beats_per_bar, max_bars=max_bars)
    except JazzsoloError as exc:
        raise RequestError("chords", str(exc)) from None
    return max(1, math.ceil(timed[-1].end / beats_per_bar - 1e-9))


def check_request(
    payload: Mapping[str, Any],
    limits: Limits,
    models: Sequence[str],
    progressions: Mapping[str, Any],
    features: Mapping[str, Any],
) -> TakeSpec:
    """Check a request (a JSON object) against ``limits`` and what the server offers (bundled
    model names, the first the default, also called "default"); returns the take to make or
    raises ``RequestError``. A missing seed is drawn at random."""
    names = list(models)
    default = names[0] if names else None
    model = default if payload.get("model") == "default" else _choice(payload, "model", names,
                                                                      default)
    if model is None:
        raise RequestError("model", "this server has no models")
    text, beats = _changes(payload, limits, progressions)
    choruses = _whole(payload, "choruses", DEFAULTS["choruses"], 1, limits.max_choruses)
    tempo = _in_range("tempo", _number(payload, "tempo", DEFAULTS["tempo"]), limits.min_tempo,
                      limits.max_tempo, " bpm")
    sampling = _choice(payload, "sampling", STRATEGIES, DEFAULTS["sampling"])
    temperature = _in_range("temperature", _number(payload, "temperature", DEFAULTS["temperature"]),
                            limits.min_temperature, limits.max_temperature)
    top_k = _whole(payload, "top_k", None, 1, limits.max_top_k)
    top_p = payload.get("top_p")
    if top_p is not None:
        top_p = _number(payload, "top_p", 1.0)
        if not 0 < top_p <= 1:
            raise RequestError("top_p", f"must be above 0 and at most 1, got {top_p:g}")
    seed = _whole(payload, "seed", None, 0, MAX_SEED)
    n_outputs = _whole(payload, "n_outputs", DEFAULTS["n_outputs"], 1, limits.max_outputs)
    bass = payload.get("bass")
    bass = DEFAULTS["bass"] if bass is None else bass
    if not isinstance(bass, bool):
        raise RequestError("bass", f"must be true or false, got {bass!r}")
    band = {"style": _choice(payload, "style", features.get("styles") or (), None),
            "instrument": _choice(payload, "instrument", features.get("instruments") or (), None),
            "swing": None}
    if payload.get("swing") is not None:
        swing_range = features.get("swing")
        if not swing_range:
            raise RequestError("swing", "this server does not set the swing")
        band["swing"] = _in_range("swing", _number(payload, "swing", 0.0), *swing_range)
    player = _player(payload, model)
    ornaments = _ornaments(payload, model)
    assert choruses is not None and n_outputs is not None and sampling is not None
    bars = count_bars(text, beats, limits.max_bars)
    if bars * choruses > limits.max_bars:
        raise RequestError("choruses", f"{choruses} choruses of {bars} bars play "
                                       f"{bars * choruses} bars; at most {limits.max_bars}")
    request = GenerateRequest(
        model=model, chords=payload.get("chords"),
        progression=payload.get("progression"), beats_per_bar=payload.get("beats_per_bar"),
        choruses=choruses, tempo=tempo,
        seed=secrets.randbelow(MAX_SEED + 1) if seed is None else seed, n_outputs=n_outputs,
        sampling=SamplingOptions(strategy=sampling, temperature=temperature, top_k=top_k,
                                 top_p=top_p),
        band=band_options(bass, **band), player=player, ornaments=ornaments,
    )
    spec = TakeSpec(request=request.validate(), model=model, bars=bars, beats_per_bar=beats)
    if spec.seconds > limits.max_seconds:
        field = "choruses" if choruses > 1 else "tempo"
        raise RequestError(field, f"the music would last {spec.seconds:.0f} s; at most "
                                  f"{limits.max_seconds:.0f} s (fewer bars or choruses, or a "
                                  "faster tempo)")
    return spec
