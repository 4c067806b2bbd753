"""Tests for chord symbols, chord naming, progressions, voicings and walking bass."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from jazzsolo.chords import (
    SCALES,
    ChordSymbol,
    chord_from_pitches,
    parse_chord,
    parse_progression,
    voice_chord,
    walking_bass,
)
from jazzsolo.errors import JazzsoloError
from jazzsolo.progressions import KEYS, PROGRESSIONS, get_progression

from .conftest import require_data, require_oracle

_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def pc(name: str) -> int:
    """Pitch class of a note name such as 'Eb', 'F#', 'Cb', 'A#'."""
    value = _PC[name[0]]
    for c in name[1:]:
        value += 1 if c == "#" else -1
    return value % 12


def pcs(names: str) -> frozenset[int]:
    return frozenset(pc(n) for n in names.split())


# symbol -> (chord tones, bass, quality). Covers lead-sheet and WJazzD spellings.
TABLE: list[tuple[str, str, str, str]] = [
    # major family
    ("C", "C E G", "C", "major"),
    ("Cmaj7", "C E G B", "C", "major"),
    ("CM7", "C E G B", "C", "major"),
    ("CΔ", "C E G B", "C", "major"),
    ("CΔ7", "C E G B", "C", "major"),
    ("Cj7", "C E G B", "C", "major"),
    ("C^7", "C E G B", "C", "major"),
    ("CMA7", "C E G B", "C", "major"),
    ("Dmaj9", "D F# A C# E", "D", "major"),
    ("Fmaj13", "F A C E G D", "F", "major"),
    ("Ebmaj7#11", "Eb G Bb D A", "Eb", "major"),
    ("C6", "C E G A", "C", "major"),
    ("C6/9", "C E G A D", "C", "major"),
    ("F69", "F A C D G", "F", "major"),
    ("Cadd9", "C E G D", "C", "major"),
    ("C(add9)", "C E G D", "C", "major"),
    # minor family
    ("Cm7", "C Eb G Bb", "C", "minor"),
    ("D-7", "D F A C", "D", "minor"),
    ("Emin7", "E G B D", "E", "minor"),
    ("Ami7", "A C E G", "A", "minor"),
    ("GMI7", "G Bb D F", "G", "minor"),
    ("C-", "C Eb G", "C", "minor"),
    ("Cm9", "C Eb G Bb D", "C", "minor"),
    ("Dm11", "D F A C E G", "D", "minor"),
    ("Cm13", "C Eb G Bb D F A", "C", "minor"),
    ("Cm6", "C Eb G A", "C", "minor"),
    ("Dm69", "D F A B E", "D", "minor"),
    ("Cmadd9", "C Eb G D", "C", "minor"),
    ("Cm7b9", "C Eb G Bb Db", "C", "minor"),
    # dominant family
    ("G7", "G B D F", "G", "dominant"),
    ("G9", "G B D F A", "G", "dominant"),
    ("C11", "C E G Bb D F", "C", "dominant"),
    ("F13", "F A C Eb G D", "F", "dominant"),
    ("C7b9", "C E G Bb Db", "C", "dominant"),
    ("C7#9", "C E G Bb D#", "C", "dominant"),
    ("C7#11", "C E G Bb F#", "C", "dominant"),
    ("C7b13", "C E G Bb Ab", "C", "dominant"),
    ("C7b5", "C E Gb Bb", "C", "dominant"),
    ("C7-9", "C E G Bb Db", "C", "dominant"),
    ("C7+9", "C E G Bb D#", "C", "dominant"),
    ("C7+11", "C E G Bb F#", "C", "dominant"),
    ("C7(b9,#11)", "C E G Bb Db F#", "C", "dominant"),
    ("C7b9#11", "C E G Bb Db F#", "C", "dominant"),
    ("C7(#9, b13)", "C E G Bb D# Ab", "C", "dominant"),
    ("C9#11", "C E G Bb D F#", "C", "dominant"),
    ("C13#11", "C E G Bb D F# A", "C", "dominant"),
    ("G13b9", "G B D F Ab E", "G", "dominant"),
    ("A7b9b13", "A C# E G Bb F", "A", "dominant"),
    ("G7alt", "G B F Ab Bb Db Eb", "G", "dominant"),
    ("Galt", "G B F Ab Bb Db Eb", "G", "dominant"),
    ("C7#5", "C E G# Bb", "C", "dominant"),
    ("C+7", "C E G# Bb", "C", "dominant"),
    ("C7+", "C E G# Bb", "C", "dominant"),
    ("Bb7b9", "Bb D F Ab Cb", "Bb", "dominant"),
    # half-diminished, diminished, augmented
    ("Bm7b5", "B D F A", "B", "half-diminished"),
    ("Cø", "C Eb Gb Bb", "C", "half-diminished"),
    ("Dø7", "D F Ab C", "D", "half-diminished"),
    ("Eø7", "E G Bb D", "E", "half-diminished"),
    ("F#m7b5", "F# A C E", "F#", "half-diminished"),
    ("Cm7(b5)", "C Eb Gb Bb", "C", "half-diminished"),
    ("Cdim", "C Eb Gb", "C", "diminished"),
    ("Bo", "B D F", "B", "diminished"),
    ("Co7", "C Eb Gb A", "C", "diminished"),
    ("Bdim7", "B D F Ab", "B", "diminished"),
    ("C°7", "C Eb Gb A", "C", "diminished"),
    ("Caug", "C E G#", "C", "augmented"),
    ("C+", "C E G#", "C", "augmented"),
    ("Cmaj7#5", "C E G# B", "C", "augmented"),
    # suspended, minor-major, power, no chord
    ("Csus", "C F G", "C", "suspended"),
    ("Csus2", "C D G", "C", "suspended"),
    ("Csus4", "C F G", "C", "suspended"),
    ("G7sus4", "G C D F", "G", "suspended"),
    ("G9sus4", "G C D F A", "G", "suspended"),
    ("G7sus", "G C D F", "G", "suspended"),
    ("Bb13sus4", "Bb Eb F Ab C G", "Bb", "suspended"),
    ("Cm(maj7)", "C Eb G B", "C", "minor-major"),
    ("CmM7", "C Eb G B", "C", "minor-major"),
    ("C-j7", "C Eb G B", "C", "minor-major"),
    ("C-Δ7", "C Eb G B", "C", "minor-major"),
    ("Cm(maj9)", "C Eb G B D", "C", "minor-major"),
    ("C5", "C G", "C", "power"),
    ("NC", "", "C", "none"),
    ("N.C.", "", "C", "none"),
    # accidentals and slash chords
    ("C♯m7", "C# E G# B", "C#", "minor"),
    ("B♭7", "Bb D F Ab", "Bb", "dominant"),
    ("E♭maj7", "Eb G Bb D", "Eb", "major"),
    ("C7/E", "C E G Bb", "E", "dominant"),
    ("Dm7/G", "D F A C", "G", "minor"),
    ("C/E", "C E G", "E", "major"),
    ("Bb/Ab", "Bb D F", "Ab", "major"),
    # Weimar Jazz Database spellings
    ("Csus7", "C F G Bb", "C", "suspended"),
    ("Csus79", "C F G Bb D", "C", "suspended"),
    ("C79b", "C E G Bb Db", "C", "dominant"),
    ("C7911#", "C E G Bb D F#", "C", "dominant"),
    ("C713b", "C E G Bb Ab", "C", "dominant"),
    ("C79#", "C E G Bb D#", "C", "dominant"),
    ("C-79", "C Eb G Bb D", "C", "minor"),
    ("Cj79#", "C E G B D#", "C", "major"),
    ("A79b13", "A C# E G Bb F#", "A", "dominant"),
    ("Bb79b13b", "Bb D F Ab Cb Gb", "Bb", "dominant"),
    ("G79#13", "G B D F A# E", "G", "dominant"),
    ("Ebj79#11#", "Eb G Bb D F# A", "Eb", "major"),
    ("E6911#", "E G# B C# F# A#", "E", "major"),
    ("C-j7913", "C Eb G B D A", "C", "minor-major"),
    ("E-7911", "E G B D F# A", "E", "minor"),
    ("F+7911#", "F A C# Eb G B", "F", "dominant"),
    ("Ab+j7/C", "Ab C E G", "C", "augmented"),
    ("F+/Ab", "F A C#", "Ab", "augmented"),
    ("Db-69/Ab", "Db E Ab Bb Eb", "Ab", "minor"),
    ("Dbsus7913", "Db Gb Ab Cb Eb Bb", "Db", "suspended"),
    ("Gsus/A", "G C D", "A", "suspended"),
]


@pytest.mark.parametrize(("text", "tones", "bass", "quality"), TABLE)
def test_parse_table(text: str, tones: str, bass: str, quality: str) -> None:
    sym = parse_chord(text)
    assert sym.text == text
    assert frozenset(sym.pitch_classes) == pcs(tones)
    assert len(set(sym.pitch_classes)) == len(sym.pitch_classes)
    assert sym.quality == quality
    if quality != "none":
        assert sym.bass == pc(bass)
        assert sym.pitch_classes[0] == sym.root


def test_table_is_large_and_covers_every_quality() -> None:
    assert len(TABLE) >= 80
    assert {q for *_, q in TABLE} == {
        "major", "minor", "dominant", "half-diminished", "diminished", "augmented",
        "suspended", "minor-major", "power", "none",
    }  # fmt: skip


def test_pitch_class_order_is_stacked() -> None:
    # root, third, fifth, seventh, then tensions above the octave
    assert parse_chord("C7b9").pitch_classes == (0, 4, 7, 10, 1)
    assert parse_chord("C69").pitch_classes == (0, 4, 7, 9, 2)
    assert parse_chord("G7alt").pitch_classes == tuple((7 + i) % 12 for i in (0, 4, 10, 1, 3, 6, 8))


@pytest.mark.parametrize(("text", "tones", "bass", "quality"), TABLE)
def test_name_round_trips(text: str, tones: str, bass: str, quality: str) -> None:
    sym = parse_chord(text)
    again = parse_chord(sym.name)
    assert (again.root, again.bass, again.quality) == (sym.root, sym.bass, sym.quality)
    assert set(again.pitch_classes) == set(sym.pitch_classes)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("C-7", "Cm7"), ("Cø7", "Cm7b5"), ("Cdim7", "Co7"), ("C+7", "C7#5"), ("CΔ9", "Cmaj9"),
        ("C-j7", "Cm(maj7)"), ("C79b", "C7b9"), ("C7911#", "C9#11"), ("Calt", "C7alt"),
        ("Dm7/G", "Dm7/G"), ("C6/9", "C69"), ("Csus", "Csus4"), ("NC", "NC"), ("N.C.", "NC"),
        ("A79b13", "A13b9"), ("Cadd9", "Cadd9"), ("Bb7(b9,#11)", "Bb7b9#11"),
    ],
)  # fmt: skip
def test_canonical_names(text: str, name: str) -> None:
    assert parse_chord(text).name == name


@pytest.mark.parametrize(
    ("text", "scale"),
    [
        ("Cmaj7", "ionian"), ("C6", "ionian"), ("Cmaj7#11", "lydian"), ("Cm7", "dorian"),
        ("Cm6", "dorian"), ("C7", "mixolydian"), ("C13", "mixolydian"), ("C7sus4", "mixolydian"),
        ("C7alt", "altered"), ("C7b9b13", "phrygian-dominant"), ("C7b9", "half-whole"),
        ("C13b9", "half-whole"), ("C7#11", "lydian-dominant"), ("C7b13", "mixolydian-b13"),
        ("C7#5", "whole-tone"), ("C+", "whole-tone"), ("Cm7b5", "locrian"),
        ("Cm9b5", "locrian-natural-9"), ("Co7", "whole-half"), ("Cm(maj7)", "melodic-minor"),
        ("C+maj7", "lydian-augmented"), ("C7sus4b9", "phrygian"), ("Cm7b9", "phrygian"),
    ],
)  # fmt: skip
def test_scale_choices(text: str, scale: str) -> None:
    assert parse_chord(text).scale == SCALES[scale]
    # transposed: same intervals from the new root
    sym = parse_chord("E" + text[1:])
    assert sym.scale == tuple((4 + i) % 12 for i in SCALES[scale])


@pytest.mark.parametrize(("text", "tones", "bass", "quality"), TABLE)
def test_scale_starts_at_root_and_holds_the_chord(
    text: str, tones: str, bass: str, quality: str
) -> None:
    sym = parse_chord(text)
    if quality == "none":
        assert sym.scale == ()
        return
    assert sym.scale[0] == sym.root
    assert 6 <= len(sym.scale) <= 8
    rel = [(p - sym.root) % 12 for p in sym.scale]
    assert rel == sorted(rel)
    assert set(sym.sounding) <= set(sym.scale)


def test_slash_bass_outside_the_chord() -> None:
    sym = parse_chord("Bb/Ab")
    assert pc("Ab") not in sym.pitch_classes
    assert sym.sounding == sym.pitch_classes + (pc("Ab"),)
    assert sym.is_slash
    # the bass joins the scale: Bb major over Ab becomes Bb mixolydian
    assert sym.scale == tuple((10 + i) % 12 for i in SCALES["mixolydian"])
    assert not parse_chord("C7").is_slash


@pytest.mark.parametrize("bad", ["H7", "Cmjx7", "C7b", "", "7", "C7#13", "C/X", "Cm(maj7", "Cadd"])
def test_unknown_symbols_raise(bad: str) -> None:
    with pytest.raises(JazzsoloError, match="unknown chord symbol") as info:
        parse_chord(bad)
    assert repr(bad) in str(info.value)
    assert isinstance(info.value, ValueError)


# music21 spelling (flat = '-') for symbols where music21 reads the chord the way we do.
MUSIC21_AGREES = [
    ("Cmaj7", "Cmaj7"), ("CM7", "CM7"), ("Dm7", "Dm7"), ("Ebm7", "E-m7"), ("G7", "G7"),
    ("Bbmaj7", "B-maj7"), ("F#m7b5", "F#m7b5"), ("Cø7", "Cø7"), ("Co7", "Co7"),
    ("Cdim7", "Cdim7"), ("Cdim", "Cdim"), ("C+", "C+"), ("Caug", "Caug"), ("C+7", "C+7"),
    ("C7#5", "C7#5"), ("Csus4", "Csus4"), ("Csus2", "Csus2"), ("Csus", "Csus"),
    ("C7sus4", "C7sus4"), ("C6", "C6"), ("Cm6", "Cm6"), ("C9", "C9"), ("Cm9", "Cm9"),
    ("Cmaj9", "CM9"), ("C7#9", "C7#9"), ("C7b9", "C7b9"), ("Bb7b9", "B-7b9"), ("C11", "C11"),
    ("Cm11", "Cm11"), ("Cm13", "Cm13"), ("C7#11", "C7#11"), ("Cmaj7#11", "Cmaj7#11"),
    ("CmM7", "CmM7"), ("Cm(maj9)", "CmM9"), ("Cadd9", "Cadd9"), ("C/E", "C/E"),
    ("Dm7/G", "Dm7/G"), ("C7/E", "C7/E"), ("C7b9#11", "C7b9#11"), ("Bb7b9#11", "B-7b9#11"),
    ("C9#11", "C9#11"), ("C7b5", "C7b5"), ("C5", "C5"), ("C7b13", "C7b13"), ("Bb/Ab", "B-/A-"),
    ("Ebm7/Ab", "E-m7/A-"), ("C#o7", "C#o7"), ("Cm7b9", "Cm7b9"),
]  # fmt: skip


def _to_root(ours: str, theirs: str, root: str) -> tuple[str, str]:
    """Move a C-rooted pair to another root (ours written with b, music21's with -)."""
    if not ours.startswith("C") or ours.startswith("C#") or "/" in ours:
        return ours, theirs
    return root + ours[1:], root.replace("b", "-") + theirs[1:]


@pytest.mark.parametrize(("ours", "theirs"), MUSIC21_AGREES)
def test_agrees_with_music21(ours: str, theirs: str) -> None:
    harmony = require_oracle("music21.harmony")
    for root in ("C", "Eb", "F#", "Ab", "B"):
        a, b = _to_root(ours, theirs, root)
        mine = parse_chord(a)
        ref = harmony.ChordSymbol(b)
        assert mine.root == ref.root().pitchClass, a
        assert mine.bass == ref.bass().pitchClass, a
        assert set(mine.sounding) == {p.pitchClass for p in ref.pitches}, a


def _wjazzd_symbols(data: Path) -> set[str]:
    symbols: set[str] = set()
    files = sorted((data / "wjazzd" / "beats").glob("*.csv"))
    assert len(files) == 419
    for path in files:
        with path.open(newline="") as f:
            reader = csv.DictReader(f)
            assert reader.fieldnames is not None and "chord" in reader.fieldnames
            symbols.update(row["chord"] for row in reader)
    return symbols


def test_every_wjazzd_symbol_parses() -> None:
    data = require_data()
    symbols = _wjazzd_symbols(data)
    assert len(symbols) > 300
    failures = []
    for text in sorted(symbols):
        try:
            sym = parse_chord(text)
        except JazzsoloError as e:
            failures.append(str(e))
            continue
        again = parse_chord(sym.name)
        if set(again.pitch_classes) != set(sym.pitch_classes) or again.bass != sym.bass:
            failures.append(f"{text} -> {sym.name} does not round-trip")
        if not set(sym.sounding) <= set(sym.scale):
            failures.append(f"{text}: scale misses chord tones")
    assert failures == []


def test_random_symbols_round_trip_through_their_names() -> None:
    """Symbols glued from grammar pieces: whatever parses must name itself back exactly."""
    rng = random.Random(0)
    pieces = (
        "m - maj M j Δ o ø + aug dim sus sus2 sus4 7 9 11 13 6 69 b9 #9 #11 b13 b5 #5 alt add9 "
        "( ) , 9b 11# 13b 5 no5 no3 (maj7) mi min /E /Bb"
    ).split()
    parsed = 0
    for _ in range(5000):
        text = rng.choice("CDEFGAB") + rng.choice(("", "b", "#"))
        text += "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        try:
            sym = parse_chord(text)
        except JazzsoloError:
            continue
        parsed += 1
        again = parse_chord(sym.name)
        assert (again.root, again.bass, again.quality) == (sym.root, sym.bass, sym.quality), text
        assert set(again.pitch_classes) == set(sym.pitch_classes), (text, sym.name)
        assert set(sym.sounding) <= set(sym.scale), text
    assert parsed > 1000


def test_wjazzd_tension_order_reading() -> None:
    # number-then-accidental: 9b = b9, 13b = b13; 79b13 is 7 with b9 and a natural 13
    assert parse_chord("A79b13").pitch_classes == parse_chord("A13b9").pitch_classes
    assert set(parse_chord("Bb79b13b").pitch_classes) == pcs("Bb D F Ab Cb Gb")
    # the lead-sheet order still reads as usual when it is the only reading
    assert set(parse_chord("C7b9#11").pitch_classes) == pcs("C E G Bb Db F#")


# ---------------------------------------------------------------------------------------------
# chord_from_pitches
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pitches", "name"),
    [
        ([60, 64, 67], "C"),
        ([64, 67, 72], "C/E"),
        ([67, 72, 76], "C/G"),
        ([60, 63, 67], "Cm"),
        ([60, 64, 67, 69], "C6"),
        ([57, 60, 64, 67], "Am7"),
        ([60, 63, 66, 69], "Co7"),
        ([62, 65, 69, 72], "Dm7"),
        ([55, 59, 62, 65], "G7"),
        ([60, 64, 70], "C7"),  # shell voicing, fifth left out
        ([48, 64, 70, 74], "C9"),
        ([52, 58, 62, 69], "C13"),  # rootless A-form voicing of C13 (3 7 9 13)
        ([59, 64, 65, 69], "G13"),  # rootless B-form voicing of G13 (3 13 7 9)
        ([56, 58, 62, 65], "Bb7/Ab"),
        ([44, 58, 62, 65], "Bb7/Ab"),
        ([60, 67], "C5"),
        ([60, 64], "C"),
        ([60, 63], "Cm"),
        ([57, 60], "Am"),
        ([60, 62], "Csus2"),
        ([60, 65, 67], "Csus4"),
        ([60, 64, 68], "C+"),
        ([38, 53, 57, 60, 64], "Dm9"),
    ],
)
def test_chord_from_pitches(pitches: list[int], name: str) -> None:
    sym = chord_from_pitches(pitches)
    assert sym is not None
    assert sym.name == name


