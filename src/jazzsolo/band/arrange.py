"""Put a band behind a solo: one call from the changes, the solo and the options to named parts
(solo, piano, bass, drums), each with its General MIDI program and channel, and to MIDI.

Time in the result: ``count_in`` bars of sticks, then ``intro`` bars of the band alone playing
the last bars of the form, then the solo's bar 0; everything the caller gave is shifted by
exactly ``lead_bars * bar`` quarter notes, then swung. With ``ending`` the band ends together on
the form's first chord after the last bar (one more bar, marked ``Fine``).
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jazzsolo.chords import ChordSymbol
from jazzsolo.errors import JazzsoloError
from jazzsolo.score import Chord, LeadSheet, Note

if TYPE_CHECKING:  # pragma: no cover - typing only
    from jazzsolo.request import BandOptions

from .bass import HIGH as BASS_HIGH
from .bass import LOW as BASS_LOW
from .bass import bass_part
from .changes import symbol_of, timeline
from .comping import comp_part, lead_voicing
from .drums import drum_part
from .feel import shape_solo, swing_notes
from .options import resolve
from .styles import BRUSH_SWIRL, CRASH, KICK, Style

PIANO_PROGRAM, BASS_PROGRAM, DRUM_CHANNEL = 0, 32, 9
FINE = "Fine"  # the marker on the ending bar (re-arranging a file stops there)
_PAN = {"solo": 64, "piano": 46, "bass": 60, "drums": 80}


@dataclass(frozen=True)
class Part:
    """One player: the part's name, track title, GM program, MIDI channel (0-based; 9 = drums),
    volume (an amplitude factor, see :func:`channel_volume`) and notes in quarter notes."""

    name: str
    title: str
    program: int
    channel: int
    volume: float
    notes: list[Note] = field(default_factory=list)

    @property
    def is_drum(self) -> bool:
        return self.channel == DRUM_CHANNEL


@dataclass(frozen=True)
class Arrangement:
    """The band's result: parts, the chords as played (for markers), meter, tempo, lead-in."""

    parts: list[Part]
    chords: list[Chord]
    beats_per_bar: int
    tempo: float
    lead_bars: int
    n_bars: int
    form_bars: int
    fine: float | None = None  # where the ending bar starts (with ``ending``)

    def part(self, name: str) -> Part:
        """The part called ``name`` (solo, piano, bass, drums)."""
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(name)


