"""Music theory as pure functions: spelled pitches, spelled intervals, chord analysis, scales.

The classic grammar compares *spelled* note names (``E-`` is not ``D#``), so pitches here carry a
letter and an accidental, not just a MIDI number. Spellings of MIDI numbers follow the classic
parse (C C# D E- E F F# G G# A B- B). Everything is cached and free of I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Pitch-class names, the one table: sharps, flats, and the lead-sheet habit (flats, but F#).
SHARP_NAMES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES: tuple[str, ...] = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
PC_NAMES: tuple[str, ...] = FLAT_NAMES[:6] + ("F#",) + FLAT_NAMES[7:]

LETTERS = "CDEFGAB"
LETTER_SEMITONES = (0, 2, 4, 5, 7, 9, 11)
# How the classic parse spells each pitch class: (letter index, alteration).
CLASSIC_SPELLING = (
    (0, 0), (0, 1), (1, 0), (2, -1), (2, 0), (3, 0),
    (3, 1), (4, 0), (4, 1), (5, 0), (6, -1), (6, 0),
)  # fmt: skip


@dataclass(frozen=True, order=True)
class Pitch:
    """A spelled pitch: letter index (0 = C .. 6 = B), alteration in semitones, octave."""

    letter: int
    alter: int
    octave: int

    @property
    def midi(self) -> int:
        return (self.octave + 1) * 12 + LETTER_SEMITONES[self.letter] + self.alter

    @property
    def pitch_class(self) -> int:
        return self.midi % 12

    @property
    def diatonic(self) -> int:
        """Diatonic step number: counts letters, so C4 -> D-4 is one step."""
        return self.octave * 7 + self.letter

    @property
    def name(self) -> str:
        """The name without octave, written as the classic code writes it (``E-``, ``F#``)."""
        return LETTERS[self.letter] + ("#" * self.alter if self.alter > 0 else "-" * -self.alter)

    def __str__(self) -> str:
        return f"{self.name}{self.octave}"


def note_name(midi: int) -> str:
    """A MIDI number as a lead-sheet note name with its octave (60 -> ``C4``, 61 -> ``Db4``)."""
    return f"{PC_NAMES[midi % 12]}{midi // 12 - 1}"


def is_approach(pc: int, chord_pcs: Iterable[int]) -> bool:
    """True when pitch class ``pc`` lies a semitone from a chord tone (the grammar's approach
    tone, A, unless it is a chord or scale tone itself)."""
    return any((c - pc) % 12 in (1, 11) for c in chord_pcs)


@lru_cache(maxsize=256)
def spell_midi(midi: int) -> Pitch:
    """Spell a MIDI number as the classic parse does (sharps for C# F# G#, flats for E- B-)."""
    letter, alter = CLASSIC_SPELLING[midi % 12]
    return Pitch(letter, alter, midi // 12 - 1)


def pitch_from_steps(diatonic: int, midi: int) -> Pitch:
    """The pitch with a given diatonic step number and MIDI number (its accidental follows)."""
    octave, letter = divmod(diatonic, 7)
    alter = midi - ((octave + 1) * 12 + LETTER_SEMITONES[letter])
    return Pitch(letter, alter, octave)


# ---------------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Interval:
    """A spelled interval: signed diatonic steps (letters) and signed semitones."""

    steps: int
    semitones: int

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.steps + other.steps, self.semitones + other.semitones)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.steps - other.steps, self.semitones - other.semitones)

    @property
    def directed_name(self) -> str:
        return interval_name(self.steps, self.semitones)


MINOR_THIRD = Interval(2, 3)
_PERFECT_NUMBERS = {0, 3, 4}  # unison, fourth, fifth (0-based simple steps)


@lru_cache(maxsize=4096)
def interval_name(steps: int, semitones: int) -> str:
    """Directed interval name such as ``m2``, ``P-4``, ``d-5``, ``dd5``, ``A1`` or ``P11``.

    Descending intervals (fewer letters) carry a minus sign; unisons never do. The quality is
    judged on the interval's size in its own direction, so ``(0, -1)`` is ``d1``.
    """
    size = abs(steps)
    semis = -semitones if steps < 0 else semitones
    octaves, simple = divmod(size, 7)
    reference = LETTER_SEMITONES[simple] + 12 * octaves
    diff = semis - reference
    if simple in _PERFECT_NUMBERS:
        if diff == 0:
            quality = "P"
        elif diff > 0:
            quality = "A" * diff
        else:
            quality = "d" * -diff
    else:
        if diff == 0:
            quality = "M"
        elif diff == -1:
            quality = "m"
        elif diff > 0:
            quality = "A" * diff
        else:
            quality = "d" * (-diff - 1)
    sign = "-" if steps < 0 else ""
    return f"{quality}{sign}{size + 1}"