def test_chord_from_pitches_needs_two_pitch_classes() -> None:
    assert chord_from_pitches([]) is None
    assert chord_from_pitches([60]) is None
    assert chord_from_pitches([48, 60, 72]) is None
    odd = chord_from_pitches([60, 61, 62, 63, 64])  # a cluster still gets a name
    assert isinstance(odd, ChordSymbol)


ROUND_TRIP_SUFFIXES = (
    "C Cm Co C+ Csus4 Csus2 C7 Cmaj7 Cm7 Cm7b5 Co7 C6 Cm6 Cm(maj7) C7sus4 Cadd9 C9 Cmaj9 Cm9 C69 "
    "Cm69 C7b9 C7#9 C7#11 C7b5 C7#5 C7b13 Cmaj7#11 C9sus4 C+maj7 C11 Cm11 C13 Cmaj13 Cm13 C9#11 "
    "C13#11 C13b9 C9b13 C7b9b13 C7#9b13 C7b9#11 C7#9#11 Cm9b5 C7alt C7sus4b9 C13sus4 Cm(maj9) "
    "Cmaj9#11 C5"
).split()


@pytest.mark.parametrize("symbol", ROUND_TRIP_SUFFIXES)
def test_voice_then_name_round_trip(symbol: str) -> None:
    for root in ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"):
        sym = parse_chord(root + symbol[1:])
        named = chord_from_pitches(voice_chord(sym))
        assert named is not None
        assert named.root == sym.root, (sym.text, named.name)
        assert set(named.pitch_classes) == set(sym.pitch_classes), (sym.text, named.name)


