"""The classic import must give what music21 6.7.1 gave the classic pipeline.

Every expected value here was produced by music21 6.7.1 itself (converter.parse on the same file,
then the classic code's voice merge and window) and checked against this implementation; the
facts asserted are the ones the classic grammar depends on.
"""

from __future__ import annotations

import pytest
import symusic

from jazzsolo.classic_import import (
    Element,
    classic_chords,
    classic_melody,
    classic_part_elements,
    classic_tempo,
    classic_time_signature,
    list_note_tracks,
)
from jazzsolo.errors import JazzsoloError

from .conftest import require_data

T = 1 / 3  # a triplet eighth


@pytest.fixture(scope="module")
def metheny() -> symusic.Score:
    return symusic.Score(str(require_data("original_metheny.mid") / "original_metheny.mid"))


def _key(elements: list[Element]) -> list[tuple[float, float, tuple[int, ...]]]:
    return [(e.offset, e.duration, e.pitches) for e in elements]


def _assert_same(got: list[Element], expected: list[tuple[float, float, tuple[int, ...]]]):
    assert len(got) == len(expected)
    for e, (offset, duration, pitches) in zip(got, expected, strict=True):
        assert e.offset == pytest.approx(offset, abs=1e-6)
        assert e.duration == pytest.approx(duration, abs=1e-6)
        assert e.pitches == pitches


# ----------------------------------------------------------------------------- the classic file


def test_parts_and_voices(metheny):
    assert list_note_tracks(metheny) == list(range(19))
    solo = classic_part_elements(metheny, 5)
    assert {e.voice for e in solo} == {0, 1}
    # music21 fills gaps with rests in the first voice only; the last voice gets none
    assert not any(e.is_rest for e in solo if e.voice == 1)
    assert sum(e.is_rest for e in solo if e.voice == 0) == 618
    assert sum(not e.is_rest for e in solo) == 819 + 205 + 63 + 19
    piano = classic_part_elements(metheny, 0)
    # five voices; rests in every voice but the last (trailing rests reach the part's end)
    rests = [sum(e.voice == v and e.is_rest for e in piano) for v in range(5)]
    assert rests == [346, 161, 50, 32, 0]
    assert [sum(e.voice == v and not e.is_rest for e in piano) for v in range(5)] == [
        476, 205, 52, 33, 4,
    ]
    assert {e.voice for e in classic_part_elements(metheny, 1)} == {0}  # bass: no voices


def test_melody_window(metheny):
    mel = classic_melody(metheny, 5, 476, 548)
    assert len(mel) == 275
    assert sum(e.is_rest for e in mel) == 82
    assert sum(len(e.pitches) == 1 for e in mel) == 193
    _assert_same(mel[:10], [
        (476.0, 0.5, (75,)),
        (476.5, 0.5 - T, ()),
        (476 + 2 * T, T, (72,)),
        (477.0, T, ()),
        (477 + T, 0.25, (67,)),
        (477.5, 0.25, (68,)),
        (477 + 7 / 12, 1 / 12, ()),
        (477 + 2 * T, 0.25, (72,)),
        (477.75, 0.25, (75,)),
        (477 + 11 / 12, 1 / 12, ()),
    ])
    _assert_same(mel[-5:], [
        (546.75, 0.25, (70,)),
        (547.0, 0.25, (77,)),
        (547.25, 0.25, ()),
        (547.5, 0.25, (79,)),
        (547.75, 71.0, ()),  # the first voice's rest up to the second voice's next note
    ])
    # equal offsets: the first voice's element comes first
    same = [(e.pitches, e.voice) for e in mel if e.offset == 513.25]
    assert same == [((79,), 0), ((77,), 1)]
    offsets = [e.offset for e in mel]
    assert offsets == sorted(offsets)


