"""Improvising with the jazz model: note events sampled over any changes, in numpy.

All takes run as one batch (one LSTM step per event for every take together). At each event
the model hears the chord at its onset, the next chord and the position in the bar (built by
``events.context_at``); the pitch is drawn first (temperature / top-k / top-p of the pitch head,
pitches outside the register masked), then the duration given that pitch (its own sampling
options). A take ends when its events reach the end of the last bar; the last event is cut
there, so every bar is filled and notes never overlap. Torch is never imported.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import JazzsoloError
from .events import MAX_TICKS, REST, Changes, context_at, decode
from .models.jazz_format import BOS, NumpyJazz, prev_tokens
from .sample import SampleConfig, choose, make_generator
from .score import LeadSheet

DEFAULT_PROGRESSION = "blues-f"  # what the jazz model plays when no changes are given


@dataclass(frozen=True)
class JazzSampling:
    """Sampling of each head (pitch, duration) and the register allowed (MIDI pitches)."""

    pitch: SampleConfig = SampleConfig()
    duration: SampleConfig = SampleConfig()
    register: tuple[int, int] | None = None  # default: the model's training register
    seed: int = 0


def parse_register(text: str) -> tuple[int, int]:
    """``LOW-HIGH`` in MIDI numbers (``55-84``) -> (55, 84); a one-line error otherwise."""
    lo, sep, hi = text.partition("-")
    try:
        low, high = int(lo), int(hi)
    except ValueError:
        raise JazzsoloError(f"--register: expected LOW-HIGH in MIDI numbers (e.g. 52-84), got "
                            f"{text!r}") from None
    if not sep or not 0 <= low < high <= 127 or high - low < 12:
        raise JazzsoloError(f"--register: need 0 <= LOW < HIGH <= 127 spanning at least an "
                            f"octave, got {text!r}")
    return low, high


def register_of(meta: dict, model: NumpyJazz) -> tuple[int, int]:
    """The model's default register: its training data's 1st-99th percentile pitches."""
    reg = meta.get("register")
    if isinstance(reg, list) and len(reg) == 2 and all(isinstance(v, int) for v in reg):
        return int(reg[0]), int(reg[1])
    return model.config.pitch_low, model.config.pitch_high


def generate_events(model: NumpyJazz, changes: Changes, n_takes: int,
                    sampling: JazzSampling, register: tuple[int, int],
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Sample ``n_takes`` event streams over ``changes`` in one batch; returns (pitches,
    durations) per take, covering exactly ``changes.total_ticks``."""
    cfg = model.config
    total = changes.total_ticks
    generator = make_generator(SampleConfig(seed=sampling.seed))
    classes = np.arange(cfg.n_pitch)
    t = np.zeros(n_takes, dtype=np.int64)
    prev_p = np.full(n_takes, REST, dtype=np.int64)
    prev_d = np.ones(n_takes, dtype=np.int64)
    pitches: list[list[int]] = [[] for _ in range(n_takes)]
    durs: list[list[int]] = [[] for _ in range(n_takes)]
    state = None
    first = True
    while (live := t < total).any():
        ctx, masks, roots = context_at(changes, np.minimum(t, total - 1))
        prev = prev_tokens(prev_p, prev_d, roots)
        if first:
            prev[:, :2], prev[:, 2] = BOS, 12
            first = False
        logits, hidden, state = model.step(np.concatenate([prev, ctx], axis=1), masks, state)
        allowed = cfg.pitch_of(classes[None, :], roots[:, None])
        ok = (classes[None, :] == 0) | ((allowed >= register[0]) & (allowed <= register[1]))
        logits = np.where(ok, logits, -np.inf)
        p_idx = choose(logits, sampling.pitch, generator)
        d_idx = choose(model.duration_logits(hidden, p_idx), sampling.duration, generator)
        p = cfg.pitch_of(p_idx, roots)
        d = np.clip(d_idx + 1, 1, MAX_TICKS)
        for k in np.nonzero(live)[0]:
            pitches[k].append(int(p[k]))
            durs[k].append(int(d[k]))
        t = np.where(live, t + d, t)
        prev_p, prev_d = np.where(live, p, prev_p), np.where(live, d, prev_d)
    return [(np.array(pitches[k]), np.array(durs[k])) for k in range(n_takes)]


def generate_jazz_solos(model: NumpyJazz, meta: dict, changes: Changes, n_takes: int = 1,
                        sampling: JazzSampling | None = None, tempo: float = 130.0,
                        ) -> list[LeadSheet]:
    """``n_takes`` solos over ``changes`` as lead sheets (batched; same seed, same solos)."""
    sampling = sampling or JazzSampling()
    if n_takes < 1:
        raise JazzsoloError(f"--num-outputs must be at least 1, got {n_takes}")
    register = sampling.register or register_of(meta, model)
    streams = generate_events(model, changes, n_takes, sampling, register)
    return [decode(p, d, changes, tempo=tempo, name=f"solo {k + 1}")
            for k, (p, d) in enumerate(streams)]


def changes_from_file(path: str | os.PathLike[str]) -> Changes:
    """The changes of a MIDI file (chord markers, else named from its accompaniment) or of a
    WJazzD melody CSV, from its first bar to its last."""
    from pathlib import Path

    from .corpus import CorpusOptions, read_piece
    from .events import changes_of

    sheet = read_piece(Path(path), CorpusOptions())
    changes = changes_of(sheet)
    if not changes.symbols:
        raise JazzsoloError(f"{path}: no chords found to play over")
    return changes


