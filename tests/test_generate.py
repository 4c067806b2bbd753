"""Generation: values decoded over chords, bar filling, the course mode, seeds."""

from __future__ import annotations

import random

import pytest

from jazzsolo.corpus import classic_corpus
from jazzsolo.data import one_hot_windows
from jazzsolo.errors import JazzsoloError
from jazzsolo.generate import (
    GenerateConfig,
    _take_bar,
    bars_from_progression,
    generate_solos,
    walking_bass_for,
)
from jazzsolo.grammar import ChordContext, Decoder, Value, chord_context, clean_up, parse_value
from jazzsolo.lstm import NumpyLSTM
from jazzsolo.model import ModelConfig
from jazzsolo.sample import SampleConfig
from jazzsolo.score import Chord, Note
from jazzsolo.train import TrainConfig, train

from .hand_models import cycle_tensors


@pytest.fixture(scope="module")
def trained(metheny):
    corpus = classic_corpus(metheny)
    vocab = corpus.vocabulary
    x, y = one_hot_windows(corpus.values, vocab)
    model, _ = train(x, y, ModelConfig(len(vocab)), TrainConfig(epochs=40), progress=False)
    bars = corpus.chord_bars
    return model, vocab, bars


def _bar_notes(sheet, bar):
    return [n for n in sheet.melody if 4 * bar <= n.start < 4 * bar + 4]


def test_fill_mode_fills_every_bar_without_overlap(trained):
    model, vocab, bars = trained
    [sheet] = generate_solos(model, vocab, bars, SampleConfig(seed=3), GenerateConfig())
    assert sheet.n_bars == len(bars) == 18
    notes = sheet.melody
    assert notes, "no notes generated"
    for a, b in zip(notes, notes[1:], strict=False):
        assert a.end <= b.start + 1e-9, "the solo must be monophonic"
        assert a.pitch != b.pitch or a.end < b.start - 1e-9
    assert all(48 <= n.pitch <= 84 for n in notes)
    assert max(n.end for n in notes) <= 4 * 18 + 1e-9
    covered = sum(1 for b in range(18) if _bar_notes(sheet, b))
    assert covered >= 15, f"only {covered} of 18 bars have notes"
    assert len(sheet.chords) == sum(len(b) for b in bars)


def test_greedy_is_not_one_value_repeated(trained):
    from jazzsolo.sample import sample_indices

    model, vocab, _ = trained
    idx, _ = sample_indices(model, 50, 1, SampleConfig(strategy="greedy"))
    assert len(set(idx[0].tolist())) > 5


def test_same_seed_same_solo_and_different_seeds_differ(trained):
    model, vocab, bars = trained
    a = generate_solos(model, vocab, bars, SampleConfig(seed=1), GenerateConfig(seed=1))[0]
    b = generate_solos(model, vocab, bars, SampleConfig(seed=1), GenerateConfig(seed=1))[0]
    c = generate_solos(model, vocab, bars, SampleConfig(seed=2), GenerateConfig(seed=2))[0]
    assert a.melody == b.melody
    assert a.melody != c.melody


def test_batched_outputs_differ(trained):
    model, vocab, bars = trained
    sheets = generate_solos(model, vocab, bars, SampleConfig(seed=5),
                            GenerateConfig(n_outputs=3, seed=5))
    assert len(sheets) == 3
    melodies = [tuple(s.melody) for s in sheets]
    assert len(set(melodies)) == 3, "every batched solo must differ from every other"


def test_course_mode_reproduces_the_exercise_loop(trained):
    model, vocab, bars = trained
    [sheet] = generate_solos(model, vocab, bars, SampleConfig(strategy="greedy"),
                             GenerateConfig(mode="course"))
    # int(19 chord groups / 3) = 6 -> measures 1..5, 51 values each (C,0.25 + 50), overlapping.
    assert sheet.n_bars == 5
    assert max(n.end for n in sheet.melody) > 5 * 4, "course measures overlap the next ones"
    assert all(abs(n.duration * 4 - round(n.duration * 4)) < 1e-9 for n in sheet.melody)
    first = min(sheet.melody, key=lambda n: n.start)
    assert first.start == 0 and first.duration == 0.25


def test_take_bar_cuts_the_value_that_crosses_the_bar_line():
    stream = [parse_value(v) for v in ["C,1.000", "S,2.000,<m2,P-4>", "C,1.500", "R,0.250"]]
    bar = _take_bar(stream, 4.0)
    assert [v.duration for v in bar] == [1.0, 2.0, 1.0]
    assert [str(v) for v in stream] == ["R,0.250"]
    assert _take_bar(stream, 4.0) is None