def test_chords_window(metheny):
    chords = classic_chords(metheny, [0, 1, 6, 7], 476, 548)
    assert len(chords) == 52
    assert all(len(c.pitches) > 1 for c in chords)
    _assert_same(chords[:1], [(476.0, 0.75, (63, 67, 60, 58, 44))])
    _assert_same(chords[-1:], [(548.0, 1.75, (58, 67, 63, 60))])
    pairs = {}
    for c in chords:
        pairs.setdefault(c.offset, []).append((c.duration, c.pitches))
    doubles = {o: v for o, v in pairs.items() if len(v) > 1}
    assert sorted(doubles) == [488.0, 520.0, 528.0, 536.0, 545.5]
    assert doubles[488.0] == [(0.75, (56, 61, 53)), (0.75, (63, 61, 60))]
    assert doubles[536.0] == [(2.25, (56, 46)), (pytest.approx(2 + T), (61, 60, 65))]
    assert doubles[545.5] == [(pytest.approx(1 + T), (65, 68, 60, 61)), (1.5, (56, 61))]
    # only the first listed part counts, as in the classic code
    assert classic_chords(metheny, [0], 476, 548) == chords


def test_tempo_and_meter(metheny):
    assert classic_tempo(metheny) == 112.0
    assert classic_time_signature(metheny) == (4, 4)


def test_missing_part_is_a_clear_error(metheny):
    with pytest.raises(JazzsoloError, match=r"^score: no part 19 \(the file has 19 parts\)$"):
        classic_melody(metheny, 19, 0, 8)
    with pytest.raises(JazzsoloError, match="no part -1"):
        classic_part_elements(metheny, -1, source="solo.mid")
    with pytest.raises(JazzsoloError, match="^solo.mid: no part 30"):
        classic_chords(metheny, [30], 0, 8, source="solo.mid")


# ------------------------------------------------- small files (expected values from music21)


def _score(notes: list[tuple[int, int, int]], *more: list[tuple[int, int, int]]) -> symusic.Score:
    """A 96-ticks-per-quarter score; each list of (start tick, duration tick, pitch) a track."""
    score = symusic.Score(96)
    for track_notes in (notes, *more):
        track = symusic.Track("t", 0, False)
        for start, duration, pitch in track_notes:
            track.notes.append(symusic.Note(start, duration, pitch, 90))
        score.tracks.append(track)
    return score


def _parts(score: symusic.Score, part: int = 0) -> list[tuple[float, float, tuple[int, ...], int]]:
    return [(e.offset, e.duration, e.pitches, e.voice) for e in classic_part_elements(score, part)]


def test_same_onset_different_end_makes_two_voices():
    score = _score([(0, 192, 60), (0, 96, 64), (96, 96, 62), (288, 96, 65)])
    assert _parts(score) == [
        (0.0, 2.0, (60,), 0), (2.0, 1.0, (), 0), (3.0, 1.0, (65,), 0),
        (0.0, 1.0, (64,), 1), (1.0, 1.0, (62,), 1),
    ]
    assert _key(classic_melody(score, 0, 0, 4)) == [
        (0.0, 2.0, (60,)), (0.0, 1.0, (64,)), (1.0, 1.0, (62,)), (2.0, 1.0, ()), (3.0, 1.0, (65,)),
    ]


def test_legato_overlap_stays_in_one_voice():
    # only near-simultaneous onsets with different ends ask for voices; legato does not
    score = _score([(0, 120, 60), (96, 96, 62), (192, 96, 64)])
    assert _parts(score) == [(0.0, 1.25, (60,), 0), (1.0, 1.0, (62,), 0), (2.0, 1.0, (64,), 0)]


def test_near_simultaneous_notes_make_a_chord():
    # onsets within 1/16 quarter and ends within 1/16: one chord, pitches in note-on order,
    # lasting from the last onset (5 ticks) to the first note's end (30 ticks) = 0.26 -> 0.25
    score = _score([(0, 30, 60), (2, 31, 64), (5, 27, 67), (96, 96, 72)])
    assert _parts(score) == [
        (0.0, 0.25, (60, 64, 67), 0), (0.25, 0.75, (), 0), (1.0, 1.0, (72,), 0),
    ]
    assert _key(classic_chords(score, [0], 0, 4)) == [(0.0, 0.25, (60, 64, 67))]


