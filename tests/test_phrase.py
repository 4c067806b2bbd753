"""The phrase fields (where a solo stands in its phrase, the same in training and generation)
and the density field (how busy the whole solo is, drawn for each take in generation)."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzsolo.events import (
    BAR_PLAN_CAP,
    CONTEXT_FIELDS,
    PHRASE_CAP,
    REST,
    TICKS,
    PhraseCounter,
    changes_from_bars,
    context_at,
    phrase_columns,
)
from jazzsolo.generate import bars_from_progression
from jazzsolo.models.jazz_format import FIELDS, JazzConfig

BAR = 4 * TICKS
START = BAR_PLAN_CAP + 1  # the bar-to-bar table's row for a solo's first bar


def _save_untrained(folder, config: JazzConfig, meta: dict) -> None:
    """An untrained model of ``config`` (torch seed 0) saved with ``meta`` into ``folder``."""
    import torch

    from jazzsolo.models.jazz import JazzLSTM
    from jazzsolo.models.jazz_format import save_jazz

    torch.manual_seed(0)
    save_jazz(folder, config, {k: v.numpy() for k, v in JazzLSTM(config).state_dict().items()},
              meta)


def _onsets(durations):
    return np.concatenate([[0], np.cumsum(durations)[:-1]]).astype(np.int64)


def test_phrase_columns_count_quarters_since_a_rest_and_notes_in_the_bar_before():
    q = TICKS
    # bar 0: four quarter notes; bar 1: an eighth, a rest of a dotted quarter, a half note;
    # bar 2: a whole note.
    pitch = np.array([60, 62, 64, 65, 67, REST, 69, 70])
    dur = np.array([q, q, q, q, q // 2, 3 * q // 2, 2 * q, 4 * q])
    cols = phrase_columns(pitch, dur, _onsets(dur), BAR, TICKS)
    assert cols[:, 0].tolist() == [0, 1, 2, 3, 4, 4, 0, 2]  # the rest ends at 2 quarters in bar 1
    assert cols[:, 1].tolist() == [0, 0, 0, 0, 4, 4, 4, 2]  # bar 1 holds 2 notes, bar 0 four


def test_a_pickup_counts_as_the_first_bar_and_long_phrases_are_capped():
    q = TICKS
    pitch = np.array([60] * 40)
    dur = np.full(40, q)
    onset = _onsets(dur) - 2 * q  # two quarters before the first bar line
    cols = phrase_columns(pitch, dur, onset, BAR, TICKS)
    assert cols[2:6, 1].tolist() == [2, 2, 2, 2]  # the bar after the pickup: its 2 notes
    assert cols[:, 0].max() == PHRASE_CAP and cols[-1, 0] == PHRASE_CAP
    assert cols[6, 1] == 4


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 3 * TICKS)), min_size=1, max_size=60),
       st.sampled_from([3, 4, 5]))
def test_generation_counts_one_event_at_a_time_what_encode_counts_at_once(events, beats):
    """PhraseCounter (generate) and phrase_columns (encode, training) give every event the
    same fields, for any events and meter: what the model hears never differs between them."""
    pitch = np.array([REST if rest else 60 for rest, _ in events])
    dur = np.array([d for _, d in events])
    onset = _onsets(dur)
    bar_ticks = beats * TICKS
    expected = phrase_columns(pitch, dur, onset, bar_ticks, TICKS)
    n_bars = int(onset[-1] // bar_ticks) + 1
    # Two takes in one batch: the second plays the same events, then stops (not live).
    counter = PhraseCounter(2, n_bars, bar_ticks, TICKS)
    for k in range(len(pitch)):
        t = np.array([onset[k], onset[min(k, 0)]])
        got = counter.columns(t)
        assert got[0].tolist() == expected[k].tolist()
        live = np.array([True, False])
        counter.played(np.array([pitch[k], 60]), np.array([dur[k], 1]), t, live)
    assert (counter.counts[1] == 0).all()  # a take that is not live is not counted


def test_the_hyper_field_numbers_bars_in_fours():
    changes = changes_from_bars(bars_from_progression("C7 | F7 | C7 | G7 | C7 | F7", 4), 4.0)
    ctx, _, _ = context_at(changes, np.arange(6) * BAR + 5)
    assert ctx[:, CONTEXT_FIELDS.index("hyper")].tolist() == [0, 1, 2, 3, 0, 1]


def test_a_model_hears_the_phrase_and_density_fields_only_when_it_has_them():
    import torch

    from jazzsolo.models.jazz import JazzLSTM, to_numpy

    torch.manual_seed(2)
    base = np.zeros((1, len(FIELDS)), dtype=np.int64)
    masks = np.zeros((1, 36))
    flags = {"density": {"density": True}, "bar_plan": {"density": True, "bar_plan": True},
             "bar_left": {"density": True, "bar_plan": True, "bar_left": True}}
    for field in ("hyper", "phrase", "last_bar", "density", "bar_plan", "bar_left"):
        moved = base.copy()
        moved[0, FIELDS.index(field)] = 3
        for reads in (True, False):
            flag = flags.get(field, {"phrase": True}) if reads else {}
            config = JazzConfig(hidden=16, layers=1, **flag)
            assert (field in config.fields) == reads
            model = to_numpy(JazzLSTM(config))
            a, b = (model.step(f, masks)[0] for f in (base, moved))
            assert (np.abs(a - b).max() > 1e-6) == reads


def test_a_model_file_with_a_bad_phrase_flag_is_a_one_line_error(tmp_path):
    import json

    import pytest

    from jazzsolo.errors import JazzsoloError
    from jazzsolo.models.jazz_format import load_jazz_arrays

    _save_untrained(tmp_path, JazzConfig(hidden=8, layers=1, phrase=True), {"register": [50, 80]})
    assert load_jazz_arrays(tmp_path)[0].phrase
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["config"]["phrase"] = "yes"
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(JazzsoloError, match="phrase must be true or false") as err:
        load_jazz_arrays(tmp_path)
    assert "\n" not in str(err.value)


def test_density_buckets_and_encode_puts_the_solos_density_on_every_event():
    from jazzsolo.events import DENSITY_EDGES, density_bucket, encode
    from jazzsolo.score import LeadSheet, Note

    assert [density_bucket(x) for x in (0.0, 2.99, 3.0, 6.5, 12.99, 13.0, 99.0)] == \
        [0, 0, 1, 4, 7, 8, 8]
    assert density_bucket(DENSITY_EDGES[-1]) == len(DENSITY_EDGES)
    # 2 bars: 10 eighth notes and a rest -> 5 notes a bar (bucket 3).
    melody = [Note(0.5 * k, 0.5, 60 + k) for k in range(10)]
    seq = encode(LeadSheet(melody, [], n_bars=2))
    col = seq.context[:, CONTEXT_FIELDS.index("density")]
    assert len(seq) >= 10 and (col == density_bucket(5.0)).all()


def _table(cells):
    from jazzsolo.events import DENSITY_EDGES, TEMPO_BUCKETS

    table = np.zeros((TEMPO_BUCKETS, len(DENSITY_EDGES) + 1), dtype=int)
    for (tempo, density), n in cells.items():
        table[tempo, density] = n
    return {"density_by_tempo": table.tolist()}


def test_each_take_draws_its_density_from_the_training_solos_at_its_tempo():
    import pytest

    from jazzsolo.errors import JazzsoloError
    from jazzsolo.events import tempo_bucket
    from jazzsolo.generate_jazz import draw_densities

    fast, slow = tempo_bucket(280), tempo_bucket(60)
    meta = _table({(fast, 2): 30, (fast, 3): 10, (slow, 7): 40})
    drawn = draw_densities(meta, 280, 400, seed=1)
    assert set(drawn.tolist()) == {2, 3} and 0.65 < (drawn == 2).mean() < 0.85
    assert (draw_densities(meta, 60, 50, seed=1) == 7).all()
    # Same seed, same draws; the first take's draw does not depend on how many takes.
    assert (draw_densities(meta, 280, 400, seed=1) == drawn).all()
    assert all(draw_densities(meta, 280, n, seed=s)[0] == draw_densities(meta, 280, 1, seed=s)[0]
               for n in (2, 8) for s in range(20))
    # A bucket with fewer than 5 solos borrows its neighbours; an empty region the whole table.
    sparse = _table({(fast, 2): 1, (fast + 1, 5): 20, (slow, 7): 40})
    assert set(draw_densities(sparse, 280, 200, seed=0).tolist()) == {2, 5}
    assert set(draw_densities(sparse, 110, 200, seed=0).tolist()) == {2, 5, 7}
    for bad in ({}, {"density_by_tempo": [[1, 2]]}, {"density_by_tempo": "many"},
                _table({}), {"density_by_tempo": (-np.ones((14, 9))).tolist()}):
        with pytest.raises(JazzsoloError, match="density_by_tempo") as err:
            draw_densities(bad, 120, 2, seed=0)
        assert "\n" not in str(err.value)


def test_a_density_model_with_a_bad_table_fails_on_load_naming_its_file(tmp_path):
    import json

    import pytest

    from jazzsolo.errors import JazzsoloError
    from jazzsolo.models.jazz_format import load_jazz_arrays

    _save_untrained(tmp_path, JazzConfig(hidden=8, layers=1, density=True),
                    {"register": [50, 80], **_table({(8, 4): 3})})
    assert load_jazz_arrays(tmp_path)[0].density
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["density_by_tempo"] = [[1, 2]]
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(JazzsoloError, match="density_by_tempo") as err:
        load_jazz_arrays(tmp_path)
    assert str(err.value).startswith(str(tmp_path / "model.json")) and "\n" not in str(err.value)


def test_density_dropout_trains_a_share_of_windows_as_any_density(shared_data, tmp_path):
    """--density-dropout: the "any density" value is trained only when windows are dropped,
    and a model without the density field trains exactly as before whatever the share."""
    import torch
    from safetensors.numpy import load_file

    from jazzsolo.events import DENSITY_ANY
    from jazzsolo.models.jazz import JazzLSTM
    from jazzsolo.train_jazz import JazzTrainConfig, RunOptions, load_solos, train_jazz

    melody = shared_data / "wjazzd" / "melody"
    files = [melody / f"{name}_FINAL.csv" for name in ("ArtPepper_Anthropology",
                                                       "BixBeiderbecke_Margie")]
    solos = load_solos(files, jobs=1)

    def weights(config: JazzConfig, share: float, name: str) -> dict[str, np.ndarray]:
        train_jazz(solos, tmp_path / name, config,
                   JazzTrainConfig(epochs=1, window=32, batch_size=8, val_fraction=0.0,
                                   density_dropout=share), RunOptions(progress=False))
        return load_file(tmp_path / name / "model.safetensors")

    config = JazzConfig(hidden=8, layers=1, density=True)
    torch.manual_seed(0)  # the seed training starts from: the untrained rows
    start = JazzLSTM(config).embed["density"].weight.detach().numpy()
    kept, dropped = weights(config, 0.0, "kept"), weights(config, 0.5, "dropped")
    assert np.array_equal(kept["embed.density.weight"][DENSITY_ANY], start[DENSITY_ANY])
    assert not np.allclose(dropped["embed.density.weight"][DENSITY_ANY], start[DENSITY_ANY])
    plain = JazzConfig(hidden=8, layers=1)
    a, b = weights(plain, 0.0, "plain0"), weights(plain, 0.5, "plain5")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_cli_density_dropout_needs_the_density_field(shared_data, tmp_path, capsys):
    from jazzsolo.cli import main

    melody = shared_data / "wjazzd" / "melody" / "ArtPepper_Anthropology_FINAL.csv"
    assert main(["train", str(melody), "--arch", "jazz", "--density-dropout", "0.2",
                 "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--density-dropout" in err and "--density" in err and "\n" not in err
    assert not (tmp_path / "m").exists()


def test_bar_plan_counts_the_notes_of_each_events_bar():
    from jazzsolo.events import BAR_PLAN_CAP, bar_counts, bar_left_column, bar_plan_column

    q = TICKS
    # a pickup note, bar 0: three notes and a rest, bar 1: empty (a whole-bar rest), bar 2: one
    pitch = np.array([59, 60, 62, REST, 64, REST, 65])
    dur = np.array([q, q, q, q, q, 4 * q, 4 * q])
    onset = _onsets(dur) - q
    assert bar_plan_column(pitch, onset, BAR).tolist() == [1, 3, 3, 3, 3, 0, 1]
    assert bar_counts(pitch, onset, BAR).tolist() == [3, 0, 1]  # the pickup is not a bar
    assert bar_left_column(pitch, onset, BAR).tolist() == [1, 3, 2, 1, 1, 0, 1]
    many = np.full(40, 60)
    assert (bar_plan_column(many, np.arange(40) * 2, BAR) == BAR_PLAN_CAP).all()
    assert bar_plan_column(np.zeros(0, int), np.zeros(0, int), BAR).shape == (0,)


def _plans(cells):
    from jazzsolo.events import BAR_PLAN_CAP, DENSITY_EDGES

    counts = np.zeros((len(DENSITY_EDGES) + 1, BAR_PLAN_CAP + 2, BAR_PLAN_CAP + 1), dtype=int)
    for (d, prev, cur), n in cells.items():
        counts[d, prev, cur] = n
    return {"bar_plan_counts": counts.tolist()}


def test_each_takes_bars_follow_the_training_solos_bar_to_bar():
    import pytest

    from jazzsolo.errors import JazzsoloError
    from jazzsolo.generate_jazz import draw_bar_plans

    start = START
    # density 2: start with 4 notes, then alternate 4 and 8 (or stay on 8 a third of the time)
    meta = _plans({(2, start, 4): 10, (2, 4, 8): 10, (2, 8, 4): 20, (2, 8, 8): 10,
                   (5, start, 12): 9, (5, 12, 12): 9})
    plans = draw_bar_plans(meta, np.array([2, 5, 2]), 40, seed=3)
    assert plans.shape == (3, 40) and plans[:, 0].tolist() == [4, 12, 4]
    assert (plans[1] == 12).all() and set(plans[0].tolist()) == {4, 8}
    after_eight = [b for a, b in zip(plans[[0, 2], :-1].ravel(), plans[[0, 2], 1:].ravel(),
                                     strict=True) if a == 8]
    assert 0.5 < np.mean(np.array(after_eight) == 4) < 0.85
    assert all(b == 8 for a, b in zip(plans[0, :-1], plans[0, 1:], strict=True) if a == 4)
    # Same seed, same plans; the first take's plan does not depend on how many takes.
    assert (draw_bar_plans(meta, np.array([2, 5, 2]), 40, seed=3) == plans).all()
    assert (draw_bar_plans(meta, np.array([2]), 40, seed=3)[0] == plans[0]).all()
    # A density whose row holds fewer than 5 bars borrows every density's row.
    thin = _plans({(0, start, 2): 1, (3, start, 9): 30, (3, 9, 9): 30})
    assert (draw_bar_plans(thin, np.array([0]), 6, seed=0)[0, 1:] == 9).all()
    for bad in ({}, {"bar_plan_counts": [[1]]}, _plans({})):
        with pytest.raises(JazzsoloError, match="bar_plan_counts") as err:
            draw_bar_plans(bad, np.array([0]), 4, seed=0)
        assert "\n" not in str(err.value)


def test_takes_replay_the_bars_of_training_solos_at_their_tempo():
    import pytest

    from jazzsolo.errors import JazzsoloError
    from jazzsolo.events import tempo_bucket
    from jazzsolo.generate_jazz import draw_library_plans
    from jazzsolo.models.jazz_format import plan_library

    slow, fast = tempo_bucket(70.0), tempo_bucket(240.0)
    entries = ([[slow, 7, BAR, [12, 14, 0, 16]]] * 5 + [[fast, 2, BAR, [3, 4, 5]]] * 4
               + [[fast, 3, 3 * TICKS, [2, 2, 2]]] * 6)
    library = plan_library({"bar_plan_library": entries})
    changes = changes_from_bars(bars_from_progression("C7 | F7 | C7 | C7 | G7 | F7 | C7", 4),
                                4.0)
    plan = draw_library_plans(library, 70.0, changes, 6, seed=2)
    assert plan.density.tolist() == [7] * 6 and plan.bars.shape == (6, 7)
    for row in plan.bars:  # a run of the solo's bars from some bar on, wrapping around
        start = [12, 14, 0, 16].index(row[0])
        assert row.tolist() == [[12, 14, 0, 16][(start + i) % 4] for i in range(7)]
    assert len({tuple(r) for r in plan.bars}) > 1
    # At 240 bpm the 4/4 solos are too few (4), so the 3/4 ones of that tempo join them.
    fast_takes = draw_library_plans(library, 240.0, changes, 40, seed=0)
    assert set(fast_takes.density.tolist()) == {2, 3}
    waltz = changes_from_bars(bars_from_progression("C7 | F7 | G7", 3), 3.0)
    assert set(draw_library_plans(library, 240.0, waltz, 40, seed=0).density.tolist()) == {3}
    # Same seed, same plans; the first take's plan does not depend on how many takes.
    again = draw_library_plans(library, 70.0, changes, 1, seed=2)
    assert again.bars[0].tolist() == plan.bars[0].tolist()
    assert plan_library({}) is None  # a model trained before the library: the table's draw
    for bad in ([], "bars", [[slow, 7, BAR]], [[slow, 7, BAR, []]], [[slow, 7, BAR, [3, -1]]],
                [[slow, 7, BAR, [BAR_PLAN_CAP + 1]]], [[99, 7, BAR, [3]]], [[slow, 7, 0, [3]]],
                [[slow, 7.5, BAR, [3]]], [[slow, 7, BAR, [True]]]):
        with pytest.raises(JazzsoloError, match="bar_plan_library") as err:
            plan_library({"bar_plan_library": bad})
        assert "\n" not in str(err.value)


def test_a_bar_plan_model_plays_its_drawn_plan_and_needs_the_density_field(tmp_path):
    import pytest

    from jazzsolo.errors import JazzsoloError
    from jazzsolo.events import tempo_bucket
    from jazzsolo.generate_jazz import JazzSampling, draw_plan, generate_events
    from jazzsolo.models.jazz_format import load_jazz_for_inference

    with pytest.raises(JazzsoloError, match="needs the density field"):
        JazzConfig(hidden=8, layers=1, bar_plan=True)
    with pytest.raises(JazzsoloError, match="needs bar_plan"):
        JazzConfig(hidden=8, layers=1, density=True, bar_left=True)
    config = JazzConfig(hidden=8, layers=1, density=True, bar_plan=True, bar_left=True)
    _save_untrained(tmp_path, config, {"register": [50, 80],
                                       **_table({(b, 3): 5 for b in range(14)}),
                                       **_plans({(3, START, 4): 9, (3, 4, 6): 9, (3, 6, 4): 9})})
    model, doc = load_jazz_for_inference(tmp_path)
    changes = changes_from_bars(bars_from_progression("C7 | F7 | C7 | G7", 4), 4.0)
    plan = draw_plan(model, doc, changes, 2, 120.0, seed=1)
    assert plan.density.tolist() == [3, 3] and plan.bars.tolist() == [[4, 6, 4, 6]] * 2
    replayed = draw_plan(model, {**doc, "bar_plan_library": [[tempo_bucket(120.0), 5, BAR,
                                                              [7, 7, 7]]] * 5},
                         changes, 2, 120.0, seed=1)  # a model that kept its solos' bars
    assert replayed.density.tolist() == [5, 5] and replayed.bars.tolist() == [[7] * 4] * 2
    heard = []
    step = model.step
    columns = [FIELDS.index("bar_plan"), FIELDS.index("bar_left")]
    model.step = lambda f, m, s: (heard.append(f[:, columns].copy()), step(f, m, s))[1]
    takes = generate_events(model, changes, 2, JazzSampling(seed=1), 120.0, 0, plan)
    assert all(d[:-1].sum() < changes.total_ticks <= d.sum() for _, d in takes)
    assert {int(v) for h in heard for v in h[:, 0]} <= {4, 6} and len(heard) > 4
    # bar_left: the take's plan for the bar less the notes it has played in it so far
    pitch, dur = takes[0]
    onset = np.concatenate([[0], np.cumsum(dur)[:-1]])
    bars = onset // changes.bar_ticks
    played = [int(((pitch[:k] != REST) & (bars[:k] == bars[k])).sum()) for k in range(len(pitch))]
    expected = [max(0, plan.bars[0, b] - n) for b, n in zip(bars, played, strict=True)]
    assert [int(h[0, 1]) for h in heard[:len(pitch)]] == expected
    doc = json.loads((tmp_path / "model.json").read_text())
    for key, bad in (("bar_plan_library", [[1, 2, 3]]), ("bar_plan_counts", "often")):
        (tmp_path / "model.json").write_text(json.dumps({**doc, key: bad}))
        with pytest.raises(JazzsoloError, match=key) as err:
            load_jazz_for_inference(tmp_path)
        assert str(err.value).startswith(str(tmp_path / "model.json"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 2 * TICKS)), min_size=1, max_size=60),
       st.sampled_from([3, 4, 5]))
def test_a_plan_of_the_true_bars_counts_down_as_encode_counts(events, beats):
    """Generation's bar_left (the plan less the notes played in the bar, PhraseCounter) equals
    encode's (bar_left_column) when the plan is the solo's own bars: training and generation
    mean the same by it."""
    from jazzsolo.events import bar_counts, bar_left_column

    pitch = np.array([REST if rest else 60 for rest, _ in events])
    dur = np.array([d for _, d in events])
    onset = _onsets(dur)
    bar_ticks = beats * TICKS
    expected = bar_left_column(pitch, onset, bar_ticks)
    plan = bar_counts(pitch, onset, bar_ticks)
    counter = PhraseCounter(1, len(plan), bar_ticks, TICKS)
    for k in range(len(pitch)):
        bar = onset[k] // bar_ticks
        assert max(0, plan[bar] - counter.counts[0, bar]) == expected[k]
        counter.played(pitch[k:k + 1], dur[k:k + 1], onset[k:k + 1], np.array([True]))


def test_keeping_the_plan_allows_only_durations_the_bars_can_still_hold():
    from jazzsolo.generate_jazz import keep_plan_masks

    changes = changes_from_bars(bars_from_progression("C7 | F7 | C7 | G7", 4), 4.0)
    bars = np.array([[2, 0, 3, 1]])
    n = 3 * BAR  # long enough to reach bar 2 from bar 0
    # At the start of bar 0, which owes 2 notes: a rest must leave room for both (it may end
    # at most 2 ticks before the bar line), a note for the one after it; neither may cross.
    rest, note = keep_plan_masks(np.array([0]), np.array([2]), bars, changes, None, n)
    assert np.nonzero(rest[0])[0].max() + 1 == BAR - 2
    assert np.nonzero(note[0])[0].max() + 1 == BAR - 1
    # The bar owes nothing: an event may run through the empty bar 1 into bar 2, ending where
    # bar 2 still has room for its 3 notes, but not past bar 2's last 3 onsets.
    t = np.array([BAR - TICKS])
    rest, note = keep_plan_masks(t, np.array([0]), bars, changes, None, n)
    ends = t[0] + np.nonzero(rest[0])[0] + 1
    assert ends.min() == t[0] + 1 and ends.max() == 3 * BAR - 3
    assert (rest == note).all()  # owing nothing, a note is held to what a rest is
    # Only the grid's onsets count as room: on the quarter-note beats alone, bar 0's two
    # notes need two beats, so a rest from the downbeat may last at most two beats.
    quarters = np.zeros(TICKS, dtype=bool)
    quarters[0] = True
    rest, _ = keep_plan_masks(np.array([0]), np.array([2]), bars, changes, quarters, n)
    assert np.nonzero(rest[0])[0].max() + 1 == 2 * TICKS
    # The last bar's last note may run past the end of the changes; a rest owing it may not.
    rest, note = keep_plan_masks(np.array([4 * BAR - 1]), np.array([1]), bars, changes, None, n)
    assert note[0].all() and not rest[0].any()


def _random_plan_model(tmp_path):
    from jazzsolo.models.jazz_format import load_jazz_for_inference

    _save_untrained(tmp_path, JazzConfig(hidden=8, layers=1, density=True, bar_plan=True,
                                         bar_left=True),
                    {"register": [50, 80], **_table({(b, 3): 5 for b in range(14)}),
                     **_plans({(3, START, 4): 9, (3, 4, 6): 9})})
    return load_jazz_for_inference(tmp_path)


def _notes_per_bar(pitch, dur, bar_ticks, n_bars):
    onset = np.concatenate([[0], np.cumsum(dur)[:-1]])
    return np.bincount(onset[pitch != REST] // bar_ticks, minlength=n_bars)[:n_bars]


def test_a_countdown_model_keeping_its_plan_plays_every_bar_as_planned(tmp_path):
    from dataclasses import replace

    from jazzsolo.generate_jazz import JazzSampling, TakePlan, generate_events

    model, _ = _random_plan_model(tmp_path)
    changes = changes_from_bars(bars_from_progression("C7 | F7 | C7 | G7 | C7 | C7", 4),
                                4.0).at(model.config.ticks)
    plan = TakePlan(np.array([3, 3, 3]), np.array([[4, 0, 16, 1, 0, 7], [0, 2, 9, 0, 0, 1],
                                                   [1, 1, 1, 12, 3, 0]]))
    keep = JazzSampling(seed=2, keep_plan=True)
    for tempo in (90.0, 160.0):
        takes = generate_events(model, changes, 3, keep, tempo, 0, plan)
        for k, (pitch, dur) in enumerate(takes):
            assert dur[:-1].sum() < changes.total_ticks <= dur.sum()
            played = _notes_per_bar(pitch, dur, changes.bar_ticks, changes.n_bars)
            assert played.tolist() == plan.bars[k].tolist(), (tempo, k)
    # Without keep_plan the untrained model does not keep it: the option is what does.
    loose = generate_events(model, changes, 3, replace(keep, keep_plan=False), 160.0, 0, plan)
    assert any(_notes_per_bar(p, d, changes.bar_ticks, changes.n_bars).tolist()
               != plan.bars[k].tolist() for k, (p, d) in enumerate(loose))


def test_a_plan_the_grid_cannot_hold_is_played_as_near_as_it_can(tmp_path):
    from jazzsolo.generate_jazz import GRIDS, JazzSampling, TakePlan, generate_events

    model, _ = _random_plan_model(tmp_path)
    changes = changes_from_bars(bars_from_progression("C7 | F7 | C7 | G7", 2),
                                2.0).at(model.config.ticks)  # 2/4: 2 beats a bar
    tempo = 300.0  # at the 0.1 s step the 32nds and sextuplets are out: 6 onsets a beat
    sampling = JazzSampling(seed=0, keep_plan=True)
    assert GRIDS[model.config.ticks].positions_at(tempo, sampling.min_step).sum() == 6
    plan = TakePlan(np.array([3]), np.array([[3, 16, 2, 5]]))  # 16 notes: 12 onsets a bar
    (pitch, dur), = generate_events(model, changes, 1, sampling, tempo, 0, plan)
    played = _notes_per_bar(pitch, dur, changes.bar_ticks, changes.n_bars)
    assert dur[:-1].sum() < changes.total_ticks <= dur.sum()
    assert played[1] == 12 and played[[0, 2, 3]].tolist() == [3, 2, 5]


def test_keep_plan_reaches_the_sampling_from_the_command_line_and_is_checked():
    import pytest

    from jazzsolo.cli import build_parser, generate_request
    from jazzsolo.errors import RequestError
    from jazzsolo.generate_jazz import DEFAULT_KEEP_PLAN, request_sampling
    from jazzsolo.request import GenerateRequest

    assert request_sampling(GenerateRequest()).keep_plan == DEFAULT_KEEP_PLAN
    for flag, wanted in (("--keep-plan", True), ("--no-keep-plan", False)):
        args = build_parser().parse_args(["generate", flag, "--out", "x.mid"])
        assert generate_request(args).keep_plan is wanted
        assert request_sampling(generate_request(args)).keep_plan is wanted
    with pytest.raises(RequestError, match="keep_plan must be true or false"):
        GenerateRequest(keep_plan=1).validate()  # type: ignore[arg-type]
    assert "keep_plan" in GenerateRequest(keep_plan=False).jazz_options()


def test_keep_plan_with_a_model_that_has_no_plan_is_a_one_line_error(tmp_path, capsys):
    """A model without the countdown: --keep-plan says so instead of doing nothing."""
    from jazzsolo.cli import main

    _save_untrained(tmp_path / "plain", JazzConfig(hidden=8, layers=1), {"register": [50, 80]})
    out = tmp_path / "solo.mid"
    assert main(["generate", "--model", str(tmp_path / "plain"), "--keep-plan", "--chords",
                 "C7 | F7", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--keep-plan" in err and "no bar plan" in err
    assert not out.exists()
    _random_plan_model(tmp_path / "plan")  # a countdown model keeps its plan from the CLI
    assert main(["generate", "--model", str(tmp_path / "plan"), "--keep-plan",
                 "--chords", "C7 | F7", "--out", str(out)]) == 0
    assert out.exists()


_PLAN_MODEL: dict = {}


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([2, 3, 4, 5]), st.sampled_from([60.0, 140.0, 220.0, 320.0]),
       st.integers(0, 10_000), st.data())
def test_any_plan_is_kept_in_any_meter_as_far_as_the_grid_holds_it(beats, tempo, seed, data):
    """Whatever the plan, meter and tempo: every bar holds exactly its plan, or all the
    onsets the grid leaves it when the plan asks for more."""
    import tempfile
    from pathlib import Path

    from jazzsolo.generate_jazz import GRIDS, JazzSampling, TakePlan, generate_events

    if "model" not in _PLAN_MODEL:
        _PLAN_MODEL["model"] = _random_plan_model(Path(tempfile.mkdtemp()))[0]
    model = _PLAN_MODEL["model"]
    n_bars = data.draw(st.integers(1, 6))
    bars = np.array([data.draw(st.lists(st.integers(0, 16), min_size=n_bars, max_size=n_bars))
                     for _ in range(2)])
    text = " | ".join(["C7", "F7", "Bb7", "Eb7", "Ab7", "Db7"][:n_bars])
    changes = changes_from_bars(bars_from_progression(text, beats), float(beats)).at(
        model.config.ticks)
    sampling = JazzSampling(seed=seed, keep_plan=True)
    room = GRIDS[model.config.ticks].positions_at(tempo, sampling.min_step).sum() * beats
    takes = generate_events(model, changes, 2, sampling, tempo, 0, TakePlan(np.array([3, 3]),
                                                                          bars))
    for k, (pitch, dur) in enumerate(takes):
        assert dur[:-1].sum() < changes.total_ticks <= dur.sum()
        played = _notes_per_bar(pitch, dur, changes.bar_ticks, changes.n_bars)
        assert played.tolist() == np.minimum(bars[k], room).tolist()