# ---------------------------------------------------------------------------------------------
# voicings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "tones", "bass", "quality"), TABLE)
def test_voicing_sounds_exactly_the_chord(text: str, tones: str, bass: str, quality: str) -> None:
    sym = parse_chord(text)
    notes = voice_chord(sym)
    if quality == "none":
        assert notes == ()
        return
    assert {n % 12 for n in notes} == set(sym.sounding)
    assert len(notes) == len(set(sym.sounding))
    assert all(52 <= n <= 76 for n in notes)
    assert list(notes) == sorted(notes)
    assert notes[0] % 12 == sym.bass
    assert notes[-1] - notes[0] < 12  # close position


def test_voicing_respects_a_custom_range() -> None:
    for text in ("C13#11", "G7alt", "Bb/Ab", "F#m7b5"):
        notes = voice_chord(parse_chord(text), low=40, high=60)
        assert all(40 <= n <= 60 for n in notes)
    with pytest.raises(JazzsoloError, match="cannot voice"):
        voice_chord(parse_chord("C13"), low=60, high=64)


# ---------------------------------------------------------------------------------------------
# progressions
# ---------------------------------------------------------------------------------------------


def timing(text: str, beats: int = 4) -> list[tuple[int, float, float, str]]:
    return [(c.bar, c.start, c.duration, c.symbol.name) for c in parse_progression(text, beats)]