def test_chord_member_with_a_far_end_goes_to_another_voice():
    score = _score([(0, 30, 60), (2, 31, 64), (5, 33, 67), (96, 96, 72)])
    got = _parts(score)
    assert got[:3] == [(0.0, 0.25, (60, 64), 0), (0.25, 0.75, (), 0), (1.0, 1.0, (72,), 0)]
    assert got[3] == (0.0, pytest.approx(T), (67,), 1)


def test_three_voices_rests_in_all_but_the_last():
    score = _score([(0, 384, 60), (0, 192, 64), (0, 96, 67), (480, 96, 72)])
    assert _parts(score) == [
        (0.0, 4.0, (60,), 0), (4.0, 1.0, (), 0), (5.0, 1.0, (72,), 0),
        (0.0, 2.0, (64,), 1), (2.0, 4.0, (), 1),
        (0.0, 1.0, (67,), 2),
    ]


def test_voices_asked_for_but_not_needed_leave_no_rests():
    # a zero-length note beside a longer one asks for voices, but grace notes overlap nothing,
    # so music21 makes no voice and, on that path, no rests either (the 1..2 gap stays empty)
    score = _score([(0, 0, 60), (0, 96, 64), (192, 96, 67)])
    assert _parts(score) == [(0.0, 0.0, (60,), 0), (0.0, 1.0, (64,), 0), (2.0, 1.0, (67,), 0)]


def test_gaps_become_rests():
    score = _score([(48, 48, 60), (192, 96, 62)])
    assert _parts(score) == [
        (0.0, 0.5, (), 0), (0.5, 0.5, (60,), 0), (1.0, 1.0, (), 0), (2.0, 1.0, (62,), 0),
    ]


def test_zero_length_note_is_a_grace_note():
    score = _score([(0, 96, 60), (96, 0, 62), (192, 96, 64)])
    assert _parts(score) == [
        (0.0, 1.0, (60,), 0), (1.0, 0.0, (62,), 0), (1.0, 1.0, (), 0), (2.0, 1.0, (64,), 0),
    ]
    # the classic code lengthens it to 0.25; it still sorts before the rest at its offset
    assert _key(classic_melody(score, 0, 1, 1)) == [(1.0, 0.25, (62,)), (1.0, 1.0, ())]


def test_quantization_grid_and_ties():
    # 37 ticks -> 1/3; 124 ticks = 1.2917 is as far from 1.25 as from 1.3333: the smaller wins;
    # a 1-tick note snaps to 0 and is given 0.25
    score = _score([(37, 59, 60), (124, 68, 62), (220, 1, 64)])
    got = _parts(score)
    expected = [
        (0.0, T, ()), (T, 2 * T, (60,)), (1.0, 0.25, ()), (1.25, 2 * T, (62,)),
        (1.25 + 2 * T, T, ()), (2.25, 0.25, (64,)),
    ]
    assert len(got) == len(expected)
    for g, (offset, duration, pitches) in zip(got, expected, strict=True):
        assert g[0] == pytest.approx(offset) and g[1] == pytest.approx(duration)
        assert g[2] == pitches


def test_part_numbering_skips_tracks_without_notes():
    score = _score([(0, 96, 60)], [], [(0, 96, 48)])
    assert list_note_tracks(score) == [0, 2]
    assert _parts(score, 1) == [(0.0, 1.0, (48,), 0)]
    with pytest.raises(JazzsoloError, match=r"no part 2 \(the file has 2 parts\)"):
        classic_part_elements(score, 2)


def test_quarter_time_scores_are_accepted():
    score = _score([(48, 48, 60), (192, 96, 62)])
    assert classic_part_elements(score.to("quarter"), 0) == classic_part_elements(score, 0)