_QUALITY_OFFSETS = {"P": 0, "M": 0, "m": -1}


@lru_cache(maxsize=4096)
def parse_interval(name: str) -> Interval:
    """Inverse of :func:`interval_name`: ``"m-3"`` -> Interval(-2, -3)."""
    i = 0
    while i < len(name) and name[i] in "PMmAd":
        i += 1
    quality, rest = name[:i], name[i:]
    descending = rest.startswith("-")
    number = int(rest.lstrip("-"))
    if not quality or number < 1:
        raise ValueError(f"not an interval name: {name!r}")
    size = number - 1
    octaves, simple = divmod(size, 7)
    reference = LETTER_SEMITONES[simple] + 12 * octaves
    perfect = simple in _PERFECT_NUMBERS
    if quality in _QUALITY_OFFSETS:
        if (quality == "P") != perfect:
            raise ValueError(f"not an interval name: {name!r}")
        diff = _QUALITY_OFFSETS[quality]
    elif set(quality) == {"A"}:
        diff = len(quality)
    elif set(quality) == {"d"}:
        diff = -len(quality) - (0 if perfect else 1)
    else:
        raise ValueError(f"not an interval name: {name!r}")
    semis = reference + diff
    if descending:
        return Interval(-size, -semis)
    return Interval(size, semis)


def interval_between(start: Pitch, end: Pitch) -> Interval:
    """The spelled interval from one pitch to another."""
    return Interval(end.diatonic - start.diatonic, end.midi - start.midi)


def transpose(p: Pitch, iv: Interval) -> Pitch:
    """Move a pitch by a spelled interval, keeping the spelling the interval implies."""
    return pitch_from_steps(p.diatonic + iv.steps, p.midi + iv.semitones)


@lru_cache(maxsize=4096)
def interval_bounds(start_midi: int, end_midi: int) -> tuple[str, str]:
    """The classic ``<UPPER,LOWER>`` pair: the interval between two notes, plus and minus a m3."""
    iv = interval_between(spell_midi(start_midi), spell_midi(end_midi))
    return (iv + MINOR_THIRD).directed_name, (iv - MINOR_THIRD).directed_name


# ------------------------------------------------------------------------ chord analysis


def _chord_step(pitches: tuple[Pitch, ...], root: Pitch, step: int) -> Pitch | None:
    """The first pitch that lies ``step`` letters above the root (3 = third), as written."""
    for p in pitches:
        if (p.diatonic - root.diatonic) % 7 + 1 == step:
            return p
    return None


def chord_root(pitches: tuple[Pitch, ...]) -> Pitch:
    """Root of a chord by stacked thirds, as the classic analysis finds it.

    A pitch with a third, fifth, ... above it (as many as the chord has other letters) wins at
    once; otherwise the pitch scoring highest for thirds, fifths, sevenths, seconds, fourths and
    sixths above it (weighted 1/6, 1/7, ...; first one on ties).
    """
    if not pitches:
        raise ValueError("a chord with no pitches has no root")
    seen: set[int] = set()
    distinct: list[Pitch] = []
    for p in pitches:
        if p.letter not in seen:
            seen.add(p.letter)
            distinct.append(p)
    if len(distinct) == 1:
        return pitches[0]
    ordered_steps = (3, 5, 7, 2, 4, 6)
    wanted = ordered_steps[: len(distinct) - 1]
    for p in distinct:
        if all(_chord_step(pitches, p, s) is not None for s in wanted):
            return p
    scores = [
        sum(1 / (i + 6) for i, s in enumerate(ordered_steps) if _chord_step(pitches, p, s))
        for p in distinct
    ]
    return distinct[scores.index(max(scores))]


def _semitones_above(root: Pitch, p: Pitch) -> int:
    return (p.midi - root.midi) % 12


def _has_repeated_step(pitches: tuple[Pitch, ...], root: Pitch, step: int) -> bool:
    first = _chord_step(pitches, root, step)
    if first is None:
        return False
    reference = _semitones_above(root, first)
    return any(
        (p.diatonic - root.diatonic) % 7 + 1 == step and _semitones_above(root, p) != reference
        for p in pitches
    )


