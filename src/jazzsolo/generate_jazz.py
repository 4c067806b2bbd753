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
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from .errors import JazzsoloError, RequestError
from .events import (
    CONTEXT_FIELDS,
    GRIDS,
    PHRASE_FIELDS,
    REST,
    Changes,
    PhraseCounter,
    context_at,
    decode,
    tempo_bucket,
)
from .models.jazz_format import (
    BOS,
    JazzConfig,
    NumpyJazz,
    PlanLibrary,
    bar_plan_table,
    class_values,
    density_table,
    plan_library,
    prev_tokens,
)
from .sample import SampleConfig, choose, make_generator
from .score import LeadSheet

DEFAULT_PROGRESSION = "blues-f"  # what the jazz model plays when no changes are given
# How the pitch head samples when no sampling option is given: temperature 1.1, no top-p, and
# the sounding chord's tones raised by 0.2 (nats) in the pitch logits; every event ends where
# the grid writes a note at the tempo (32nds and sextuplets where they last 100 ms). Chosen
# over the recipe's four tune-disjoint folds (docs/jazz_model.md); rests are never cut.
DEFAULT_PITCH_TEMPERATURE = 1.1
DEFAULT_PITCH_TOP_P: float | None = None
DEFAULT_CHORD_WEIGHT = 0.2
DEFAULT_DURATION_TOP_P: float | None = None  # the duration head's top-p when no option is given
DEFAULT_DURATION_TEMPERATURE = 1.0  # and its temperature
DEFAULT_MIN_STEP = 0.1  # JazzSampling.min_step (seconds)
DEFAULT_ORNAMENTS = False  # JazzSampling.ornaments
DEFAULT_KEEP_PLAN = False  # JazzSampling.keep_plan


@dataclass(frozen=True)
class JazzSampling:
    """Sampling of each head (pitch, duration), the register allowed (MIDI pitches), the lean
    toward chord tones and the position mask (``min_step``)."""

    pitch: SampleConfig = SampleConfig(temperature=DEFAULT_PITCH_TEMPERATURE,
                                       top_p=DEFAULT_PITCH_TOP_P)
    duration: SampleConfig = SampleConfig(temperature=DEFAULT_DURATION_TEMPERATURE,
                                          top_p=DEFAULT_DURATION_TOP_P)
    register: tuple[int, int] | None = None  # default: the model's training register
    seed: int = 0
    chord_weight: float = DEFAULT_CHORD_WEIGHT  # added to chord tones' pitch logits
    # > 0: from a position the grid writes, an event ends only on one it writes at this tempo
    # (32nds and sextuplets where their step lasts this many seconds; 0: anywhere)
    min_step: float = DEFAULT_MIN_STEP
    # with the mask: a note may still start on a fine position it leaves out, as an ornament
    # (the event after it returns to the positions the mask allows within one fine step)
    ornaments: bool = DEFAULT_ORNAMENTS
    # a model with the bar countdown keeps each bar's plan where the grid lets it
    # (``keep_plan_masks``); other models are not affected
    keep_plan: bool = DEFAULT_KEEP_PLAN


def parse_register(text: str) -> tuple[int, int]:
    """``LOW-HIGH`` in MIDI numbers (``55-84``) -> (55, 84); a one-line error otherwise."""
    lo, sep, hi = text.partition("-")
    try:
        low, high = int(lo), int(hi)
    except ValueError:
        raise JazzsoloError(f"expected LOW-HIGH in MIDI numbers (e.g. 52-84), got "
                            f"{text!r}") from None
    return check_register((low, high))


def check_register(register: tuple[int, int]) -> tuple[int, int]:
    """A register (LOW, HIGH) of MIDI pitches spanning at least an octave, else an error."""
    try:
        low, high = (int(v) for v in register)
    except (TypeError, ValueError):
        raise JazzsoloError(f"register must be two MIDI pitches, got {register!r}") from None
    if not 0 <= low < high <= 127 or high - low < 12:
        raise JazzsoloError(f"register needs 0 <= LOW < HIGH <= 127 spanning at least an "
                            f"octave, got {low}-{high}")
    return low, high


def register_of(meta: dict, model: NumpyJazz) -> tuple[int, int]:
    """The model's default register: its training data's 1st-99th percentile pitches."""
    reg = meta.get("register")
    if isinstance(reg, list) and len(reg) == 2 and all(isinstance(v, int) for v in reg):
        return int(reg[0]), int(reg[1])
    return model.config.pitch_low, model.config.pitch_high


