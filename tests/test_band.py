"""The band behind the solo, checked as a musician would, from the MIDI file read back."""

from __future__ import annotations

from pathlib import Path

import pytest
import symusic

from jazzsolo.chords import parse_chord
from jazzsolo.cli import main
from jazzsolo.smf import note_channels

RIDE, HAT_PEDAL, SIDE_STICK = 51, 44, 37
ALTERED = "C7b9 | F7#11 | Bb7alt | Ebmaj7#5/G | Am7b5 D7#9 | Gm9 | C13sus4 | D/C | F6/A"


def _generate(tmp_path: Path, *args: str, name: str = "b.mid") -> Path:
    out = tmp_path / name
    assert main(["generate", *args, "--out", str(out)]) == 0
    return out


def _read(path: Path) -> tuple[symusic.Score, dict[str, symusic.Track]]:
    score = symusic.Score(str(path))
    return score, {str(t.name): t for t in score.tracks}


def _onsets(track: symusic.Track, pitch: int | None = None) -> list[int]:
    return sorted({int(n.time) for n in track.notes if pitch is None or n.pitch == pitch})


def _changes(score: symusic.Score) -> list[tuple[int, object]]:
    """(tick, ChordSymbol) of the chord markers, in time order (not the ending's "Fine")."""
    return [(int(m.time), parse_chord(str(m.text))) for m in score.markers if m.text != "Fine"]


def _chord_at(changes: list[tuple[int, object]], tick: int) -> object | None:
    found = None
    for t, sym in changes:
        if t <= tick:
            found = sym
    return found


def _motion(a: list[int], b: list[int]) -> float:
    """Mean semitones per voice from voicing a to b (matched in order, else nearest)."""
    a, b = sorted(a), sorted(b)
    if len(a) == len(b):
        return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(b)
    return sum(min(abs(y - x) for x in a) for y in b) / len(b)


# ------------------------------------------------------------------------------------ drums