def default_jazz_dir() -> str:
    """The bundled jazz model's directory."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "pretrained" / "jazz")


def bundled_jazz_exists() -> bool:
    return os.path.isfile(os.path.join(default_jazz_dir(), "model.safetensors"))


def resolve_model(name: str | None) -> tuple[str, str]:
    """``--model`` -> (kind, directory): None is the bundled jazz model (the classic one while
    none is bundled), ``classic``/``jazz`` the bundled ones, else a model directory whose
    model.json says which it is."""
    from .generate import default_model_dir
    from .models.jazz_format import FORMAT, model_format

    if name is None:
        name = "jazz" if bundled_jazz_exists() else "classic"
    if name == "classic":
        return "classic", default_model_dir()
    if name == "jazz":
        if not bundled_jazz_exists():
            raise JazzsoloError("--model jazz: no bundled jazz model in this installation")
        return "jazz", default_jazz_dir()
    return ("jazz" if model_format(name) == FORMAT else "classic"), name


def write_jazz_solos(model_dir: str, midi_paths: Sequence[str], sampling: JazzSampling, *,
                     chords: str | None = None, progression: str | None = None,
                     changes_file: str | None = None, choruses: int = 1,
                     beats_per_bar: int | None = None, tempo: float = 130.0,
                     bass: bool = False, wavs: Sequence[str] = (), pngs: Sequence[str] = (),
                     soundfont: str | None = None) -> list[str]:
    """Load a jazz model, pick the changes (text, a built-in progression, a file's changes, or
    two choruses of the F blues), improvise ``len(midi_paths)`` takes in one batch and write
    MIDI (WAV, PNG); all files appear together or none does."""
    from .events import changes_from_bars
    from .generate import _write_outputs, bars_from_progression, walking_bass_for
    from .models.jazz_format import load_jazz_for_inference
    from .progressions import get_progression

    given = [x for x in (chords, progression, changes_file) if x is not None]
    if len(given) > 1:
        raise JazzsoloError("give one of --chords, --progression, --changes-from, not several")
    if choruses < 1:
        raise JazzsoloError(f"--choruses must be at least 1, got {choruses}")
    if beats_per_bar is not None and chords is None:
        raise JazzsoloError("--beats-per-bar sets the meter of --chords (a progression and a "
                            "file's changes carry their meter)")
    if soundfont and not wavs:
        raise JazzsoloError("--soundfont needs --wav")
    if soundfont:
        from .render import soundfont_version

        soundfont_version(soundfont)
    model, meta = load_jazz_for_inference(model_dir)
    if changes_file is not None:
        one = changes_from_file(changes_file)
        changes = Changes(tuple(s + k * one.total_ticks for k in range(choruses)
                                for s in one.starts), one.symbols * choruses, one.bar_ticks,
                          one.n_bars * choruses, one.beats_per_bar, one.beat_unit)
    else:
        if chords is not None:
            beats = 4 if beats_per_bar is None else beats_per_bar
            if not 1 <= beats <= 16:
                raise JazzsoloError(f"--beats-per-bar must be 1 to 16, got {beats}")
            if not chords.strip():
                raise JazzsoloError("--chords is empty")
            text = chords
        else:
            prog = get_progression(progression or DEFAULT_PROGRESSION)
            beats, text = prog.beats_per_bar, prog.text
            choruses *= 1 if progression else 2
        bars = bars_from_progression(text, beats, choruses)
        changes = changes_from_bars(bars, float(beats), beats, 4)
    sheets = generate_jazz_solos(model, meta, changes, len(midi_paths), sampling, tempo)
    staged: list = []
    try:
        for k, sheet in enumerate(sheets):
            if bass:
                bar_chords = [[c for c in sheet.chords if sheet.bar_of(c.start) == b]
                              for b in range(changes.n_bars)]
                bar_chords = [[type(c)(c.start - sheet.bar_start(b), c.duration, c.pitches,
                                       c.symbol) for c in bar]
                              for b, bar in enumerate(bar_chords)]
                sheet.bass = walking_bass_for(bar_chords, sheet.bar_length, sampling.seed + k)
            _write_outputs(sheet, k, midi_paths, wavs, pngs, soundfont, staged)
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [str(final) for _, final in staged]


def bundled_models() -> list[dict]:
    """The models shipped with jazzsolo: name, format, directory, what each learned from."""
    import json
    from pathlib import Path

    from .generate import default_model_dir

    out = []
    for name, where in (("jazz", default_jazz_dir()), ("classic", default_model_dir())):
        path = Path(where) / "model.json"
        if not path.is_file():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if name == "jazz":
            t = doc.get("trained_on", {})
            what = (f"{t.get('solos')} Weimar Jazz Database solos (held-out test tunes and "
                    f"{t.get('validation_solos')} validation solos excluded)")
        else:
            what = "the classic Pat Metheny solo, 'And Then I Knew' (18 bars)"
        out.append({"name": name, "format": doc.get("format"), "dir": where,
                    "trained_on": what, "default": name == resolve_model(None)[0]})
    return out
