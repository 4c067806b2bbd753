"""The classic value grammar: each note or rest of a measure becomes ``TYPE,DURATION[,<UP,LOW>]``.

TYPE is judged against the chord sounding at the note (R rest, C chord tone, S scale tone,
A approach tone, X other); DURATION is the element's length in quarter notes with three
decimals; ``<UP,LOW>`` is the spelled interval from the previous note of the measure plus and
minus a minor third (SPEC A2). ``decode`` turns values back into notes over chords (SPEC A6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .score import Chord, Note
from .theory import classic_note_type, interval_bounds, spell_midi


@dataclass(frozen=True)
class Value:
    """A parsed grammar value."""

    type: str
    duration: float
    upper: str | None = None
    lower: str | None = None

    def __str__(self) -> str:
        text = f"{self.type},{self.duration:.3f}"
        if self.upper is not None:
            text += f",<{self.upper},{self.lower}>"
        return text


def parse_value(text: str) -> Value:
    """Parse ``S,0.250,<m2,P-4>`` (or ``C,0.25`` / ``R,0.083``) into a :class:`Value`."""
    head, _, bounds = text.partition(",<")
    parts = head.split(",")
    if len(parts) != 2 or parts[0] not in {"R", "C", "S", "A", "X"}:
        raise ValueError(f"not a grammar value: {text!r}")
    duration = float(parts[1])
    if not bounds:
        return Value(parts[0], duration)
    upper, sep, lower = bounds.rstrip(">").partition(",")
    if not sep:
        raise ValueError(f"not a grammar value: {text!r}")
    return Value(parts[0], duration, upper, lower)


def format_duration(quarters: float) -> str:
    return f"{quarters:.3f}"


def classic_measure_values(elements: Sequence[Note], chords: Sequence[Chord]) -> list[str]:
    """Values of one measure exactly as the classic grammar writes them.

    ``elements`` are the measure's notes and explicit rests in order; ``chords`` the measure's
    chord group in order (their pitch order matters to the classic root finding). A note
    before the group's first chord is judged against that first chord.
    """
    spelled = [tuple(spell_midi(p) for p in c.pitches) for c in chords]
    values: list[str] = []
    previous: int | None = None
    for element in elements:
        if element.pitch is None:
            values.append(f"R,{format_duration(element.duration)}")
            continue
        chord = spelled[0]
        for c, pitches in zip(chords, spelled, strict=True):
            if c.start <= element.start + 1e-9:
                chord = pitches
        text = f"{classic_note_type(element.pitch, chord)},{format_duration(element.duration)}"
        if previous is not None:
            upper, lower = interval_bounds(previous, element.pitch)
            text += f",<{upper},{lower}>"
        previous = element.pitch
        values.append(text)
    return values


def _groups_by_bar(items: Sequence[Note] | Sequence[Chord]) -> list[list]:
    """Consecutive runs of items whose ``int(start / 4)`` is equal (the classic grouping)."""
    groups: list[list] = []
    last_key = None
    for item in items:
        key = int(item.start / 4)
        if not groups or key != last_key:
            groups.append([])
            last_key = key
        groups[-1].append(item)
    return groups


@dataclass(frozen=True)
class ClassicGrammar:
    """The classic grammar of a solo window: value lines per measure, and the chord groups."""

    measures: list[list[str]]
    chord_groups: list[list[Chord]]
    melody_groups: list[list[Note]]

    @property
    def n_chords(self) -> int:
        """The classic chord count: its groups plus the header group of offset-0 meta events."""
        return len(self.chord_groups) + 1


def classic_grammar(melody: Sequence[Note], chords: Sequence[Chord]) -> ClassicGrammar:
    """Group a classic window by 4-quarter measures and encode each measure (SPEC A1-A2).

    The classic code groups consecutive elements by ``int(offset / 4)``, drops the final chord
    group, and pairs melody and chord groups by their order. Its group 0 holds only the meta
    events it put at offset 0; melody or chords of the first four quarters of the piece fall
    into it and are skipped, as there.
    """
    mel_groups = [g for g in _groups_by_bar(melody) if int(g[0].start / 4) != 0]
    chord_groups = [g for g in _groups_by_bar(chords) if int(g[0].start / 4) != 0][:-1]
    if len(chord_groups) < len(mel_groups):
        raise ValueError(
            f"the window has {len(mel_groups)} measures of melody but only "
            f"{len(chord_groups)} measures with chords (the classic mode needs a chord in "
            "every measure)"
        )
    measures = [
        classic_measure_values(mel, ch) for mel, ch in zip(mel_groups, chord_groups, strict=False)
    ]
    return ClassicGrammar(measures, chord_groups, mel_groups)