def test_progression_basic_bars() -> None:
    assert timing("Dm7 G7 | Cmaj7 | Bb7b9 Eø7 | A7alt") == [
        (0, 0.0, 2.0, "Dm7"), (0, 2.0, 2.0, "G7"), (1, 4.0, 4.0, "Cmaj7"),
        (2, 8.0, 2.0, "Bb7b9"), (2, 10.0, 2.0, "Em7b5"), (3, 12.0, 4.0, "A7alt"),
    ]  # fmt: skip


def test_progression_bar_lines_and_newlines() -> None:
    expected = timing("C | F | G7 | C")
    assert timing("| C | F | G7 | C |") == expected
    assert timing("C | F\nG7 | C") == expected
    assert timing("C || F | G7 || C") == expected


def test_three_chords_in_a_bar_split_2_1_1() -> None:
    assert timing("C Am7 Dm7 | G7") == [
        (0, 0.0, 2.0, "C"), (0, 2.0, 1.0, "Am7"), (0, 3.0, 1.0, "Dm7"), (1, 4.0, 4.0, "G7"),
    ]  # fmt: skip


def test_three_four_time() -> None:
    assert timing("C G7 | F | Dm7 G7 C", 3) == [
        (0, 0.0, 2.0, "C"), (0, 2.0, 1.0, "G7"), (1, 3.0, 3.0, "F"),
        (2, 6.0, 1.0, "Dm7"), (2, 7.0, 1.0, "G7"), (2, 8.0, 1.0, "C"),
    ]  # fmt: skip