@lru_cache(maxsize=4096)
def chord_quality(pitches: tuple[Pitch, ...]) -> str:
    """Triad quality of a chord: 'major', 'minor', 'diminished', 'augmented' or 'other'.

    Judged from the third and fifth above the root; a missing fifth still gives major or
    minor; two different thirds (or roots, or fifths) give 'other'.
    """
    if not pitches:
        return "other"
    root = chord_root(pitches)
    third_p = _chord_step(pitches, root, 3)
    if third_p is None:
        return "other"
    third = _semitones_above(root, third_p)
    if _has_repeated_step(pitches, root, 1) or _has_repeated_step(pitches, root, 3):
        return "other"
    fifth_p = _chord_step(pitches, root, 5)
    if fifth_p is None:
        return {4: "major", 3: "minor"}.get(third, "other")
    if _has_repeated_step(pitches, root, 5):
        return "other"
    fifth = _semitones_above(root, fifth_p)
    return {(4, 7): "major", (3, 7): "minor", (4, 8): "augmented", (3, 6): "diminished"}.get(
        (third, fifth), "other"
    )


# ------------------------------------------------------------------------------- scales

MAJOR_STEPS = (Interval(1, 2), Interval(1, 2), Interval(1, 1), Interval(1, 2),
               Interval(1, 2), Interval(1, 2), Interval(1, 1))  # fmt: skip
DORIAN_STEPS = MAJOR_STEPS[1:] + MAJOR_STEPS[:1]

# Candidate tonics the classic derivation tries, as (letter, alter); ties go to the highest
# pitch, and between enharmonic twins to the one listed later.
_CANDIDATE_TONICS = (
    (0, 0), (0, 1), (1, -1), (1, 0), (1, 1), (2, -1), (2, 0), (3, 0),
    (3, 1), (4, 0), (4, 1), (5, 0), (6, -1), (6, 0), (0, -1),
)  # fmt: skip


def scale_pitches(tonic: Pitch, steps: tuple[Interval, ...]) -> tuple[Pitch, ...]:
    """The spelled pitches of one octave of a scale from its tonic."""
    out = [tonic]
    for iv in steps[:-1]:
        out.append(transpose(out[-1], iv))
    return tuple(out)


@lru_cache(maxsize=4096)
def derive_scale(pitches: tuple[Pitch, ...], mode: str) -> tuple[Pitch, ...]:
    """The major or dorian scale that contains the most of a chord's pitches (classic rule).

    Each pitch class of the chord counts once; on a tie the tonic with the highest pitch wins.
    ``mode`` is 'major' or 'dorian'.
    """
    steps = MAJOR_STEPS if mode == "major" else DORIAN_STEPS
    chord_pcs = {p.pitch_class for p in pitches}
    ranked = []
    for order, (letter, alter) in enumerate(_CANDIDATE_TONICS):
        tonic = Pitch(letter, alter, 4)
        pcs = {p.pitch_class for p in scale_pitches(tonic, steps)}
        matched = len(chord_pcs & pcs)
        # Sorting ascending by (matches, pitch) and reversing is the classic order: more
        # matches first, higher tonic first, and the later-listed of two enharmonic twins.
        ranked.append((matched, tonic.midi, order, tonic))
    best = max(ranked, key=lambda r: (r[0], r[1], r[2]))
    return scale_pitches(best[3], steps)


@lru_cache(maxsize=4096)
def classic_scale_names(pitches: tuple[Pitch, ...]) -> frozenset[str]:
    """Names of the scale the classic grammar derives from a chord (major if the chord is major,
    dorian otherwise)."""
    mode = "major" if chord_quality(pitches) == "major" else "dorian"
    return frozenset(p.name for p in derive_scale(pitches, mode))


def classic_note_type(midi: int, chord: tuple[Pitch, ...]) -> str:
    """Classic grammar type of a note against a chord: C chord tone, S scale tone, A approach
    tone (a semitone from a chord tone), X anything else."""
    name = spell_midi(midi).name
    if name in {p.name for p in chord}:
        return "C"
    if name in classic_scale_names(chord):
        return "S"
    if is_approach(midi % 12, (p.pitch_class for p in chord)):
        return "A"
    return "X"


def pitch_class_type(pc: int, chord_pcs: frozenset[int], scale_pcs: frozenset[int]) -> str:
    """Grammar type from pitch classes alone (for chords given as symbols): C, S, A or X."""
    if pc in chord_pcs:
        return "C"
    if pc in scale_pcs:
        return "S"
    if is_approach(pc, chord_pcs):
        return "A"
    return "X"
