"""Music theory: spelled pitches, intervals, chord analysis and scale derivation.

music21 is the oracle here (test-only): the classic grammar was made with it, so where the two
agree on many random inputs the classic rules are reproduced. Only the tests that ask for the
oracle (``require_oracle``) need it; the others never skip.
"""

from __future__ import annotations

import random

import pytest

from jazzsolo.theory import (
    Interval,
    chord_quality,
    chord_root,
    classic_note_type,
    classic_scale_names,
    derive_scale,
    interval_between,
    interval_bounds,
    interval_name,
    parse_interval,
    pitch_class_type,
    spell_midi,
)

from .conftest import require_oracle


def test_classic_spelling_of_every_pitch_class():
    names = [spell_midi(60 + i).name for i in range(12)]
    assert names == ["C", "C#", "D", "E-", "E", "F", "F#", "G", "G#", "A", "B-", "B"]
    assert str(spell_midi(60)) == "C4" and spell_midi(60).midi == 60
    assert spell_midi(21).octave == 0 and spell_midi(21).name == "A"


@pytest.mark.parametrize(
    ("steps", "semis", "name"),
    [(0, 0, "P1"), (0, 1, "A1"), (0, -1, "d1"), (1, 1, "m2"), (1, 2, "M2"), (-1, -1, "m-2"),
     (2, 2, "d3"), (4, 5, "dd5"), (4, 6, "d5"), (-4, -6, "d-5"), (-3, -6, "A-4"),
     (10, 17, "P11"), (6, 11, "M7"), (-7, -12, "P-8"), (5, 8, "m6"), (3, 6, "A4")],
)
def test_interval_names(steps, semis, name):
    assert interval_name(steps, semis) == name
    assert parse_interval(name) == Interval(steps, semis)


def test_interval_names_round_trip_over_a_wide_range():
    for steps in range(-15, 16):
        base = [0, 2, 4, 5, 7, 9, 11][abs(steps) % 7] + 12 * (abs(steps) // 7)
        for delta in range(-3, 4):
            semis = (base + delta) * (-1 if steps < 0 else 1)
            name = interval_name(steps, semis)
            assert parse_interval(name) == Interval(steps, semis), name


def test_bad_interval_names_are_rejected():
    for bad in ["", "X3", "P3", "M4", "m", "3"]:
        with pytest.raises(ValueError):
            parse_interval(bad)


def test_intervals_and_bounds_agree_with_music21():
    interval, note = require_oracle("music21.interval"), require_oracle("music21.note")

    rng = random.Random(7)
    for _ in range(300):
        a, b = rng.randint(40, 90), rng.randint(40, 90)
        start, end = note.Note(midi=a), note.Note(midi=b)
        dist = interval.Interval(noteStart=start, noteEnd=end)
        expected = (
            interval.add([dist, "m3"]).directedName,
            interval.subtract([dist, "m3"]).directedName,
        )
        assert interval_bounds(a, b) == expected, (a, b)
        assert interval_between(spell_midi(a), spell_midi(b)).directed_name == dist.directedName


def _m21_type(c, midi):
    """The classic grammar's type test, written with music21 calls (the oracle)."""
    note, scale = require_oracle("music21.note"), require_oracle("music21.scale")

    n = note.Note(midi=midi)
    if n.name in c.pitchNames:
        return "C"
    kind = scale.MajorScale() if c.quality == "major" else scale.DorianScale()
    if n.name in {p.name for p in kind.derive(c).getPitches()}:
        return "S"
    for cp in c.pitches:
        up, down = cp.transpose(1), cp.transpose(-1)
        names = {up.name, up.getEnharmonic().name, down.name, down.getEnharmonic().name}
        if n.name in names:
            return "A"
    return "X"


def test_chord_root_quality_and_note_types_agree_with_music21():
    chord, pitch = require_oracle("music21.chord"), require_oracle("music21.pitch")

    rng = random.Random(11)
    for _ in range(40):
        midis = [rng.randint(36, 84) for _ in range(rng.randint(1, 6))]
        c = chord.Chord([pitch.Pitch(midi=m) for m in midis])
        ours = tuple(spell_midi(m) for m in midis)
        assert chord_root(ours).name == c.root().name, midis
        assert chord_quality(ours) == c.quality, midis
        for pc in rng.sample(range(12), 4):
            assert classic_note_type(72 + pc, ours) == _m21_type(c, 72 + pc), (midis, pc)


def test_classic_scale_derivation_examples_from_the_spec():
    dm7 = tuple(spell_midi(m) for m in (62, 65, 69, 72))
    cmaj7 = tuple(spell_midi(m) for m in (60, 64, 67, 71))
    assert derive_scale(dm7, "dorian")[0].name == "G"  # Dm7 -> G dorian
    assert derive_scale(cmaj7, "major")[0].name == "G"  # Cmaj7 -> G major
    assert classic_scale_names(cmaj7) == frozenset("GABCDE") | {"F#"}


def test_doubled_pitch_classes_count_once_in_the_derivation():
    # The one chord of the classic solo whose scale depends on it (F doubled).
    chord = tuple(spell_midi(m) for m in (61, 57, 59, 65, 43, 53))
    assert chord_quality(chord) == "augmented"
    assert derive_scale(chord, "dorian")[0].name == "E"
    assert classic_note_type(66, chord) == "S"


def test_pitch_class_types():
    c = frozenset({0, 4, 7})
    ionian = frozenset({0, 2, 4, 5, 7, 9, 11})
    assert [pitch_class_type(pc, c, ionian) for pc in (0, 2, 1, 10)] == ["C", "S", "A", "X"]