def test_percent_repeats_the_whole_previous_bar() -> None:
    assert timing("Dm7 G7 | % | C") == [
        (0, 0.0, 2.0, "Dm7"), (0, 2.0, 2.0, "G7"),
        (1, 4.0, 2.0, "Dm7"), (1, 6.0, 2.0, "G7"), (2, 8.0, 4.0, "C"),
    ]  # fmt: skip


def test_dash_and_slash_hold_the_previous_chord() -> None:
    assert timing("C | - | F") == [(0, 0.0, 8.0, "C"), (2, 8.0, 4.0, "F")]
    assert timing("C / / G7 | F") == [(0, 0.0, 3.0, "C"), (0, 3.0, 1.0, "G7"), (1, 4.0, 4.0, "F")]
    assert timing("Dm7 G7 | - | C") == [
        (0, 0.0, 2.0, "Dm7"), (0, 2.0, 6.0, "G7"), (2, 8.0, 4.0, "C"),
    ]  # fmt: skip


def test_repeat_signs() -> None:
    names = [n for *_, n in timing("|: Dm7 | G7 :| Cmaj7")]
    assert names == ["Dm7", "G7", "Dm7", "G7", "Cmaj7"]
    names = [n for *_, n in timing("C |: Dm7 | G7 :| x3 Cmaj7")]
    assert names == ["C"] + ["Dm7", "G7"] * 3 + ["Cmaj7"]
    names = [n for *_, n in timing("Dm7 | G7 :| Cmaj7")]  # ':|' alone repeats from the start
    assert names == ["Dm7", "G7", "Dm7", "G7", "Cmaj7"]
    names = [n for *_, n in timing("[Dm7 | G7] x3 | C")]
    assert names == ["Dm7", "G7"] * 3 + ["C"]
    names = [n for *_, n in timing("| Dm7 | G7 | x2\n| C |")]  # bare xN repeats its line
    assert names == ["Dm7", "G7", "Dm7", "G7", "C"]
    names = [n for *_, n in timing("[C | [F | G7] x2] x2")]
    assert names == ["C", "F", "G7", "F", "G7"] * 2
    chords = parse_progression("|: Dm7 | G7 :| Cmaj7")
    assert [c.bar for c in chords] == [0, 1, 2, 3, 4]
    assert [c.start for c in chords] == [0.0, 4.0, 8.0, 12.0, 16.0]