def test_fill_mode_starts_each_bar_with_the_value_after_the_cut_one():
    # A hand-set model plays a dotted half (a step or two up: never a repeated pitch) then a
    # half rest, over and over (greedy): every bar is the dotted half and the rest cut to a
    # quarter; a replayed rest would move the note off the downbeat.
    vocabulary = ["X,3.000,<M2,m2>", "R,2.000"]
    model = NumpyLSTM.from_tensors(cycle_tensors(2, [0, 1]))
    no_chord = [Chord(0.0, 4.0, (), None)]
    [sheet] = generate_solos(model, vocabulary, [no_chord] * 6,
                             SampleConfig(strategy="greedy"), GenerateConfig())
    assert [(n.start, n.duration) for n in sheet.melody] == [(4.0 * b, 3.0) for b in range(6)]


def test_decoder_respects_type_and_interval_bounds():
    ctx = ChordContext(0.0, frozenset({0, 4, 7}), frozenset({0, 2, 4, 5, 7, 9, 11}))
    dec = Decoder(random.Random(0))
    first = dec.pitch_for(Value("C", 0.25), ctx)
    assert first % 12 in ctx.chord_pcs and 60 <= first <= 72
    moves = []
    for _ in range(200):
        prev = dec.previous
        v = Value("S", 0.25, "M3", "m-3")  # between a minor third down and a major third up
        p = dec.pitch_for(v, ctx)
        assert prev - 3 <= p <= prev + 4
        assert p % 12 in ctx.scale_pcs and p % 12 not in ctx.chord_pcs or abs(p - prev) == 2
        # Any 8 semitones hold a scale tone that is no chord tone: the fallback is never needed.
        assert p % 12 in {2, 5, 9, 11}, p
        moves.append(p - prev)
    # Random choice inside the bounds: down as often as up, and the reachable steps are taken
    # (from D, F, A or B the next of them is 2, 3 or 4 semitones away, either way).
    downs, ups = sum(m < 0 for m in moves), sum(m > 0 for m in moves)
    assert downs > 35 and ups > 35, (downs, ups)  # ~50 each (and ~100 repeats) at seed 0
    assert {-3, -2} <= set(moves) and {2, 3, 4} <= set(moves)


def test_decoder_bounds_from_descending_intervals_go_down():
    ctx = ChordContext(0.0, frozenset(), frozenset())  # no chord: every pitch fits
    dec = Decoder(random.Random(1), previous=72)
    for _ in range(10):
        prev = dec.previous
        assert prev - 4 <= dec.pitch_for(Value("X", 0.5, "m-2", "M-3"), ctx) <= prev - 1
    assert dec.previous <= 72 - 10
    for _ in range(10):
        prev = dec.previous
        assert prev + 1 <= dec.pitch_for(Value("X", 0.5, "M3", "m2"), ctx) <= prev + 4


def test_decoder_whole_step_fallback_goes_both_ways():
    # Only a semitone up is allowed, and it is no chord tone: the fallback moves a whole step.
    ctx = ChordContext(0.0, frozenset({0, 4, 7}), frozenset({0, 2, 4, 5, 7, 9, 11}))
    steps = set()
    for seed in range(40):
        dec = Decoder(random.Random(seed), previous=64)  # E: F (65) is no chord tone
        steps.add(dec.pitch_for(Value("C", 0.25, "m2", "m2"), ctx) - 64)
    assert steps == {-2, 2}
    dec = Decoder(random.Random(0), previous=84)  # at the top of the range it can only go down
    assert dec.pitch_for(Value("C", 0.25, "m2", "m2"), ctx) == 82
    assert all(48 <= dec.pitch_for(Value("C", 0.25, "m2", "m2"), ctx) <= 84 for _ in range(20))


def test_chord_context_from_symbol_and_from_pitches():
    sym = chord_context(Chord(0, 4, (62, 65, 69, 72), "Dm7"))
    assert sym.chord_pcs == {2, 5, 9, 0} and {2, 4, 5, 7, 9, 11, 0} == set(sym.scale_pcs)
    classic = chord_context(Chord(0, 4, (62, 65, 69, 72)))
    assert classic.chord_pcs == {2, 5, 9, 0}
    assert classic.scale_pcs == {7, 9, 10, 0, 2, 4, 5}  # the classic G dorian


def test_clean_up_rules():
    notes = [Note(0, 0.5, 60), Note(0.5, 0, 62), Note(0.5, 0.5, 64), Note(1, 0.5, 62),
             Note(1.5, 0.5, 62)]
    out = clean_up(notes)
    assert [(n.start, n.duration, n.pitch) for n in out] == [(0, 0.5, 60), (0.5, 0.25, 62)]


def test_progression_bars_and_walking_bass():
    bars = bars_from_progression("Dm7 G7 | Cmaj7 | % | A7alt", 4, choruses=2)
    assert len(bars) == 8
    assert [c.symbol for c in bars[0]] == ["Dm7", "G7"]
    assert [c.start for c in bars[0]] == [0, 2]
    bass = walking_bass_for(bars, 4.0, seed=0)
    assert len(bass) == 32 and all(n.duration == 1 for n in bass)
    with pytest.raises(JazzsoloError, match="Cmjx7"):
        bars_from_progression("Dm7 G7 | Cmjx7")
