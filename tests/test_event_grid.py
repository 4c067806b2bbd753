"""The event grid: 24 ticks a quarter, with 32nds and sextuplets only where a beat needs them,
and the first models' 12-tick grid still read and played."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzsolo.errors import JazzsoloError
from jazzsolo.events import GRIDS, REST, TICKS, changes_from_bars, encode, snap_onsets
from jazzsolo.generate import bars_from_progression
from jazzsolo.generate_jazz import JazzSampling, generate_jazz_solos
from jazzsolo.models.jazz_format import JazzConfig, load_jazz_arrays, load_jazz_for_inference
from jazzsolo.score import Chord, LeadSheet, Note


def _sheet(starts: list[float], length: float = 0.25, tempo: float = 120.0) -> LeadSheet:
    """A one-chord lead sheet whose notes start at ``starts`` (quarter notes)."""
    notes = [Note(s, length, 60 + k % 12) for k, s in enumerate(starts)]
    bars = int(max(starts) // 4) + 2
    chords = [Chord(4.0 * b, 4.0, (48, 52, 55), "C") for b in range(bars)]
    return LeadSheet(notes, chords, 4, 4, tempo=tempo, n_bars=bars)


def test_a_32nd_note_run_keeps_every_note_on_the_fine_grid_and_loses_half_on_the_plain():
    run = [k / 8 for k in range(16)]  # two beats of 32nds
    fine = encode(_sheet(run, 1 / 8), 24)
    plain = encode(_sheet(run, 1 / 8), 12)
    assert (fine.pitch != REST).sum() == 16
    assert (plain.pitch != REST).sum() == 8  # sixteenths only: every other note merged
    assert (fine.duration == 3).all() and fine.onset.tolist() == [3 * k for k in range(16)]


def test_a_sextuplet_takes_the_fine_triplet_pattern():
    seq = encode(_sheet([k / 6 for k in range(6)] + [1.0], 1 / 6), 24)
    assert seq.onset.tolist() == [0, 4, 8, 12, 16, 20, 24]


@given(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1 / 3, 2 / 3]), min_size=1, max_size=4,
                unique=True),
       st.lists(st.floats(-0.03, 0.03), min_size=4, max_size=4),
       st.integers(0, 6))
@settings(max_examples=60, deadline=None)
def test_beats_the_plain_grid_holds_are_written_as_before_times_two(places, jitter, beat):
    """Sixteenths or triplets (played a little early or late) snap exactly as on the 12-tick
    grid, in 24-tick units: only beats that would lose notes change."""
    pattern = sorted(places)
    if any(b - a < 0.2 for a, b in zip(pattern, pattern[1:], strict=False)):
        pattern = pattern[:1]  # mixed sixteenth and triplet neighbours: keep one note
    starts = [beat + p + j for p, j in zip(pattern, jitter, strict=False)]
    starts = [s for s in starts if s >= 0] or [float(beat)]
    twelve = snap_onsets([s * 12 for s in starts], GRIDS[12])
    if len(set(twelve)) == len(twelve):  # nothing merged on the plain grid
        assert snap_onsets([s * 24 for s in starts], GRIDS[24]) == [2 * t for t in twelve]


def test_encoding_on_both_grids_agrees_where_the_plain_one_merges_nothing(shared_data):
    from jazzsolo.wjazzd import read_wjazzd

    # A fast solo (over 200 bpm): almost every beat fits the plain grid.
    sheet = read_wjazzd(shared_data / "wjazzd" / "melody" / "CharlieParker_Ornithology_FINAL.csv")
    a, b = encode(sheet, 12), encode(sheet, 24)
    assert (b.pitch != REST).sum() >= (a.pitch != REST).sum()
    same = 0
    while (same < min(len(a), len(b)) and a.pitch[same] == b.pitch[same]
           and 2 * a.onset[same] == b.onset[same]):
        same += 1
    assert same > 50  # the two encodings agree event for event until a beat needs the fine grid
    # ... and so do their durations (the last one ends where the next onsets part).
    assert (2 * a.duration[:same - 1] == b.duration[:same - 1]).all()


def test_changes_move_between_grids_and_keep_their_chords():
    changes = changes_from_bars(bars_from_progression("Dm7 G7 | Cmaj7", 4), 4.0, ticks=12)
    on24 = changes.at(24)
    assert on24.ticks == 24 and on24.bar_ticks == 96 and on24.starts == (0, 48, 96)
    assert on24.at(12) == changes and changes.at(12) is changes
    assert [(c.start, c.duration, c.symbol) for c in on24.chords()] == \
           [(c.start, c.duration, c.symbol) for c in changes.chords()]


def test_each_grid_sizes_the_duration_head_and_the_fields():
    for ticks, grid in GRIDS.items():
        config = JazzConfig(hidden=8, layers=1, ticks=ticks)
        assert config.n_duration == grid.max_ticks == 4 * ticks
        assert config.field_sizes["sub"] == ticks
        assert config.field_sizes["prev_duration"] == grid.max_ticks + 1


def test_a_12_tick_model_saved_before_the_grid_field_loads_and_plays(tmp_path):
    from jazzsolo.models.jazz import JazzLSTM
    from jazzsolo.models.jazz_format import save_jazz

    config = JazzConfig(hidden=8, layers=1, ticks=12)
    tensors = {k: v.numpy() for k, v in JazzLSTM(config).state_dict().items()}
    save_jazz(tmp_path, config, tensors, {"register": [50, 80]})
    doc = json.loads((tmp_path / "model.json").read_text())
    assert doc["fields"]["sub"] == 12 and doc["fields"]["prev_duration"] == 49
    del doc["config"]["ticks"]  # as every model.json written before the 24-tick grid
    (tmp_path / "model.json").write_text(json.dumps(doc))
    loaded, _, _ = load_jazz_arrays(tmp_path)
    assert loaded.ticks == 12
    model, meta = load_jazz_for_inference(tmp_path)
    # Changes built on today's grid are moved onto the model's: every bar is filled.
    changes = changes_from_bars(bars_from_progression("Dm7 G7 | Cmaj7 | A7", 3), 3.0, 3, 4)
    assert changes.ticks == TICKS
    sheet = generate_jazz_solos(model, meta, changes, 1, JazzSampling(seed=0))[0]
    ends = [n.end for n in sheet.melody]
    assert sheet.melody and max(ends) <= 9.0 + 1e-9
    assert all(a.end <= b.start + 1e-9 for a, b in zip(sheet.melody, sheet.melody[1:],
                                                       strict=False))
    starts = np.array([n.start for n in sheet.melody]) * 12
    assert np.allclose(starts, np.round(starts))  # on the model's own 12-tick grid
    # It scores real solos on its own grid too (a 32nd run would not fit it).
    from jazzsolo.models.jazz_nll import JazzNLL

    run = _sheet([k / 8 for k in range(16)], 1 / 8)
    bits = JazzNLL(model).nll_bits([run])
    assert all(np.isfinite(v) and v > 0 for v in bits.values())


def test_an_unknown_grid_is_a_config_error():
    with pytest.raises(JazzsoloError, match="ticks must be one of"):
        JazzConfig(ticks=16)


def test_the_position_mask_keeps_every_note_where_the_grid_writes_one_at_that_tempo():
    from jazzsolo.generate_jazz import default_jazz_dir

    model, meta = load_jazz_for_inference(default_jazz_dir(), np.float32)
    changes = changes_from_bars(bars_from_progression("F7 | Bb7 | F7 | C7", 4) * 2, 4.0)
    grid = GRIDS[model.config.ticks]
    assert grid.positions_at(200.0, 0.1).sum() == len(grid.ends) - 1  # plain only (24 is 0)
    assert grid.positions_at(60.0, 0.1).sum() > grid.positions_at(90.0, 0.1).sum() > \
        grid.positions_at(200.0, 0.1).sum()
    for bpm in (60.0, 90.0, 240.0):
        allowed = grid.positions_at(bpm, 0.1)
        takes = generate_jazz_solos(model, meta, changes, 4, JazzSampling(seed=3, min_step=0.1),
                                    tempo=bpm)
        starts = [round(n.start * grid.ticks) % grid.ticks for s in takes for n in s.melody]
        assert starts and all(allowed[p] for p in starts), bpm
        assert all(s.melody[-1].end <= 32.0 + 1e-9 for s in takes)  # bars still filled exactly


def test_the_mask_with_ornaments_lets_a_fine_position_in_only_for_one_fine_step():
    from jazzsolo.generate_jazz import end_mask, ornament_positions

    grid = GRIDS[24]
    changes = changes_from_bars(bars_from_progression("C7 | C7", 4), 4.0).at(24)
    allowed = grid.positions_at(200.0, 0.1)  # plain positions only at this tempo
    extra = ornament_positions(24, allowed)
    assert extra.tolist() == [p in (3, 4, 9, 15, 20, 21) for p in range(24)]
    t = np.array([0, 3, 4, 2])  # a downbeat, a 32nd, a sextuplet, a position no pattern has
    plain = end_mask(t, changes, allowed, 96)
    orn = end_mask(t, changes, allowed, 96, extra)
    assert not plain[0, 2] and orn[0, 2]  # from the downbeat into a 32nd (3 ticks) ...
    assert not orn[0, 1] and not orn[0, 9]  # ... but never to a position no pattern holds
    assert (plain[0] <= orn[0]).all()  # ornaments only add ends from an allowed position
    assert np.flatnonzero(orn[1]).tolist() == [2]  # from a 32nd: back to the sixteenth at once
    assert np.flatnonzero(orn[2]).tolist() == [1, 3]  # from a sextuplet: a sixteenth or triplet
    assert orn[3].all()  # off every pattern: not masked, as without ornaments


def test_ornaments_are_short_notes_that_return_to_the_grid_at_fast_tempos():
    from jazzsolo.generate_jazz import default_jazz_dir

    model, meta = load_jazz_for_inference(default_jazz_dir(), np.float32)
    changes = changes_from_bars(bars_from_progression("F7 | Bb7 | F7 | C7", 4) * 4, 4.0)
    grid = GRIDS[model.config.ticks]
    allowed = grid.positions_at(140.0, 0.1)
    takes = generate_jazz_solos(model, meta, changes, 8,
                                JazzSampling(seed=5, min_step=0.1, ornaments=True), tempo=140.0)
    off = 0
    for take in takes:
        assert take.melody[-1].end <= 64.0 + 1e-9
        for note in take.melody:
            start = round(note.start * grid.ticks)
            assert grid.plain_positions()[start % grid.ticks] or grid.fine_positions()[
                start % grid.ticks]
            if not allowed[start % grid.ticks]:  # an ornament: one fine step, then the grid
                off += 1
                assert note.pitch is not None
                assert round(note.duration * grid.ticks) <= grid.fine_step
                assert allowed[round(note.end * grid.ticks) % grid.ticks]
    assert off > 0  # the model does ornament at this tempo when allowed to


@settings(max_examples=60, deadline=None)
@given(bpm=st.floats(40.0, 320.0), beats=st.sampled_from([3, 4, 5]), ornaments=st.booleans())
def test_the_position_mask_always_leaves_a_way_on_and_ornaments_always_return(bpm, beats,
                                                                              ornaments):
    from jazzsolo.generate_jazz import end_mask, ornament_positions

    grid = GRIDS[24]
    changes = changes_from_bars(bars_from_progression("C7 | F7", beats), float(beats)).at(24)
    allowed = grid.positions_at(bpm, 0.1)
    extra = ornament_positions(24, allowed) if ornaments else np.zeros(24, dtype=bool)
    starts = np.flatnonzero(allowed | extra)
    t = np.concatenate([starts + changes.bar_ticks * b for b in range(2)])
    t = t[t < changes.total_ticks]
    rows = end_mask(t, changes, allowed, grid.max_ticks, extra if ornaments else None)
    assert rows.any(axis=1).all()  # never a dead end: some duration is always allowed
    for k, start in enumerate(t):
        d = np.flatnonzero(rows[k]) + 1
        inner = d[start + d < changes.total_ticks]
        lands = (start % changes.bar_ticks + inner) % changes.bar_ticks % 24
        if extra[start % changes.bar_ticks % 24]:  # an ornament: back on the grid at once
            assert allowed[lands].all() and (inner <= grid.fine_step).all()
        else:
            assert (allowed[lands] | extra[lands]).all()