def test_no_chord_in_a_progression() -> None:
    chords = parse_progression("NC | Dm7 G7")
    assert chords[0].symbol.quality == "none"
    assert chords[1].start == 4.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Dm7 G7 | Cmjx7 | F", "unknown chord symbol 'Cmjx7' in bar 2"),
        ("|: C | D :| E | Xm7", "unknown chord symbol 'Xm7' in bar 4"),
        ("C\nF | G7 | H7", "unknown chord symbol 'H7' in bar 4"),
        ("% | C", "'%' in bar 1"),
        ("C | Dm7 % | F", "'%' must stand alone in its bar (bar 2)"),
        ("- | C", "bar 1"),
        ("[C | D", "never closed"),
        ("|: C | D", "never closed"),
        ("C ] D", "no matching '['"),
        ("x2 | C", "nothing before it to repeat"),
        ("[C] x0", "at least 1"),
        ("", "no chords"),
        ("| | |", "no chords"),
    ],
)
def test_progression_errors(text: str, message: str) -> None:
    with pytest.raises(JazzsoloError) as info:
        parse_progression(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_beats_per_bar_must_be_positive() -> None:
    with pytest.raises(JazzsoloError, match="beats_per_bar"):
        parse_progression("C", 0)


# ---------------------------------------------------------------------------------------------
# built-in progressions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "bars"),
    [
        ("blues-f", 12), ("blues-bb", 12), ("minor-blues", 12), ("rhythm-changes", 32),
        ("ii-v-i-major", 48), ("ii-v-i-minor", 48), ("modal-dm7", 16), ("original-aaba", 32),
        ("ii-v-i-major-C", 4), ("ii-v-i-minor-F#", 0),
    ],
)  # fmt: skip
def test_builtin_lengths(name: str, bars: int) -> None:
    if bars == 0:
        with pytest.raises(JazzsoloError, match="ii-v-i-minor-Gb"):
            get_progression(name)
        return
    prog = get_progression(name)
    chords = prog.chords()
    assert prog.bar_count() == bars
    assert chords[0].start == 0.0
    for a, b in zip(chords, chords[1:], strict=False):
        assert a.end == b.start  # no gaps, no overlaps