@pytest.mark.parametrize(
    ("args", "beats", "swing", "hats"),
    [
        (["--progression", "blues-f", "--style", "swing"], 4, 0.3, {1, 3}),
        (["--progression", "blues-f", "--swing", "0.3333333333"], 4, 1 / 3, {1, 3}),
        (["--progression", "blues-f", "--style", "swing", "--swing", "0.5"], 4, 0.5, {1, 3}),
        (["--progression", "blues-bb", "--swing", "0"], 4, 0.0, {1, 3}),
        (["--chords", "Dm7 | G7 | Cmaj7 | A7b9", "--style", "waltz", "--swing", "0.25",
          "--choruses", "3"], 3, 0.25, {1, 2}),
    ],
)
def test_drums_on_channel_ten_ride_every_beat_with_the_skip_at_the_asked_swing(
    tmp_path: Path, args: list[str], beats: int, swing: float, hats: set[int]
) -> None:
    path = _generate(tmp_path, *args, "--count-in", "--ending")
    score, tracks = _read(path)
    tpq = score.ticks_per_quarter
    drums = tracks["Drums"]
    assert drums.is_drum
    channels = note_channels(path.read_bytes())
    on_ten = sum(n for _, ch, _, n in channels if ch == 9)
    assert on_ten == len(drums.notes) > 0
    assert all(ch != 9 for chunk, ch, _, _ in channels if chunk != 3)

    bar = beats * tpq
    end = max(int(n.time + n.duration) for t in score.tracks for n in t.notes)
    n_bars = -(-end // bar)
    ride = _onsets(drums, RIDE)
    on_beat = {t for t in ride if t % tpq == 0}
    # Every beat after the count-in bar has the ride (up to the last bar).
    assert on_beat >= set(range(bar, (n_bars - 1) * bar, tpq))
    skips = [t % tpq for t in ride if t % tpq]
    if swing == 0:
        assert set(skips) == {tpq // 2}
    else:
        expected = (0.5 + swing / 2) * tpq
        assert skips and all(abs(s - expected) <= 1 for s in skips), (set(skips), expected)
        measured = sum(skips) / len(skips) / tpq
        assert measured / (1 - measured) == pytest.approx((1 + swing) / (1 - swing), rel=0.02)
    # Pedal hi-hat: on 2 and 4 (waltz: 2 and 3), in every bar after the count-in.
    hat = _onsets(drums, HAT_PEDAL)
    assert {(t % bar) // tpq for t in hat} == hats and all(t % tpq == 0 for t in hat)
    assert {t // bar for t in hat} == set(range(1, n_bars - 1))
    # The last bar is the ending: everyone together on its downbeat, the crash included.
    assert _onsets(drums)[-1] == (n_bars - 1) * bar
    assert {n.pitch for n in drums.notes if n.time >= (n_bars - 1) * bar} == {49, 36}
    for name in ("Piano", "Bass"):
        assert {int(n.time) for n in tracks[name].notes if n.time >= (n_bars - 1) * bar} == {
            (n_bars - 1) * bar}
    # The count-in bar is sticks only, one click a beat.
    assert [t for t in _onsets(drums) if t < bar] == list(range(0, bar, tpq))
    assert {n.pitch for n in drums.notes if n.time < bar} == {SIDE_STICK}


def test_drums_vary_and_fill_into_each_new_chorus(tmp_path: Path) -> None:
    path = _generate(tmp_path, "--progression", "blues-f", "--choruses", "3", "--seed", "2",
                     "--style", "swing", "--ending")
    score, tracks = _read(path)
    tpq, bar = score.ticks_per_quarter, 4 * score.ticks_per_quarter
    toms_snare = {38, 41, 43, 45, 47, 48, 50}
    per_bar: dict[int, list[int]] = {}
    for n in tracks["Drums"].notes:
        if n.pitch in toms_snare:
            per_bar.setdefault(int(n.time) // bar, []).append(int(n.time))
    # The last bar of chorus 1 and 2 has a fill: 4+ snare/tom hits in its second half.
    for b in (11, 23):
        late = [t for t in per_bar.get(b, []) if t % bar >= 2 * tpq]
        assert len(late) >= 4, (b, per_bar.get(b))
    crashes = {int(n.time) for n in tracks["Drums"].notes if n.pitch == 49}
    assert crashes == {12 * bar, 24 * bar, 36 * bar}  # choruses 2, 3 and the ending
    # Snare comping changes from bar to bar (not one loop).
    patterns = {tuple(t % bar for t in per_bar.get(b, [])) for b in range(11)}
    assert len(patterns) >= 3


def test_ballad_plays_brushes_and_bossa_the_clave_straight(tmp_path: Path) -> None:
    score, tracks = _read(_generate(tmp_path, "--progression", "blues-f", "--style", "ballad",
                                    "--bpm", "70", name="ballad.mid"))
    assert tracks["Drums"].program == 40  # GM2/GS brush kit
    assert {n.pitch for n in tracks["Drums"].notes} & {40}  # brush swirl
    score, tracks = _read(_generate(tmp_path, "--progression", "blues-f", "--style", "bossa",
                                    name="bossa.mid"))
    tpq = score.ticks_per_quarter
    ride = _onsets(tracks["Drums"], RIDE)
    assert {t % tpq for t in ride} == {0, tpq // 2}, "bossa eighths are straight"
    sticks = _onsets(tracks["Drums"], SIDE_STICK)
    assert [t % (8 * tpq) for t in sticks[:5]] == [0, int(1.5 * tpq), 3 * tpq, 5 * tpq,
                                                   int(6.5 * tpq)]


# ------------------------------------------------------------------------------------ piano


@pytest.mark.parametrize(
    "args",
    [
        ["--chords", ALTERED, "--choruses", "2"],
        ["--progression", "rhythm-changes"],
        ["--progression", "blues-f", "--style", "ballad"],
        ["--progression", "minor-blues", "--style", "bossa"],
        ["--chords", ALTERED, "--style", "waltz"],
    ],
)
def test_comping_sounds_each_symbol_exactly_in_rhythm_with_smooth_voice_leading(
    tmp_path: Path, args: list[str]
) -> None:
    style = [] if "--style" in args else ["--style", "swing"]
    score, tracks = _read(_generate(tmp_path, *args, *style, "--swing", "0"))
    tpq = score.ticks_per_quarter
    beats = score.time_signatures[0].numerator
    bar = beats * tpq
    changes = _changes(score)
    groups: dict[int, list[symusic.Note]] = {}
    for n in tracks["Piano"].notes:
        groups.setdefault(int(n.time), []).append(n)
    assert groups
    voicings = []
    for t, notes in sorted(groups.items()):
        pcs = {n.pitch % 12 for n in notes}
        # The chord sounding, or the next one when the attack anticipates it by <= a beat.
        options = [_chord_at(changes, t)] + [s for tc, s in changes if t < tc <= t + tpq]
        # Only the chord's own tones, and every one but the root and a perfect fifth (thirds,
        # sevenths, every alteration and extension).
        assert any(pcs <= set(s.pitch_classes)
                   and set(s.pitch_classes) - {s.root, (s.root + 7) % 12} <= pcs
                   for s in options), (t / tpq, [s.name for s in options], sorted(pcs))
        # Comping, not block chords: short attacks in the middle register.
        assert all(n.duration < 0.75 * bar for n in notes)
        assert all(48 <= n.pitch <= 79 for n in notes)
        voicings.append(sorted(n.pitch for n in notes))
    n_bars = max(t for t, _ in changes) // bar + 1
    bars_hit = {t // bar for t in groups}
    assert len(bars_hit) >= 0.9 * n_bars
    # Voice leading: between consecutive different voicings each voice moves <= 3 semitones
    # on average over the piece.
    moves = [_motion(a, b) for a, b in zip(voicings, voicings[1:], strict=False) if a != b]
    assert moves and sum(moves) / len(moves) <= 3.0, sum(moves) / len(moves)
    # Rhythm: more than one onset position in the bar, and off-beat attacks among them.
    positions = {t % bar for t in groups}
    assert len(positions) >= 4 and any(p % tpq for p in positions)


def test_comping_anticipates_the_next_chord_and_uses_the_charleston(tmp_path: Path) -> None:
    score, tracks = _read(_generate(tmp_path, "--progression", "rhythm-changes", "--choruses",
                                    "2", "--style", "swing", "--swing", "0"))
    tpq, bar = score.ticks_per_quarter, 4 * score.ticks_per_quarter
    changes = _changes(score)
    onsets = _onsets(tracks["Piano"])
    anticipations = [t for t in onsets if t % bar == int(3.5 * tpq)
                     and any(tc == (t // bar + 1) * bar for tc, _ in changes)]
    assert anticipations
    charleston = [b for b in {t // bar for t in onsets}
                  if {b * bar, b * bar + int(1.5 * tpq)} <= set(onsets)]
    assert charleston


# ------------------------------------------------------------------------------------- bass


@pytest.mark.parametrize(
    "args",
    [
        ["--progression", "blues-f", "--style", "swing", "--choruses", "2"],
        ["--progression", "rhythm-changes", "--style", "swing", "--intro", "4"],
        ["--chords", ALTERED, "--style", "ballad"],
        ["--progression", "minor-blues", "--style", "bossa"],
        ["--chords", ALTERED, "--style", "waltz", "--count-in", "2"],
        ["--progression", "blues-bb", "--style", "swing", "--two-feel", "--choruses", "2"],
    ],
)
def test_bass_lands_on_a_chord_tone_on_every_downbeat_and_stays_in_range(
    tmp_path: Path, args: list[str]
) -> None:
    score, tracks = _read(_generate(tmp_path, *args))
    tpq = score.ticks_per_quarter
    bar = score.time_signatures[0].numerator * tpq
    changes = _changes(score)
    first_bar, last_bar = changes[0][0] // bar, max(t for t, _ in changes) // bar
    bass = tracks["Bass"]
    starts = {int(n.time): n.pitch for n in bass.notes}
    for b in range(first_bar, last_bar + 1):
        assert b * bar in starts, f"no bass note on beat 1 of bar {b}"
        sym = _chord_at(changes, b * bar)
        assert starts[b * bar] % 12 in sym.sounding, (b, sym.name, starts[b * bar])
    pitches = [n.pitch for n in bass.notes]
    assert 28 <= min(pitches) and max(pitches) <= 60  # E1 .. C4
    if "D/C" in " ".join(args):  # a slash bass outside the chord goes to the bassist
        t = next(tc for tc, s in changes if s.name == "D/C")
        assert starts[t] % 12 == 0


def test_two_feel_in_the_head_then_walking(tmp_path: Path) -> None:
    score, tracks = _read(_generate(tmp_path, "--progression", "blues-f", "--two-feel",
                                    "--choruses", "2"))
    bar = 4 * score.ticks_per_quarter
    per_bar = [sum(1 for n in tracks["Bass"].notes if n.time // bar == b) for b in range(24)]
    assert per_bar[:12] == [2] * 12 and per_bar[12:] == [4] * 12


# --------------------------------------------------------------------------- meter and form


def test_waltz_bars_hold_three_beats_in_every_part(tmp_path: Path) -> None:
    # A 4/4 progression played as a waltz is rebarred in 3.
    score, tracks = _read(_generate(tmp_path, "--progression", "blues-f", "--style", "waltz",
                                    "--count-in", "--swing", "0", "--ending"))
    tpq = score.ticks_per_quarter
    ts = score.time_signatures[0]
    assert (ts.numerator, ts.denominator) == (3, 4)
    bar = 3 * tpq
    changes = [t for t, _ in _changes(score)]
    # Count-in bar, 12 bars of the form, the ending bar (13) on the first chord.
    assert {t // bar for t in changes if t % bar == 0} == set(range(1, 14))
    assert {t % bar for t in changes} == {0, 2 * tpq}  # two chords in a bar: 2 + 1 beats
    n_bars = 13
    bass = [int(n.time) for n in tracks["Bass"].notes]
    assert sorted(bass) == [*range(bar, n_bars * bar, tpq), n_bars * bar], "three a bar"
    ride = [t for t in _onsets(tracks["Drums"], RIDE) if t % tpq == 0]
    assert ride == list(range(bar, n_bars * bar, tpq))
    skips = {t % bar for t in _onsets(tracks["Drums"], RIDE) if t % tpq}
    assert skips == {int(1.5 * tpq)}  # "ding, ding-ga, ding"
    for name in ("Piano", "Bass", "Drums"):
        ends = [int(n.time + n.duration) for n in tracks[name].notes]
        assert max(ends) <= (n_bars + 1) * bar, name  # the ending rings less than its bar
    solo = tracks["Solo"].notes
    assert min(n.time for n in solo) >= bar and max(n.time + n.duration for n in solo) <= (
        n_bars * bar)


@pytest.mark.parametrize(("count_in", "intro", "swing"), [(1, 0, "0"), (2, 4, "0"),
                                                          (0, 3, "0.4")])
def test_count_in_and_intro_shift_the_solo_exactly(
    tmp_path: Path, count_in: int, intro: int, swing: str
) -> None:
    from jazzsolo.band.feel import swing_time

    plain = _generate(tmp_path, "--progression", "blues-f", "--seed", "3", name="plain.mid")
    band = _generate(tmp_path, "--progression", "blues-f", "--seed", "3", "--count-in",
                     str(count_in), "--intro", str(intro), "--swing", swing, name="band.mid")
    score_a, a = _read(plain)
    score_b, b = _read(band)
    tpq = score_a.ticks_per_quarter
    shift = (count_in + intro) * 4
    want = [(round(swing_time(n.time / tpq + shift, float(swing)) * tpq), n.pitch)
            for n in a["Solo"].notes]
    got = [(int(n.time), n.pitch) for n in b["Solo"].notes]
    assert got == want
    # The intro is the band alone over the form's last bars; the count-in is sticks alone.
    first_piano = min(int(n.time) for n in b["Piano"].notes)
    assert count_in * 4 * tpq <= first_piano < (count_in + 1) * 4 * tpq
    intro_changes = [s.name for t, s in _changes(score_b) if t < shift * tpq]
    last_bars = [s.name for t, s in _changes(score_a) if t >= (12 - intro) * 4 * tpq]
    assert intro_changes == last_bars


# ------------------------------------------------------------------- options and determinism


def test_same_seed_same_bytes_other_seed_other_band(tmp_path: Path) -> None:
    args = ["--progression", "rhythm-changes", "--style", "swing", "--count-in", "--intro", "2"]
    a = _generate(tmp_path, *args, "--seed", "5", name="a.mid")
    b = _generate(tmp_path, *args, "--seed", "5", name="b.mid")
    c = _generate(tmp_path, *args, "--seed", "6", name="c.mid")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    _, ta = _read(a)
    _, tc = _read(c)
    assert _onsets(ta["Piano"]) != _onsets(tc["Piano"]), "the comping depends on the seed"


def test_instrument_mix_and_named_tracks(tmp_path: Path) -> None:
    path = _generate(tmp_path, "--progression", "blues-f", "--instrument", "trumpet", "--mix",
                     "solo=1,piano=0,bass=0.81,drums=0.64")
    score, tracks = _read(path)
    assert list(tracks) == ["Solo", "Bass", "Drums"], "volume 0 mutes the part"
    assert tracks["Solo"].program == 56 and tracks["Bass"].program == 32
    volume = {name: next(c.value for c in t.controls if c.number == 7)
              for name, t in tracks.items()}
    assert volume == {"Solo": 100, "Bass": 90, "Drums": 80}  # amplitude = volume
    _, tracks = _read(_generate(tmp_path, "--progression", "blues-f", "--style", "swing",
                                name="all.mid"))
    assert list(tracks) == ["Solo", "Piano", "Bass", "Drums"]


def test_solo_velocities_shape_phrases_and_accent_off_beats(tmp_path: Path) -> None:
    from jazzsolo.band.feel import phrases
    from jazzsolo.score import Note

    score, tracks = _read(_generate(tmp_path, "--progression", "blues-f", "--choruses", "2",
                                    "--style", "swing", "--swing", "0"))
    tpq = score.ticks_per_quarter
    notes = [Note(n.time / tpq, n.duration / tpq, n.pitch, n.velocity)
             for n in tracks["Solo"].notes]
    assert len({n.velocity for n in notes}) >= 10, "not one constant velocity"
    off = [n.velocity for n in notes if (n.start * 2) % 2 == 1]
    on = [n.velocity for n in notes if n.start % 1 == 0]
    assert sum(off) / len(off) > sum(on) / len(on) + 3
    peaks = [max(p, key=lambda n: n.pitch).velocity - min(p, key=lambda n: n.pitch).velocity
             for p in phrases(notes) if len(p) >= 4]
    assert sum(peaks) / len(peaks) > 5, "a phrase swells toward its highest note"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--swing", "0.9"], "--swing"),
        (["--swing", "-0.1"], "--swing"),
        (["--mix", "piano"], "--mix"),
        (["--mix", "kazoo=1"], "kazoo"),
        (["--mix", "drums=3"], "--mix"),
        (["--instrument", "kazoo"], "--instrument"),
        (["--intro", "40"], "--intro"),
        (["--style", "polka"], "--style"),
        (["--chords", "C7 | F7", "--beats-per-bar", "4", "--style", "waltz"], "--beats-per-bar"),
    ],
)
def test_bad_band_options_fail_in_one_line(tmp_path: Path, capsys, args: list[str],
                                           needle: str) -> None:  # fmt: skip
    out = tmp_path / "x.mid"
    if "--chords" not in args:
        args = ["--progression", "blues-f", *args]
    assert main(["generate", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and needle in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


# ---------------------------------------------------------------- the band behind any file


def test_render_band_rearranges_a_generated_file(tmp_path: Path) -> None:
    from jazzsolo.band.rearrange import band_for_file
    from jazzsolo.request import BandOptions

    plain = _generate(tmp_path, "--progression", "blues-f", "--choruses", "2", name="p.mid")
    arrangement = band_for_file(plain, BandOptions(style="swing", swing=0.0), seed=1)
    assert arrangement.form_bars == 12 and arrangement.n_bars == 24
    score, tracks = _read(plain)
    tpq = score.ticks_per_quarter
    solo = [(round(n.start * tpq), n.pitch) for n in arrangement.part("solo").notes]
    assert solo == [(int(n.time), n.pitch) for n in tracks["Solo"].notes]
    assert all(arrangement.part(p).notes for p in ("piano", "bass", "drums"))
    # A band file re-arranged gets a new band, not a second one; the solo keeps its place.
    banded = _generate(tmp_path, "--progression", "blues-f", "--count-in", "--ending",
                       name="b.mid")
    again = band_for_file(banded, BandOptions(style="bossa", ending=True), seed=1)
    assert [p.name for p in again.parts] == ["solo", "piano", "bass", "drums"]
    assert again.n_bars == 13 and again.lead_bars == 0  # its count-in and ending not re-read
    assert again.fine == 12 * 4 and arrangement.fine is None  # ending only when asked
    _, tb = _read(banded)
    assert len(again.part("solo").notes) == len(tb["Solo"].notes)
    wav = tmp_path / "r.wav"
    assert main(["render", str(plain), "--band", "swing", "--out", str(wav)]) == 0
    assert wav.stat().st_size > 44100


@pytest.mark.parametrize("beats", [1, 2, 5, 7])
def test_any_meter_keeps_time_and_lays_out_where_no_chord_sounds(tmp_path: Path,
                                                                 beats: int) -> None:
    score, tracks = _read(_generate(tmp_path, "--chords", "C7 | NC | F7 Bb7 | NC | Dm7/C",
                                    "--beats-per-bar", str(beats), "--style", "swing",
                                    "--count-in", "--choruses", "2"))
    tpq = score.ticks_per_quarter
    bar = beats * tpq
    assert score.time_signatures[0].numerator == beats
    ride = {t for t in _onsets(tracks["Drums"], RIDE) if t % tpq == 0}
    assert ride >= set(range(bar, 11 * bar, tpq))
    no_chord = {1 + b for c in range(2) for b in (5 * c + 1, 5 * c + 3)}  # after the count-in
    for name in ("Piano", "Bass"):
        bars = {int(n.time) // bar for n in tracks[name].notes}
        assert not bars & no_chord, (name, sorted(bars & no_chord))
        assert bars >= set(range(1, 11)) - no_chord, name


def test_band_over_the_model_own_changes_and_bad_render_options(tmp_path: Path,
                                                               capsys) -> None:  # fmt: skip
    path = _generate(tmp_path, "--style", "ballad")  # chords known by their pitches only
    score, tracks = _read(path)
    changes = _changes(score)
    assert len(changes) >= 10
    bar = 4 * score.ticks_per_quarter
    per_bar = {}
    for n in tracks["Bass"].notes:
        per_bar[int(n.time) // bar] = per_bar.get(int(n.time) // bar, 0) + 1
    assert set(per_bar.values()) == {2}, "a ballad's bass is in two"
    wav = tmp_path / "x.wav"
    capsys.readouterr()
    assert main(["render", str(path), "--band", "swing", "--swing", "2", "--out",
                 str(wav)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--swing" in err and not wav.exists()


def test_band_options_stay_hashable_and_name_the_bad_field() -> None:
    from jazzsolo.band import resolve
    from jazzsolo.errors import RequestError
    from jazzsolo.request import BandOptions, GenerateRequest

    options = BandOptions(style="waltz", mix={"piano": 0.5})
    assert hash(GenerateRequest(band=options)) == hash(GenerateRequest(band=options))
    band = resolve(options)
    assert band.mix["piano"] == 0.5 and band.mix["solo"] == 1.0 and band.swing == 0.3
    assert band.style.meter == 3
    for bad, field in [({"swing": 0.8}, "band.swing"), ({"count_in": -1}, "band.count_in"),
                       ({"mix": [1, 2, 3]}, "band.mix"), ({"instrument": "kazoo"},
                                                          "band.instrument")]:
        with pytest.raises(RequestError) as info:
            BandOptions(style="swing", **bad).validate()
        assert info.value.field == field
    with pytest.raises(RequestError) as info:
        GenerateRequest(chords="C7", beats_per_bar=4, band=BandOptions(style="waltz")).validate()
    assert info.value.field == "beats_per_bar"