def form_length(chords: Sequence[Chord], n_bars: int, beats: int) -> int:
    """The shortest number of bars after which the changes repeat (n_bars if they never do)."""
    per_bar: list[list[tuple[float, str | None]]] = [[] for _ in range(n_bars)]
    for c in chords:
        b = int(c.start // beats + 1e-9)
        if 0 <= b < n_bars:
            per_bar[b].append((round(c.start - b * beats, 6), c.symbol))
    for p in range(1, n_bars):
        if n_bars % p == 0 and all(per_bar[i] == per_bar[i + p] for i in range(n_bars - p)):
            return p
    return max(1, n_bars)


def _with_intro(chords: Sequence[Chord], form: int, intro: int, lead: int,
                beats: int) -> list[Chord]:  # fmt: skip
    """The chords shifted by ``lead`` bars, preceded by the form's last ``intro`` bars."""
    out = []
    for i in range(intro):
        src = (form - intro + i) % form
        for c in chords:
            if src * beats - 1e-9 <= c.start < (src + 1) * beats - 1e-9:
                shift = (lead - intro + i - src) * beats
                out.append(Chord(c.start + shift, c.duration, c.pitches, c.symbol))
    out += [Chord(c.start + lead * beats, c.duration, c.pitches, c.symbol) for c in chords]
    return out


@dataclass(frozen=True)
class Form:
    """The piece the band plays: quarter-note beats a bar, tempo, bars in all (None: to the end
    of the chords and solo) and in one chorus (None: where the changes repeat)."""

    beats_per_bar: int = 4
    tempo: float = 120.0
    n_bars: int | None = None
    form_bars: int | None = None


def arrange(
    chords: Sequence[Chord],
    solo: Sequence[Note],
    options: BandOptions,
    piece: Form | None = None,
    seed: int = 0,
) -> Arrangement:
    """A band behind ``solo`` over ``chords`` (times in quarters from the solo's bar 0; chords
    named by symbol or by pitches), in the meter and tempo of ``piece``. The same arguments
    give the same notes."""
    band = resolve(options)
    style = band.style
    piece = piece or Form()
    beats, tempo = int(piece.beats_per_bar), piece.tempo
    n_bars, form_bars = piece.n_bars, piece.form_bars
    if style.meter is not None and beats != style.meter:
        raise JazzsoloError(f"--style {style.name} plays {style.meter} beats a bar; these "
                            f"changes have {beats}")
    if not chords:
        raise JazzsoloError("the band needs chords to play (none given)")
    ends = [c.end for c in chords] + [n.end for n in solo]
    total = n_bars if n_bars is not None else math.ceil(max(ends) / beats - 1e-9)
    form = form_bars or form_length(chords, total, beats)
    lead = band.lead_bars
    bars = total + lead
    played = _with_intro(chords, form, band.intro, lead, beats)
    ending = 1 if band.ending else 0
    if ending:  # the band ends on the form's first chord
        first = min(chords, key=lambda c: c.start)
        played.append(Chord(float(bars * beats), float(beats), first.pitches, first.symbol))
    timed = timeline(played, float((bars + ending) * beats), float(beats))
    swing = band.swing
    rngs = [random.Random(seed * 7919 + k) for k in range(5)]

    shifted = [Note(n.start + lead * beats, n.duration, n.pitch, n.velocity)
               for n in solo if n.pitch is not None]
    starts = {lead + k * form for k in range(math.ceil(total / form))}
    if ending:
        starts.add(bars)  # a fill into the ending, and its crash
    two_feel = set(range(lead, lead + form)) if band.two_feel else set()
    parts_notes = {
        "solo": shape_solo(shifted, rngs[0]),
        "piano": comp_part(style, timed, bars, beats, band.count_in, rngs[1]),
        "bass": bass_part(style.bass, timed, bars, beats, band.count_in, two_feel, rngs[2]),
        "drums": drum_part(style, bars, beats, starts, band.count_in, rngs[3]),
    }
    if ending:
        for name, notes in _ending(style, timed[-1].symbol, bars * beats, beats,
                                   parts_notes["bass"]).items():
            parts_notes[name] += notes
    programs = {"solo": band.program, "piano": PIANO_PROGRAM, "bass": BASS_PROGRAM,
                "drums": style.kit}
    parts = []
    for channel, name in enumerate(("solo", "piano", "bass", "drums")):
        volume = band.mix[name]
        notes = swing_notes(parts_notes[name], swing) if volume > 0 else []
        parts.append(Part(name, name.capitalize(), programs[name],
                          DRUM_CHANNEL if name == "drums" else channel, volume, notes))
    return Arrangement(parts, played, beats, float(tempo), lead, bars + ending, form,
                       float(bars * beats) if ending else None)


def _ending(style: Style, symbol: ChordSymbol, t: float, beats: int,
            bass: Sequence[Note]) -> dict[str, list[Note]]:  # fmt: skip
    """The last bar: piano, bass and a crash (brushes: a swirl) together on its downbeat,
    held for up to two beats; nothing when the form starts without a chord."""
    if symbol.quality == "none":
        return {}
    hold = min(2.0, 0.6 * beats)
    ref = bass[-1].pitch if bass and bass[-1].pitch is not None else BASS_LOW + 12
    root = min((p for p in range(BASS_LOW, BASS_HIGH + 1) if p % 12 == symbol.bass),
               key=lambda p: (abs(p - ref), p))
    cymbal = BRUSH_SWIRL if style.drummer == "brushes" else CRASH
    return {
        "piano": [Note(t, hold, p, 84) for p in lead_voicing(symbol, None)],
        "bass": [Note(t, hold, root, 84)],
        "drums": [Note(t, hold, cymbal, 90), Note(t, 0.25, KICK, 80)],
    }


def arrange_sheet(sheet: LeadSheet, options: BandOptions, form_bars: int | None = None,
                  seed: int = 0) -> Arrangement:  # fmt: skip
    """:func:`arrange` for a generated lead sheet (its chords, melody, meter and tempo)."""
    piece = Form(round(sheet.bar_length), sheet.tempo, sheet.bar_count(), form_bars)
    return arrange(sheet.chords, sheet.melody, options, piece, seed)


def channel_volume(volume: float) -> int:
    """CC 7 for a part volume: amplitude follows ``volume`` (GM gain is CC 7 squared), 1.0 is
    the GM default of 100."""
    return min(127, round(100 * math.sqrt(max(0.0, volume))))


def arrange_sheets(sheets: Sequence[LeadSheet], options: BandOptions, choruses: int = 1,
                   seed: int = 0) -> list[Arrangement]:  # fmt: skip
    """The band behind each generated solo (solo k with seed ``seed + k``), a chorus being
    ``bars / choruses``."""
    return [arrange_sheet(s, options, max(1, s.bar_count() // choruses), seed + k)
            for k, s in enumerate(sheets)]


def to_score(arrangement: Arrangement, tpq: int = 480) -> Any:
    """A symusic Score: one named track per part (program, volume CC 7, pan CC 10), a marker
    at each chord change, tempo and meter."""
    import symusic

    def ticks(q: float) -> int:
        return int(round(q * tpq))

    score = symusic.Score(tpq)
    score.tempos.append(symusic.Tempo(0, arrangement.tempo))
    score.time_signatures.append(symusic.TimeSignature(0, arrangement.beats_per_bar, 4))
    last = None
    for c in sorted(arrangement.chords, key=lambda c: c.start):
        name = c.symbol
        if not name:  # a chord known by its pitches only (a model's own changes)
            symbol = symbol_of(c)
            name = symbol.name if symbol.quality != "none" else None
        if name and name != last:
            score.markers.append(symusic.TextMeta(ticks(c.start), name))
        last = name
    if arrangement.fine is not None:
        score.markers.append(symusic.TextMeta(ticks(arrangement.fine), FINE))
    for part in arrangement.parts:
        track = symusic.Track(part.title, part.program, part.is_drum)
        track.controls.append(symusic.ControlChange(0, 7, channel_volume(part.volume)))
        track.controls.append(symusic.ControlChange(0, 10, _PAN[part.name]))
        for n in part.notes:
            track.notes.append(symusic.Note(ticks(n.start), max(1, ticks(n.duration)),
                                            int(n.pitch or 0), n.velocity))
        score.tracks.append(track)
    return score


def write_arrangement(arrangement: Arrangement, path: str | os.PathLike[str]) -> None:
    """Write the arrangement as a MIDI file, atomically."""
    from jazzsolo.io import atomic_output

    score = to_score(arrangement)
    with atomic_output(path) as tmp:
        score.dump_midi(str(tmp))