def test_every_builtin_parses() -> None:
    assert len(PROGRESSIONS) >= 8 + 24
    for name, prog in PROGRESSIONS.items():
        assert prog.name == name
        assert prog.description
        assert prog.chords()


def test_ii_v_i_cycles_through_all_keys() -> None:
    major = get_progression("ii-v-i-major").chords()
    tonics = [c.symbol.root for c in major if c.symbol.quality == "major"]
    assert sorted(set(tonics)) == list(range(12))
    minor = get_progression("ii-v-i-minor").chords()
    assert {c.symbol.root for c in minor if c.symbol.quality == "minor"} == set(range(12))
    assert len(KEYS) == 12
    for key in KEYS:
        chords = get_progression(f"ii-v-i-major-{key}").chords()
        assert [c.symbol.quality for c in chords] == ["minor", "dominant", "major", "major"]
        assert chords[2].symbol.root == pc(key)


def test_blues_f_changes() -> None:
    chords = get_progression("blues-f").chords()
    assert chords[0].symbol.name == "F7"
    assert [c.symbol.name for c in chords if c.bar == 3] == ["Cm7", "F7"]


def test_unknown_progression_lists_names() -> None:
    with pytest.raises(JazzsoloError) as info:
        get_progression("giant-steps")
    text = str(info.value)
    assert "'giant-steps'" in text
    for name in ("blues-f", "rhythm-changes", "modal-dm7", "original-aaba"):
        assert name in text


