"""Generate solos: sample grammar values from a model and decode them over chords, bar by bar.

Two modes. ``fill`` (the default) samples one continuous stream of values and cuts it at the
bar lines, so every bar is filled exactly and bars never overlap. ``course`` reproduces the
classic exercise's loop: it restarts the model for each of ``int(n_chords / 3) - 1`` measures,
prefixes ``C,0.25``, turns A and X into C, rounds durations to quarters of a beat at random and
emits all values of each measure, so measures overlap.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from .band.bass import walking_bass_for  # noqa: F401 (its old home; used by the request)
from .errors import JazzsoloError, RequestError
from .grammar import (
    ChordContext,
    Decoder,
    Value,
    chord_context,
    clean_up,
    context_at,
    parse_value,
)
from .score import Chord, LeadSheet, Meter, Note, bars_from_meta, bars_to_meta  # noqa: F401 (their old home)

MODES = ("fill", "course")
GRID = 12  # durations snap to twelfths of a quarter (sixteenths and triplets)
CHUNK = 64  # values sampled per model call in fill mode
MAX_CHUNKS_PER_BAR = 50  # a model that cannot fill a bar in 3,200 values is stuck
MAX_BEATS = 8_000  # a solo of at most about an hour at 130 bpm


@dataclass(frozen=True)
class GenerateConfig:
    """Options of one generation run besides the sampling strategy."""

    mode: str = "fill"  # or "course"
    n_outputs: int = 1
    ty: int = 50  # values per measure in course mode
    tempo: float = 130.0
    low: int = 48
    high: int = 84
    seed: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise RequestError("mode", f"mode must be 'fill' or 'course', got {self.mode!r}")
        if not _whole(self.n_outputs) or self.n_outputs < 1:
            raise RequestError("n_outputs", f"n_outputs must be at least 1, got {self.n_outputs}")
        if not _whole(self.ty) or self.ty < 1:
            raise RequestError("ty", f"ty must be at least 1, got {self.ty}")
        if not (_number(self.tempo) and 10 <= self.tempo <= 1000):
            raise RequestError("tempo", f"tempo must be between 10 and 1000, got {self.tempo}")
        if not _whole(self.seed) or self.seed < 0:
            raise RequestError("seed", f"seed must be a whole number >= 0, got {self.seed}")
        if not 0 <= self.low < self.high <= 127:
            raise RequestError("low", f"bad pitch range {self.low}-{self.high}")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _contexts(bar: Sequence[Chord]) -> list[ChordContext]:
    return [chord_context(c) for c in sorted(bar, key=lambda c: c.start)]


def _snap(duration: float) -> float:
    return round(duration * GRID) / GRID


def _decode_bar(
    values: Sequence[Value], contexts: list[ChordContext], bar_start: float, decoder: Decoder
) -> list[Note]:
    notes: list[Note] = []
    t = 0.0
    for v in values:
        if v.type != "R":
            pitch = decoder.pitch_for(v, context_at(contexts, t))
            notes.append(Note(bar_start + t, v.duration, pitch))
        t += v.duration
    return notes


def _take_bar(stream: list[Value], bar_length: float) -> list[Value] | None:
    """Pop the values that fill one bar from the front of ``stream`` (None: not enough yet).

    Durations snap to the twelfth grid; the value that crosses the bar line is cut there.
    """
    total, taken = 0.0, []
    for i, v in enumerate(stream):
        d = _snap(v.duration)
        if d <= 0:
            continue
        if total + d >= bar_length - 1e-9:
            taken.append(Value(v.type, bar_length - total, v.upper, v.lower))
            del stream[: i + 1]
            return taken
        taken.append(Value(v.type, d, v.upper, v.lower))
        total += d
    return None


def _bars_to_chords(bars: Sequence[Sequence[Chord]], bar_length: float) -> list[Chord]:
    return [
        Chord(b * bar_length + c.start, c.duration, c.pitches, c.symbol)
        for b, bar in enumerate(bars)
        for c in sorted(bar, key=lambda c: c.start)
    ]


def generate_solos(
    model: object,
    vocabulary: Sequence[str],
    bars: Sequence[Sequence[Chord]],
    sample_config: object | None = None,
    config: GenerateConfig | None = None,
    meter: Meter | None = None,
) -> list[LeadSheet]:
    """Generate ``config.n_outputs`` solos over ``bars`` (chords with starts inside their bar;
    a bar with none is played over no chord) in ``meter``.

    Sampling is batched: all solos come from one pass of the model. The same seeds give the
    same solos. ``model`` is a NumpyLSTM or a torch ClassicLSTM (copied to numpy once).
    """
    from .models.classic import numpy_model
    from .sample import SampleConfig, make_generator, sample_indices

    model = numpy_model(model)
    meter = meter or Meter()
    bar_length = meter.bar_length
    config = config or GenerateConfig()
    sample_config = sample_config or SampleConfig()
    if not bars:
        raise JazzsoloError("no bars to generate over")
    bars = [list(bar) or [Chord(0.0, bar_length, (), "NC")] for bar in bars]
    values = [parse_value(v) for v in vocabulary]
    if not any(_snap(v.duration) > 0 for v in values):
        raise JazzsoloError("the model's values all last zero time: it cannot fill a bar")
    generator = make_generator(sample_config) if sample_config.strategy == "sample" else None
    rngs = [random.Random(config.seed * 1000 + k) for k in range(config.n_outputs)]
    decoders = [Decoder(rng, low=config.low, high=config.high) for rng in rngs]
    contexts = [_contexts(bar) for bar in bars]
    melodies: list[list[Note]] = [[] for _ in range(config.n_outputs)]

    if config.mode == "fill":
        streams: list[list[Value]] = [[] for _ in range(config.n_outputs)]
        state = None
        for b in range(len(bars)):
            for k in range(config.n_outputs):
                chunks = 0
                while (taken := _take_bar(streams[k], bar_length)) is None:
                    if chunks == MAX_CHUNKS_PER_BAR:
                        raise JazzsoloError(
                            f"the model produced {chunks * CHUNK} values without filling bar "
                            f"{b + 1} (it keeps choosing values that last no time)"
                        )
                    chunks += 1
                    idx, state = sample_indices(model, CHUNK, config.n_outputs, sample_config,
                                                state=state, generator=generator)
                    for j in range(config.n_outputs):
                        streams[j].extend(values[i] for i in idx[j])
                melodies[k] += _decode_bar(taken, contexts[b], b * bar_length, decoders[k])
        melodies = [clean_up(m) for m in melodies]
        chords = _bars_to_chords(bars, bar_length)
        n_bars = len(bars)
    else:
        n_measures = max(1, math.floor((len(bars) + 1) / 3) - 1)
        prefix = Value("C", 0.25)
        for m in range(n_measures):
            idx, _ = sample_indices(model, config.ty, config.n_outputs, sample_config,
                                    generator=generator)
            for k in range(config.n_outputs):
                seq = [prefix] + [values[i] for i in idx[k]]
                seq = [_course_value(v, rngs[k]) for v in seq]
                melodies[k] += _decode_bar(seq, contexts[m], m * bar_length, decoders[k])
        melodies = [clean_up(mel, monophonic=False) for mel in melodies]
        chords = _bars_to_chords(bars[:n_measures], bar_length)
        n_bars = n_measures
    return [
        LeadSheet(melody=mel, chords=list(chords), beats_per_bar=meter.beats_per_bar,
                  beat_unit=meter.beat_unit, tempo=config.tempo, n_bars=n_bars,
                  name=f"solo {k + 1}")
        for k, mel in enumerate(melodies)
    ]


def _course_value(v: Value, rng: random.Random) -> Value:
    """The course's post-processing of one value: A and X become C, and the duration is rounded
    to a multiple of 0.25, up or down at random."""
    kind = "C" if v.type in ("A", "X") else v.type
    quarters = v.duration / 0.25
    rounded = (math.floor(quarters) if rng.random() < 0.5 else math.ceil(quarters)) * 0.25
    return Value(kind, rounded, v.upper, v.lower)


# ------------------------------------------------------------------------ chords to solo over


def bars_from_progression(
    text: str, beats_per_bar: int = 4, choruses: int = 1, source: str = "the chords"
) -> list[list[Chord]]:
    """Bars of voiced chords (starts inside each bar) from progression text; a chord held
    across a bar line is struck again in each bar it covers."""
    from .band.voicing import voice_chord
    from .chords.progressions import parse_progression

    if choruses < 1:
        raise RequestError("choruses", f"choruses must be at least 1, got {choruses}")
    timed = parse_progression(text, beats_per_bar)
    if not timed:
        raise JazzsoloError("the progression has no chords")
    n_bars = int(math.ceil(timed[-1].end / beats_per_bar - 1e-9))
    check_length(n_bars, beats_per_bar, choruses, source)
    bars: list[list[Chord]] = [[] for _ in range(n_bars)]
    for pc in timed:
        name = pc.symbol.name if pc.symbol.quality != "none" else "NC"
        pitches = voice_chord(pc.symbol) if pc.symbol.quality != "none" else ()
        t = pc.start
        while t < pc.end - 1e-9:
            bar = int(t // beats_per_bar + 1e-9)
            seg_end = min(pc.end, (bar + 1) * beats_per_bar)
            bars[bar].append(Chord(t - bar * beats_per_bar, seg_end - t, pitches, name))
            t = seg_end
    return [list(bar) for _ in range(choruses) for bar in bars]


def check_length(n_bars: int, beats_per_bar: float, choruses: int, source: str) -> None:
    """Refuse a solo longer than MAX_BEATS beats (it would take minutes and make hours);
    ``source`` names where the changes come from."""
    beats = n_bars * beats_per_bar * choruses
    if beats > MAX_BEATS:
        raise RequestError(
            "choruses", f"{choruses} chorus(es) of the {n_bars} bars of {source} make "
            f"{beats:g} beats (about {beats / 130 / 60:.1f} hours at 130 bpm); at most "
            f"{MAX_BEATS} beats")


def classic_model_dir() -> str:
    """The bundled classic model's directory (the default model is ``models.DEFAULT_MODEL``,
    the jazz model)."""
    from .models import model_directory

    return str(model_directory("classic"))