def choose_pitch(logits: np.ndarray, config: SampleConfig,
                 generator: np.random.Generator) -> np.ndarray:
    """Pitch-head classes: rest or note is drawn from the whole (temperature-scaled)
    distribution, then the pitch among pitches with the config's top-k / top-p, so that
    truncation never takes rests away. Greedy takes the argmax."""
    if config.strategy == "greedy":
        return choose(logits, config, generator)
    z = logits / config.temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    rest = generator.random(len(z)) < z[:, 0] / z.sum(axis=1)
    only_rest = np.isneginf(logits[:, 1:]).all(axis=1)  # drawn as a rest above, surely
    notes = choose(np.where(only_rest[:, None], 0.0, logits[:, 1:]), config, generator) + 1
    return np.where(rest, 0, notes)


def chord_tones(cfg: JazzConfig, masks: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """1.0 where a pitch-head class is a tone of the sounding chord (never the rest class):
    (batch, n_pitch), from the chord-tone third of the context masks."""
    return class_values(cfg, masks[:, :12], roots)


def ornament_positions(ticks: int, allowed: np.ndarray) -> np.ndarray:
    """Positions inside a beat (``ticks`` booleans) that only an ornament may use: the fine
    patterns' positions that ``allowed`` (the mask at a tempo) leaves out."""
    return GRIDS[ticks].fine_positions() & ~allowed


def end_mask(t: np.ndarray, changes: Changes, allowed: np.ndarray, n_duration: int,
             ornament: np.ndarray | None = None) -> np.ndarray:
    """Where each take's next event may end: (batch, n_duration) booleans for durations 1 to
    ``n_duration`` from its position ``t`` (ticks): on a position inside the beat that
    ``allowed`` marks, or at the end of the changes. With ``ornament`` (the positions only an
    ornament may use: ``ornament_positions``), an event may also end on one of those, and
    from there the next one (a note: see ``generate_events``) returns to an allowed position
    within one fine step: a grace note or a quick turn, never a line drifting off the grid.
    A take on none of these positions (only without the mask can one get there) is not
    masked: it may need an odd step back."""
    steps = np.arange(1, n_duration + 1)
    pos = t % changes.bar_ticks
    here = pos % changes.ticks
    ends = (pos[:, None] + steps[None, :]) % changes.bar_ticks % changes.ticks
    last = t[:, None] + steps[None, :] >= changes.total_ticks
    ok = allowed[ends] | last
    masked = allowed[here]
    if ornament is not None:
        on_it = ornament[here]
        ok |= ornament[ends] & ~on_it[:, None]  # into an ornament, from where the mask allows
        back = steps[None, :] <= GRIDS[changes.ticks].fine_step
        ok &= ~on_it[:, None] | back | last  # and out of it at once
        masked |= on_it
    return ok | ~masked[:, None]


def draw_densities(meta: dict, tempo: float, n_takes: int, seed: int | None) -> np.ndarray:
    """How busy each take is (the density field, one value a take): drawn from the training
    solos' densities at the tempo's bucket (model.json ``density_by_tempo``; its two neighbours
    join a bucket with fewer than 5 solos, the whole table one still empty). Seeded apart from
    the takes' notes; the first take's draw is the same whatever ``n_takes``."""
    counts = density_table(meta)
    b = tempo_bucket(tempo)
    row = counts[b]
    if row.sum() < 5:
        row = counts[max(0, b - 1):b + 2].sum(axis=0)
    if row.sum() <= 0:
        row = counts.sum(axis=0)
    rng = np.random.default_rng([0 if seed is None else seed, 7])
    return rng.choice(len(row), size=n_takes, p=row / row.sum())


def draw_bar_plans(meta: dict, density: np.ndarray, n_bars: int, seed: int | None,
                   ) -> np.ndarray:
    """How many notes each take's bars hold (takes x bars), drawn bar by bar from how the
    training solos of each take's density followed one bar with the next (model.json
    ``bar_plan_counts``; a row of fewer than 5 bars borrows every density's row). Seeded
    apart from the notes and the densities; the first take's plan is the same whatever the
    number of takes."""
    counts = bar_plan_table(meta)
    pooled = counts.sum(axis=0)
    rng = np.random.default_rng([0 if seed is None else seed, 8])
    plans = np.zeros((len(density), n_bars), dtype=np.int64)
    for k, d in enumerate(density):
        prev = counts.shape[1] - 1  # "start"
        for bar in range(n_bars):
            row = counts[d, prev] if counts[d, prev].sum() >= 5 else pooled[prev]
            if row.sum() <= 0:
                row = pooled.sum(axis=0)
            prev = plans[k, bar] = rng.choice(len(row), p=row / row.sum())
    return plans


def keep_plan_masks(t: np.ndarray, left: np.ndarray, bars: np.ndarray, changes: Changes,
                    allowed: np.ndarray | None, n_duration: int,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Durations that keep each take's bar plan: (after a rest, after a note), each
    (batch, n_duration) booleans for durations 1 to ``n_duration`` from ``t`` (ticks). An
    event may end inside its bar only where the onsets left there (``allowed``'s positions;
    None: every tick) can still hold the notes the bar owes (``left`` after a rest, one fewer
    after a note); it may run into a later bar only when its own bar owes nothing, every bar
    it passes is planned empty, and the bar it ends in can still hold its whole plan (``bars``:
    takes x bars), and past the end of the changes only when its bar owes nothing. A plan the
    grid cannot hold asks for as many notes as it can."""
    width, batch = changes.bar_ticks, len(t)
    on_grid = (np.ones(width, dtype=bool) if allowed is None
               else allowed[np.arange(width) % changes.ticks])
    room = np.concatenate([np.cumsum(on_grid[::-1])[::-1], [0]])  # onsets in [x, bar end)
    end = t[:, None] + np.arange(1, n_duration + 1)[None, :]
    bar, end_bar = t // width, end // width
    planned = np.minimum(room[0], np.concatenate(  # a plan past the grid: as many as it holds
        [bars, np.zeros((batch, n_duration // width + 2), bars.dtype)], 1))
    left = np.minimum(left, room[t % width])
    busy = np.concatenate([np.zeros((batch, 1), np.int64), np.cumsum(planned > 0, 1)], 1)
    rows = np.arange(batch)[:, None]
    room_at_end = room[end % width]
    passed_empty = busy[rows, end_bar] == busy[rows, (bar + 1)[:, None]]
    later = (end_bar > bar[:, None]) & passed_empty & (room_at_end >= planned[rows, end_bar])

    def ends(owed: np.ndarray) -> np.ndarray:
        here = (end_bar == bar[:, None]) & (room_at_end >= owed[:, None])
        return here | (later & (owed[:, None] == 0))  # past the end: bars planned empty

    return ends(left), ends(np.maximum(left - 1, 0))


@dataclass(frozen=True)
class TakePlan:
    """What each take is told about itself before it plays, for a model that reads it: how
    busy it is (the density field, one value a take: ``draw_densities``) and, for a bar-plan
    model, how many notes each of its bars holds (takes x bars: ``draw_bar_plans``)."""

    density: np.ndarray
    bars: np.ndarray | None = None


def draw_library_plans(library: PlanLibrary, tempo: float, changes: Changes, n_takes: int,
                       seed: int | None) -> TakePlan:
    """Each take replays the bars of one training solo: drawn among the solos of the tempo's
    bucket (the nearest buckets join while fewer than 5 solos are in reach; of those, the
    solos of the changes' bar length when 5 or more have it), from a random bar of it on,
    wrapping around; the take's density is that solo's. Plans drawn so hold the training
    bars' density and phrase shapes (the bar-to-bar table's draws came out sparser). Seeded
    apart from the notes; the first take's plan is the same whatever ``n_takes``."""
    distance = np.abs(library.tempo - tempo_bucket(tempo))
    reach = np.sort(distance)[min(4, len(distance) - 1)]
    pool = np.nonzero(distance <= reach)[0]
    same = pool[library.bar_ticks[pool] == changes.bar_ticks]
    pool = same if len(same) >= 5 else pool
    rng = np.random.default_rng([0 if seed is None else seed, 9])
    density = np.zeros(n_takes, dtype=np.int64)
    bars = np.zeros((n_takes, changes.n_bars), dtype=np.int64)
    for k in range(n_takes):
        solo = pool[rng.integers(len(pool))]
        counts = library.bars[solo]
        density[k] = library.density[solo]
        bars[k] = np.resize(np.roll(counts, -rng.integers(len(counts))), changes.n_bars)
    return TakePlan(density, bars)


def draw_plan(model: NumpyJazz, meta: dict, changes: Changes, n_takes: int, tempo: float,
              seed: int | None) -> TakePlan | None:
    """The takes' plan (None for a model without the density field): a bar-plan model's
    takes replay its training solos' bars (``draw_library_plans``; a model trained before
    model.json kept them draws bar by bar from its table instead)."""
    if not model.config.density:
        return None
    library = plan_library(meta) if model.config.bar_plan else None
    if library is not None:
        return draw_library_plans(library, tempo, changes, n_takes, seed)
    density = draw_densities(meta, tempo, n_takes, seed)
    bars = draw_bar_plans(meta, density, changes.n_bars, seed) if model.config.bar_plan else None
    return TakePlan(density, bars)


def generate_events(model: NumpyJazz, changes: Changes, n_takes: int,
                    sampling: JazzSampling, tempo: float = 130.0, player: int = 0,
                    plan: TakePlan | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Sample ``n_takes`` event streams over ``changes`` at ``tempo`` as ``player`` (the
    model's index, 0: any), each take told its ``plan`` (``draw_plan``; for a model that
    reads it) in one batch, inside ``sampling.register`` (None: the model's whole pitch
    range); returns (pitches, durations) per take in ticks of the model's grid, covering
    exactly ``changes.at(model.config.ticks).total_ticks``."""
    cfg = model.config
    register = sampling.register or (cfg.pitch_low, cfg.pitch_high)
    changes = changes.at(cfg.ticks)
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
    positions = (GRIDS[cfg.ticks].positions_at(tempo, sampling.min_step)
                 if sampling.min_step > 0 and tempo > 0 else None)
    ornament = (ornament_positions(cfg.ticks, positions)
                if positions is not None and sampling.ornaments else None)
    phrase = (PhraseCounter(n_takes, changes.n_bars, changes.bar_ticks, cfg.ticks)
              if cfg.phrase or cfg.bar_left else None)  # only these models read its counts
    phrase_cols = [CONTEXT_FIELDS.index(f) for f in PHRASE_FIELDS]
    keep = (sampling.keep_plan and cfg.bar_left and plan is not None and plan.bars is not None)
    left = np.zeros(n_takes, dtype=np.int64)
    while (live := t < total).any():
        ctx, masks, roots = context_at(changes, np.minimum(t, total - 1), tempo, player)
        if cfg.phrase:
            ctx[:, phrase_cols] = phrase.columns(np.minimum(t, total - 1))
        if plan is not None:
            ctx[:, CONTEXT_FIELDS.index("density")] = plan.density
            if plan.bars is not None:
                take, bar = np.arange(n_takes), np.minimum(t, total - 1) // changes.bar_ticks
                ctx[:, CONTEXT_FIELDS.index("bar_plan")] = plan.bars[take, bar]
                if cfg.bar_left:  # the plan counted down by the notes played in the bar
                    left = np.maximum(0, plan.bars[take, bar] - phrase.counts[take, bar])
                    ctx[:, CONTEXT_FIELDS.index("bar_left")] = left
        prev = prev_tokens(prev_p, prev_d, roots, cfg.n_duration)
        if first:
            prev[:, :2], prev[:, 2] = BOS, 12
            first = False
        logits, hidden, state = model.step(np.concatenate([prev, ctx], axis=1), masks, state)
        allowed = cfg.pitch_of(classes[None, :], roots[:, None])
        ok = (classes[None, :] == 0) | ((allowed >= register[0]) & (allowed <= register[1]))
        logits = np.where(ok, logits, -np.inf)
        if sampling.chord_weight:
            logits = logits + sampling.chord_weight * chord_tones(cfg, masks, roots)
        ends = (end_mask(t, changes, positions, cfg.n_duration, ornament)
                if positions is not None else np.ones((n_takes, cfg.n_duration), dtype=bool))
        on_it = (ornament[t % changes.bar_ticks % changes.ticks] if ornament is not None
                 else np.zeros(n_takes, dtype=bool))
        if keep:  # a rest where the bar owes nothing, a note where a rest would break the plan
            rest_ends, note_ends = keep_plan_masks(np.minimum(t, total - 1), left, plan.bars,
                                                   changes, positions, cfg.n_duration)
            can_rest, can_note = (rest_ends & ends).any(1), (note_ends & ends).any(1)
            logits[(left == 0) & can_rest & ~on_it, 1:] = -np.inf
            logits[(left > 0) & can_note & ~can_rest, 0] = -np.inf
        logits[on_it, 0] = -np.inf  # an event on an ornament's position is a note
        p_idx = choose_pitch(logits, sampling.pitch, generator)
        d_logits = model.duration_logits(hidden, p_idx)
        if keep:  # keep the plan where some duration can; else the grid's ends alone
            kept = ends & np.where(p_idx[:, None] == 0, rest_ends, note_ends)
            ends = np.where(kept.any(1, keepdims=True), kept, ends)
        if positions is not None or keep:  # end only where the grid writes a note at this tempo
            d_logits = np.where(ends, d_logits, -np.inf)
        d_idx = choose(d_logits, sampling.duration, generator)
        p = cfg.pitch_of(p_idx, roots)
        d = np.clip(d_idx + 1, 1, cfg.n_duration)
        for k in np.nonzero(live)[0]:
            pitches[k].append(int(p[k]))
            durs[k].append(int(d[k]))
        if phrase is not None:
            phrase.played(p, d, t, live)
        t = np.where(live, t + d, t)
        prev_p, prev_d = np.where(live, p, prev_p), np.where(live, d, prev_d)
    return [(np.array(pitches[k]), np.array(durs[k])) for k in range(n_takes)]


def generate_jazz_solos(model: NumpyJazz, meta: dict, changes: Changes, n_takes: int = 1,
                        sampling: JazzSampling | None = None, tempo: float = 130.0,
                        player: str | None = None) -> list[LeadSheet]:
    """``n_takes`` solos over ``changes`` as lead sheets (batched; same seed, same solos),
    played as ``player`` (one of the model's players; None: any player)."""
    sampling = sampling or JazzSampling()
    if n_takes < 1:
        raise JazzsoloError(f"--num-outputs must be at least 1, got {n_takes}")
    sampling = replace(sampling, register=sampling.register or register_of(meta, model))
    index = find_player(model.config, player) if player is not None else 0
    changes = changes.at(model.config.ticks)
    plan = draw_plan(model, meta, changes, n_takes, tempo, sampling.seed)
    streams = generate_events(model, changes, n_takes, sampling, tempo, index, plan)
    return [decode(p, d, changes, tempo=tempo, name=f"solo {k + 1}")
            for k, (p, d) in enumerate(streams)]


def _plain(name: str) -> str:
    """A name as ``player_named`` compares it: lower case, letters and digits only."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def player_named(players: Sequence[str], name: str) -> str | None:
    """The one of ``players`` that ``name`` means, matched without case, spaces or
    punctuation ("sonny rollins" finds SonnyRollins); None if none."""
    wanted = _plain(name)
    return next((known for known in players if _plain(known) == wanted), None)


def find_player(config: JazzConfig, name: str) -> int:
    """The player field's value for a player's name (``player_named``); a name the model does
    not know is an error that says how many it knows and where they are listed."""
    known = player_named(config.players, name)
    if known is not None:
        return config.players.index(known) + 1
    if not config.players:
        raise RequestError("player", "this model does not know players (trained without the "
                                     "player field); leave player out")
    raise RequestError("player", f"{name!r} is not one of this model's {len(config.players)} "
                                 "players (jazzsolo models lists them)")


def file_piece(path: str | os.PathLike[str]) -> LeadSheet:
    """A MIDI file or WJazzD melody CSV as a lead sheet, read once per content: generate asks
    it for both the changes and the tempo (the sheet is shared: do not change it)."""
    from pathlib import Path

    try:
        st = Path(path).stat()
    except OSError:
        st = None  # read_piece names the problem
    return _read_piece(str(path), (st.st_mtime_ns, st.st_size) if st else None)


@lru_cache(maxsize=4)
def _read_piece(path: str, stamp: tuple[int, int] | None) -> LeadSheet:
    from pathlib import Path

    from .corpus import CorpusOptions, read_piece

    return read_piece(Path(path), CorpusOptions())


def changes_from_file(path: str | os.PathLike[str]) -> Changes:
    """The changes of a MIDI file (chord markers, else named from its accompaniment) or of a
    WJazzD melody CSV, from its first bar to its last."""
    from .events import changes_of

    changes = changes_of(file_piece(path))
    if not changes.symbols:
        raise JazzsoloError(f"{path}: no chords found to play over")
    return changes


def file_tempo(path: str | os.PathLike[str]) -> float:
    """The tempo (quarter notes a minute) of a MIDI file or WJazzD melody CSV, rounded to a
    tenth and kept within 40-400."""
    return float(min(400.0, max(40.0, round(file_piece(path).tempo, 1))))


def default_jazz_dir() -> str:
    """The bundled jazz model's directory."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "pretrained" / "jazz")



def is_jazz_model(directory: str | os.PathLike[str]) -> bool:
    """True when a model directory's model.json declares the jazz format."""
    from .models.jazz_format import FORMAT, format_of

    return format_of(directory) == FORMAT


def file_changes(path: str | os.PathLike[str], choruses: int = 1) -> Changes:
    """The changes of a file (see ``changes_from_file``), played ``choruses`` times."""
    one = changes_from_file(path)
    return Changes(tuple(s + j * one.total_ticks for j in range(choruses) for s in one.starts),
                   one.symbols * choruses, one.bar_ticks, one.n_bars * choruses,
                   one.beats_per_bar, one.beat_unit, one.ticks)


def request_sampling(request: object) -> JazzSampling:
    """How a request's takes are sampled by a jazz model: what it asks for, or, when it gives
    no sampling option at all, the heads' tuned defaults (the web page shows this too)."""
    r: Any = request
    pitch = (r.pitch_sampling or r.sampling).config(r.seed)
    duration = (r.duration_sampling or r.sampling).config(r.seed)
    min_step = 0.0
    if r.sampling == type(r.sampling)():  # no option for both heads given
        if r.pitch_sampling is None:
            pitch = replace(pitch, temperature=DEFAULT_PITCH_TEMPERATURE,
                            top_p=DEFAULT_PITCH_TOP_P)
        if r.duration_sampling is None:
            duration = replace(duration, temperature=DEFAULT_DURATION_TEMPERATURE,
                               top_p=DEFAULT_DURATION_TOP_P)
            min_step = DEFAULT_MIN_STEP
    weight = DEFAULT_CHORD_WEIGHT if r.chord_weight is None else float(r.chord_weight)
    ornaments = DEFAULT_ORNAMENTS if r.ornaments is None else r.ornaments
    keep = DEFAULT_KEEP_PLAN if r.keep_plan is None else r.keep_plan
    return JazzSampling(pitch, duration, r.register, r.seed, weight, min_step,
                        ornaments and min_step > 0, keep)


def generate_for_request(request: object, directory: str | os.PathLike[str],
                         changes: Changes) -> list[LeadSheet]:
    """Improvise ``request.n_outputs`` takes over ``changes`` with the jazz model in
    ``directory`` (one batch), with a walking bass when the request asks for one."""
    from .band.bass import walking_bass_for
    from .models.jazz_format import load_jazz_for_inference
    from .score import Chord

    r: Any = request
    if r.mode != "fill":
        from .errors import RequestError

        raise RequestError("mode", "mode 'course' is the classic exercise's loop (use the "
                                   "classic model)")
    model, meta = load_jazz_for_inference(directory, np.float32)
    if r.keep_plan and not model.config.bar_left:
        from .errors import RequestError

        raise RequestError("keep_plan", "this model has no bar plan to keep (only a model "
                                        "trained with --bar-left has one)")
    sheets = generate_jazz_solos(model, meta, changes, r.n_outputs, request_sampling(r), r.tempo,
                                 r.player)
    if r.band.bass:
        length = changes.bar_ticks / changes.ticks
        for k, sheet in enumerate(sheets):
            bars: list[list[Chord]] = [[] for _ in range(changes.n_bars)]
            for c in sheet.chords:
                b = int(c.start // length + 1e-9)
                bars[b].append(Chord(c.start - b * length, c.duration, c.pitches, c.symbol))
            sheet.bass = walking_bass_for(bars, length, r.seed + k)
    return sheets


def bundled_models() -> list[dict]:
    """The models shipped with jazzsolo, the default first: name, format, directory, what each
    learned from, and the players it knows by name (``generate --player``); each model.json
    read once."""
    from .models import DEFAULT_MODEL
    from .models import bundled_models as shipped
    from .models.jazz_format import model_json, players_in

    out = []
    for m in shipped():
        doc = model_json(m.directory)
        out.append({"name": m.name, "format": doc.get("format"), "dir": str(m.directory),
                    "trained_on": m.trained_on, "default": m.name == DEFAULT_MODEL,
                    "players": players_in(doc)})
    return out


def model_players(directory: str | os.PathLike[str]) -> list[str]:
    """The players a model directory's model.json names ([] for a classic model, a model
    trained without the player field, or an unreadable file)."""
    from .models.jazz_format import model_json, players_in

    return players_in(model_json(directory))