# ---------------------------------------------------------------------------------------------
# walking bass
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["blues-f", "rhythm-changes", "minor-blues", "original-aaba"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_walking_bass_shape(name: str, seed: int) -> None:
    chords = get_progression(name).chords()
    line = walking_bass(chords, seed=seed)
    total = int(chords[-1].end)
    assert [s for s, _, _ in line] == [float(t) for t in range(total)]
    assert all(d == 1.0 for _, d, _ in line)
    assert all(28 <= p <= 55 for *_, p in line)
    by_start = {s: p for s, _, p in line}
    starts = {c.start: c for c in chords}
    for start, chord in starts.items():
        assert by_start[start] % 12 == chord.symbol.bass
    # the beat before a change leads into the new bass note
    for previous, c in zip(chords, chords[1:], strict=False):
        if previous.duration >= 2:
            before = by_start[c.start - 1]
            interval = by_start[c.start] - before
            assert interval in (-2, -1, 1, 2, 5, -7), (name, c.start, before, by_start[c.start])


def test_walking_bass_is_deterministic_per_seed() -> None:
    chords = get_progression("blues-f").chords()
    assert walking_bass(chords, seed=3) == walking_bass(chords, seed=3)
    assert walking_bass(chords, seed=3) != walking_bass(chords, seed=4)


def test_walking_bass_range_meter_and_no_chord() -> None:
    chords = parse_progression("C G7 | F | NC | Dm7 G7 C", 3)
    line = walking_bass(chords, beats_per_bar=3, seed=0, low=36, high=60)
    starts = [s for s, _, _ in line]
    assert starts == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 10.0, 11.0]
    assert all(36 <= p <= 60 for *_, p in line)
    assert [p % 12 for s, _, p in line if s in (0.0, 2.0, 3.0, 9.0, 10.0, 11.0)] == [
        0, 7, 5, 2, 7, 0,
    ]  # fmt: skip
    assert walking_bass([], seed=0) == []
    with pytest.raises(JazzsoloError, match="narrower than an octave"):
        walking_bass(chords, low=40, high=45)
