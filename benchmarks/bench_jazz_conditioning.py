"""Does the jazz model play what it is told? The tempo, the player, and each real solo's setting.

Six reports (the figures on the tempo and player fields in docs/jazz_model.md come from here):

* ``--tempos``: 16 takes (8 over the F blues, 8 over rhythm changes, 4 choruses each) at
  60 / 100 / 160 / 240 / 300 bpm as any player: notes per bar, H1, GS.
* ``--players NAME ...``: the same 16 takes at 160 bpm as any player and as each player named,
  beside that player's real WJazzD solos outside the test tunes (their mean notes per bar and
  H1, at their own tempos).
* ``--predictors``: over the real non-test solos alone, how much of each solo's notes per bar
  and H1 its tempo and its player predict, each solo predicted from the solos of *other*
  tunes only: log notes per bar fitted on log tempo, plus the player's mean residual (shrunk
  by n / (n + 2)); H1 from the player's mean H1 on other tunes; and how much of H1 the
  changes explain beyond notes per bar and tempo; how unusual the test tunes' real solos
  are among draws of as many other tunes; and the ceiling: H1, H4, chord share and notes per
  bar fitted on all a generator is told (tempo, meter, changes, player), the set mean it
  predicts for each fold (fitted on the other folds) and for the test tunes, beside real.
* ``--grid``: by tempo band, the share of the real non-test solos' notes that survive encoding
  onto each event grid (12 ticks: sixteenths and triplet eighths, a 32nd-note run loses notes;
  24 ticks: 32nds and sextuplets too, where a beat needs them), and their notes per bar.
* ``--fine``: by tempo band, the share of notes starting off the sixteenth and triplet-eighth
  positions (on 32nds or sextuplets only): the real non-test solos as played (every pattern at
  every tempo, grace notes included), and ``--model``'s takes over the changes of 24 of them
  per band, at their tempos (fixed seed), sampled with the setting's options (generate's
  defaults unless given, e.g. ``--no-ornaments``).
* ``--folds DIR``: solo by solo over each fold of ``bench_jazz_folds.py --work DIR``, every
  non-test solo's changes played at its tempo by the fold model that never saw its tune
  (``--seeds`` takes each; ``--as-recorded``: as the recording's player when the model knows
  them): how closely each generated solo tracks its own real one (Pearson r over the solos, of
  the takes' mean, of one take, and of the model's expected value with the takes' own
  variation taken out),
  set means, and the spread of the per-solo figures; then each bar's pitch-class entropy by
  the notes it holds, real against generated (H1 is their mean, so this tells a model that
  varies its pitch classes more than players do from one that is only busier).

    python benchmarks/bench_jazz_conditioning.py --tempos --players MilesDavis CharlieParker
    python benchmarks/bench_jazz_conditioning.py --folds DIR [--seeds 2] [--as-recorded]
        [--pitch-temperature T] [--chord-weight W] [--min-step S] ...
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the jazzsolo command sets it

import numpy as np
from _data import HELDOUT_TUNES, shared_data  # noqa: E402 (the same data rule as every benchmark)
from bench_jazz_quality import Setting

from jazzsolo.evaluate import bar_pitch_classes, entropy_bits, evaluate_solos, solo_line
from jazzsolo.evaluate_io import load_solos
from jazzsolo.events import GRIDS, REST, changes_from_bars, changes_of, encode, snap_onsets
from jazzsolo.generate import bars_from_progression
from jazzsolo.generate_jazz import default_jazz_dir, generate_jazz_solos
from jazzsolo.models.jazz_format import load_jazz_for_inference
from jazzsolo.progressions import PROGRESSIONS
from jazzsolo.train_jazz import player_of, read_tune_list, tune_of

MELODY = shared_data() / "wjazzd" / "melody"
KEYS = ("notes_per_bar", "H1", "H4", "GS")
BANDS = ((0, 80), (80, 110), (110, 150), (150, 200), (200, 270), (270, 1000))  # bpm
_COMMENT = re.compile(r"(^|\s)#.*")  # as read_tune_list reads it: PopTune#1 keeps its #


def takes_16(model, meta, bpm: float, player: str | None, seed: int) -> list[dict]:
    """The measures of 8 takes over the F blues and 8 over rhythm changes (4 choruses each)."""
    out = []
    for name in ("blues-f", "rhythm-changes"):
        changes = changes_from_bars(bars_from_progression(PROGRESSIONS[name].text, 4, 4), 4.0)
        takes = generate_jazz_solos(model, meta, changes, 8, Setting().sampling(seed), tempo=bpm,
                                    player=player)
        out += [m.values for m in evaluate_solos(takes, "metrical")]
    return out


def mean(rows: list[dict], key: str) -> float:
    return float(np.mean([r[key] for r in rows if r[key] is not None]))


def by_tempo(model, meta) -> None:
    print("tempo   notes/bar   H1     GS      (16 takes as any player)")
    for bpm in (60, 100, 160, 240, 300):
        rows = takes_16(model, meta, bpm, None, bpm)
        print(f"{bpm:>4}   {mean(rows, 'notes_per_bar'):>8.2f}  {mean(rows, 'H1'):.3f}  "
              f"{mean(rows, 'GS'):.3f}")


def by_player(model, meta, names: list[str]) -> None:
    test = read_tune_list(HELDOUT_TUNES)
    files = sorted(f for f in MELODY.glob("*_FINAL.csv") if tune_of(f) not in test)
    print("player            generated at 160 bpm      real (non-test solos, own tempos)")
    print("                  notes/bar   H1            solos  notes/bar   H1    median bpm")
    for name in [None, *names]:
        rows = takes_16(model, meta, 160, name, 5)
        line = (f"{name or 'any player':<16}  {mean(rows, 'notes_per_bar'):>8.2f}  "
                f"{mean(rows, 'H1'):.3f}")
        mine = [f for f in files if name and player_of(f).lower() == name.lower()]
        if mine:
            real, _ = load_solos(mine)
            measured = [m.values for m in evaluate_solos(real, "metrical")]
            bpm = np.median([s.sheet.tempo for s in real])
            line += (f"        {len(mine):>5}  {mean(measured, 'notes_per_bar'):>8.2f}  "
                     f"{mean(measured, 'H1'):.3f}  {bpm:>8.0f}")
        print(line)


def predictors() -> None:
    test = read_tune_list(HELDOUT_TUNES)
    every = sorted(MELODY.glob("*_FINAL.csv"))
    read, _ = load_solos(every)  # every solo read once: the test tunes' for test_draws only
    measured = [m.values for m in evaluate_solos(read, "metrical")]
    kept = [i for i, f in enumerate(every) if tune_of(f) not in test]
    files, real, values = ([seq[i] for i in kept] for seq in (every, read, measured))
    npb = np.log([v["notes_per_bar"] for v in values])
    h1 = np.array([v["H1"] for v in values], dtype=float)
    bpm = np.log([s.sheet.tempo for s in real])
    tunes = np.array([tune_of(f) for f in files])
    players = np.array([player_of(f) for f in files])
    by_tempo, by_both = np.zeros(len(files)), np.zeros(len(files))
    for tune in sorted(set(tunes)):
        out, rest = tunes == tune, tunes != tune
        fit = np.polyfit(bpm[rest], npb[rest], 1)
        by_tempo[out] = np.polyval(fit, bpm[out])
        residual = npb - np.polyval(fit, bpm)
        for i in np.nonzero(out)[0]:
            same = rest & (players == players[i])
            by_both[i] = by_tempo[i] + residual[same].sum() / (same.sum() + 2.0)
    by_mean = player_means(h1, np.ones(len(files), dtype=bool), tunes, players)
    known = ~np.isnan(by_mean)
    print(f"{len(files)} real non-test solos, each predicted from other tunes' solos")
    r = pearson
    print(f"  notes per bar from tempo:            {r(np.exp(by_tempo), np.exp(npb))}")
    print(f"  notes per bar from tempo and player: {r(np.exp(by_both), np.exp(npb))}")
    print(f"  H1 from tempo (log):                 {r(bpm, h1)}")
    print(f"  H1 from the player's mean H1:        {r(by_mean[known], h1[known])} "
          f"({known.sum()} solos whose player has solos of other tunes)")
    harmony = np.array([changes_features(s.sheet) for s in real])
    base = np.c_[npb, bpm]
    print(f"  H1 from log notes per bar and log tempo (in-sample fit): R2 = {r2(base, h1):.3f}; "
          f"with the changes too (chords a bar, chord pitch classes per 4 bars, distinct "
          f"roots): R2 = {r2(np.c_[base, harmony], h1):.3f}")
    test_draws(test, every, measured)
    ceiling(test, every, read, measured)


def test_draws(test: set[str], files: list[Path], values: list[dict],
               draws: int = 20000) -> None:
    """How unusual the test tunes' real solos are (``values``: every solo's measures, in
    ``files``' order): as many tunes drawn at random from the other tunes, again and again,
    and the share of draws whose mean is as low."""
    tunes = np.array([tune_of(f) for f in files])
    held = np.isin(tunes, sorted(test))
    others = sorted(set(tunes[~held]))
    rows = [np.nonzero(tunes == t)[0] for t in others]
    n_test = len(set(tunes[held]))
    rng = np.random.default_rng(0)
    picks = [np.concatenate([rows[i] for i in rng.choice(len(others), n_test, replace=False)])
             for _ in range(draws)]
    print(f"the {held.sum()} real test solos ({n_test} tunes) against {draws:,} draws of "
          f"{n_test} of the other {len(others)} tunes:")
    for key in ("H1", "H4", "notes_per_bar"):
        x = np.array([v[key] for v in values], dtype=float)
        means = np.array([x[p].mean() for p in picks])
        print(f"  {key:<14} test {x[held].mean():.3f}; draws {means.mean():.3f} +- "
              f"{means.std():.3f}; share of draws at or below the test's "
              f"{np.mean(means <= x[held].mean()):.4f}; more than 0.1 from the draws' mean "
              f"{np.mean(np.abs(means - means.mean()) > 0.1):.3f}")


def player_means(values: np.ndarray, fit: np.ndarray, tunes: np.ndarray,
                 players: np.ndarray) -> np.ndarray:
    """Each solo's player's mean of ``values`` over the ``fit`` solos of other tunes (NaN
    where the player has none): what a model told the player could know of them."""
    out = np.full(len(values), np.nan)
    for i in range(len(values)):
        same = fit & (players == players[i]) & (tunes != tunes[i])
        if same.any():
            out[i] = values[same].mean()
    return out


def ceiling(test: set[str], files: list[Path], solos: list, values: list[dict]) -> None:
    """The best a generator could hope for on average from what it is told (tempo, meter,
    changes, player): each measure fitted by least squares on the solos of the other tunes,
    then the set mean it predicts beside the real one, on each fold of bench_jazz_folds.py
    (fitted on the other folds) and on the test tunes (fitted on every fold)."""
    from bench_jazz_folds import folds_of

    tunes = np.array([tune_of(f) for f in files])
    players = np.array([player_of(f) for f in files])
    bpm = np.log([s.sheet.tempo for s in solos])
    told = np.c_[np.ones(len(files)), bpm, bpm ** 2, [s.sheet.beats_per_bar for s in solos],
                 [changes_features(s.sheet) for s in solos]]  # all but the player, a constant
    held = np.isin(tunes, sorted(test))
    folds = folds_of(sorted(set(tunes[~held])), 4)
    sets = [(f"fold {k + 1}", np.isin(tunes, fold)) for k, fold in enumerate(folds)]
    sets.append(("test", held))
    print("what a generator is told (log tempo and its square, beats a bar, chords a bar, chord "
          "pitch classes per 4 bars, distinct roots, the player's mean on other tunes; then "
          "the same without the player, as generate plays by default), fitted "
          "by least squares on the other sets' solos (never the test's); predicted set mean / "
          "real set mean:")
    for key in ("H1", "H4", "chord", "notes_per_bar"):
        y = np.array([v[key] for v in values], dtype=float)
        ok = np.isfinite(y)  # a solo without chord symbols has no chord share
        for player in (True, False):
            cells, guess = [], np.full(len(y), np.nan)
            for name, out in sets:
                out = out & ok
                fit = ~held & ~out & ok
                x = told
                if player:  # a player it has no solos of: the mean of them all
                    own = player_means(y, fit, tunes, players)
                    x = np.c_[told, np.where(np.isnan(own), y[fit].mean(), own)]
                coef, *_ = np.linalg.lstsq(x[fit], y[fit], rcond=None)
                guess[out] = x[out] @ coef
                cells.append(f"{name} {guess[out].mean():.3f} / {y[out].mean():.3f}")
            folded = ~held & ok
            label = key if player else "  no player"
            print(f"  {label:<14}" + "; ".join(cells) + "; solo by solo over the folds "
                  f"{pearson(guess[folded], y[folded])}")


def pearson(x: np.ndarray, y: np.ndarray) -> str:
    """Pearson's r of two columns, as the reports print it."""
    return f"r = {np.corrcoef(x, y)[0, 1]:+.2f}"


def r2(x: np.ndarray, y: np.ndarray) -> float:
    """Share of y's variance a least-squares fit on the columns of x (and a constant) explains."""
    design = np.c_[np.ones(len(y)), x]
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(1.0 - np.var(y - design @ coef) / np.var(y))


def changes_features(sheet) -> list[float]:
    """How busy a solo's changes are: chords a bar, chord pitch classes per 4 bars, roots."""
    chords = [c for c in sheet.chords if c.duration > 0 and c.pitches]
    bars = max(sheet.n_bars, 1)
    span = 4 * sheet.beats_per_bar
    covered = []
    for first in range(0, bars, 4):
        lo = sheet.first_bar_start + first * sheet.beats_per_bar
        sounding = [c for c in chords if c.start < lo + span and c.start + c.duration > lo]
        covered.append(len({p % 12 for c in sounding for p in c.pitches}))
    return [len(chords) / bars, float(np.mean(covered)), len({c.pitches[0] % 12 for c in chords})]


def grid() -> None:
    test = read_tune_list(HELDOUT_TUNES)
    real, _ = load_solos(sorted(f for f in MELODY.glob("*_FINAL.csv") if tune_of(f) not in test))
    bpm = np.array([s.sheet.tempo for s in real])
    notes = np.array([sum(n.pitch is not None for n in s.sheet.melody) for s in real])
    kept = {t: np.array([int((encode(s.sheet, t).pitch != REST).sum()) for s in real])
            for t in sorted(GRIDS)}
    npb = np.array([m.values["notes_per_bar"] for m in evaluate_solos(real, "metrical")])
    print("tempo (bpm)  solos  " + "  ".join(f"kept on the {t}-tick grid" for t in kept)
          + "  real notes/bar")
    for lo, hi in BANDS:
        m = (bpm >= lo) & (bpm < hi)
        print(f"{lo:>4}-{hi:<6} {m.sum():>6}  "
              + "  ".join(f"{k[m].sum() / notes[m].sum():>23.3f}" for k in kept.values())
              + f"  {npb[m].mean():>14.1f}")


def played_positions(sheet) -> list[int]:
    """Where a real solo's notes start on the 24-tick grid with every pattern allowed at any
    tempo (grace notes included), in ticks from its first bar line."""
    notes = sorted((n for n in sheet.melody if n.pitch is not None), key=lambda n: n.start)
    return sorted(set(snap_onsets([(n.start - sheet.first_bar_start) * 24 for n in notes],
                                  GRIDS[24])))


def fine(model, meta, setting: Setting) -> None:
    test = read_tune_list(HELDOUT_TUNES)
    real, _ = load_solos(sorted(f for f in MELODY.glob("*_FINAL.csv") if tune_of(f) not in test))
    plain = GRIDS[24].plain_positions()

    def share(positions: np.ndarray) -> float:
        return float(np.mean(~plain[positions.astype(int) % 24])) if len(positions) else 0.0

    rng = np.random.default_rng(0)
    print("tempo (bpm)  solos  real: notes off the plain grid  generated (24 takes)")
    for lo, hi in BANDS:
        mine = [s for s in real if lo <= s.sheet.tempo < hi]
        real_share = np.mean([share(np.array(played_positions(s.sheet))) for s in mine])
        picked = [mine[i] for i in rng.choice(len(mine), min(24, len(mine)), replace=False)]
        gen = [generate_jazz_solos(model, meta, changes_of(s.sheet), 1, setting.sampling(k),
                                   tempo=s.sheet.tempo)[0] for k, s in enumerate(picked)]
        gen_share = np.mean([share(np.round(np.array([n.start for n in g.melody]) * 24))
                             for g in gen])
        print(f"{lo:>4}-{hi:<6} {len(mine):>6}  {real_share:>30.3f}  {gen_share:>19.3f}")


COUNTS = (1, 2, 3, 4, 5, 6, 8, 10, 13, 17)  # notes in a bar: the lower edges of the rows


def bar_entropies(sheet) -> np.ndarray:
    """Each bar of the span that holds notes: (notes in it, entropy in bits of its pitch-class
    counts): what H1 averages, kept per bar so that density and variety can be told apart."""
    counts = bar_pitch_classes(sheet, solo_line(sheet))
    counts = counts[counts.sum(1) > 0]
    return np.stack([counts.sum(1), entropy_bits(counts)], axis=1)


def variety_table(real: list[np.ndarray], generated: list[np.ndarray]) -> None:
    """1-bar pitch-class entropy by notes in the bar, real against generated: whether a model
    plays more (or fewer) pitch classes than players do at the same density."""
    r, g = np.concatenate(real), np.concatenate(generated)
    edges = (*COUNTS, 10_000)

    def cell(bars: np.ndarray, lo: int, hi: int) -> str:
        m = (bars[:, 0] >= lo) & (bars[:, 0] < hi)
        mean = f"{bars[m, 1].mean():.3f}" if m.any() else "-"
        return f"{m.mean():>10.3f}  {mean:>7}"

    print("notes in bar   real share  entropy   generated share  entropy")
    for lo, hi in zip(edges, edges[1:], strict=False):
        label = f"{lo}" if hi == lo + 1 else f"{lo}-{hi - 1}" if hi < 10_000 else f"{lo}+"
        print(f"{label:<12} {cell(r, lo, hi)}   {cell(g, lo, hi):>16}")
    print(f"all bars     {len(r):>10}  {r[:, 1].mean():>7.3f}   {len(g):>16}  "
          f"{g[:, 1].mean():>7.3f}")


def expected_r(real: np.ndarray, takes: np.ndarray) -> str:
    """Per-solo r of real against what the model plays on average for that solo, its takes'
    own variation taken out: the takes' mean varies across solos by the expected value's
    variance plus the within-solo variance over the number of takes, and only the first
    covaries with real (``takes``: solos x takes; needs 2 or more takes)."""
    n = takes.shape[1]
    if n < 2:
        return "(needs 2 takes)"
    mean = takes.mean(axis=1)
    within = takes.var(axis=1, ddof=1).mean()
    spread = mean.var(ddof=1) - within / n
    if spread <= 0:
        return "(takes vary more than solos)"
    cov = np.cov(real, mean)[0, 1]
    return f"{cov / np.sqrt(spread * real.var(ddof=1)):+.2f} ({np.sqrt(spread):.3f})"


def by_solo(work: Path, seeds: int, as_recorded: bool, setting: Setting) -> None:
    real_all: dict[str, list[float]] = {k: [] for k in KEYS}
    tempos: list[float] = []
    gen_all: dict[str, list[np.ndarray]] = {k: [] for k in KEYS}  # each solo's takes
    real_bars: list[np.ndarray] = []
    gen_bars: list[np.ndarray] = []
    folds = sorted(p for p in work.glob("fold*") if (p / "model" / "model.json").exists())
    if not folds:
        raise SystemExit(f"{work}: no fold models (run bench_jazz_folds.py --work {work})")
    for fold in folds:
        model, meta = load_jazz_for_inference(fold / "model", np.float32)
        mine = {_COMMENT.sub("", line).strip().lower() for line in
                (fold / "exclude.txt").read_text().splitlines() if "# test" not in line} - {""}
        files = sorted(f for f in MELODY.glob("*_FINAL.csv") if tune_of(f) in mine)
        real, _ = load_solos(files)
        who = [player_of(f) if as_recorded and player_of(f) in model.config.players else None
               for f in files]
        gen = np.zeros((seeds, len(real), len(KEYS)))
        for seed in range(seeds):
            sheets = [generate_jazz_solos(model, meta, changes_of(s.sheet), 1,
                                          setting.sampling(1000 * seed + k),
                                          tempo=s.sheet.tempo, player=who[k])[0]
                      for k, s in enumerate(real)]
            for k, m in enumerate(evaluate_solos(sheets, "metrical")):
                gen[seed, k] = [m.values[key] for key in KEYS]
            gen_bars += [bar_entropies(sheet) for sheet in sheets]
        real_bars += [bar_entropies(s.sheet) for s in real]
        tempos += [s.sheet.tempo for s in real]
        for k, m in enumerate(evaluate_solos(real, "metrical")):
            for j, key in enumerate(KEYS):
                real_all[key].append(float(m.values[key]))
                gen_all[key].append(gen[:, k, j].copy())
        print(f"{fold.name}: {len(real)} solos", flush=True)
    mode = "as recorded" if as_recorded else "any player"
    print(f"\n{len(real_all['H1'])} solos, {seeds} take(s) each, {mode}, {setting.label()}")
    print("measure        real mean ± std   generated mean ± std   per-solo r: of the takes' "
          "mean, of one take, of the model's expected value (sd)")
    for key in KEYS:
        r, takes = np.array(real_all[key]), np.array(gen_all[key])  # takes: solos x seeds
        g = takes.mean(axis=1)
        one = np.mean([np.corrcoef(r, takes[:, i])[0, 1] for i in range(seeds)])
        print(f"{key:<14} {r.mean():>7.3f} ± {r.std():<7.3f} {g.mean():>9.3f} ± {g.std():<9.3f}"
              f" {np.corrcoef(r, g)[0, 1]:+.2f}  {one:+.2f}  {expected_r(r, takes)}")
    bpm = np.array(tempos)
    r, g = np.array(real_all["notes_per_bar"]), np.array(gen_all["notes_per_bar"]).mean(axis=1)
    print("notes per bar by tempo (bpm): " + "; ".join(
        f"{lo}-{hi} real {r[m].mean():.1f} generated {g[m].mean():.1f} ({m.sum()})"
        for lo, hi in BANDS if (m := (bpm >= lo) & (bpm < hi)).any()))
    variety_table(real_bars, gen_bars)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=default_jazz_dir())
    parser.add_argument("--tempos", action="store_true", help="notes per bar by tempo")
    parser.add_argument("--players", nargs="*", default=None, metavar="NAME",
                        help="any player and each NAME at 160 bpm, beside their real solos")
    parser.add_argument("--predictors", action="store_true",
                        help="what tempo and player predict of real solos")
    parser.add_argument("--grid", action="store_true",
                        help="notes the event grid keeps, by tempo")
    parser.add_argument("--fine", action="store_true",
                        help="notes on 32nds or sextuplets only, real and --model's, by tempo")
    parser.add_argument("--folds", default=None, metavar="DIR",
                        help="solo by solo over the fold models of bench_jazz_folds.py")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--as-recorded", action="store_true")
    Setting.add_arguments(parser, "--folds and --fine: ")
    args = parser.parse_args()
    if args.tempos or args.players is not None or args.fine:
        model, meta = load_jazz_for_inference(args.model, np.float32)
        if args.tempos:
            by_tempo(model, meta)
        if args.players is not None:
            by_player(model, meta, args.players)
        if args.fine:
            fine(model, meta, Setting.from_args(args))
    if args.predictors:
        predictors()
    if args.grid:
        grid()
    if args.folds:
        by_solo(Path(args.folds), args.seeds, args.as_recorded, Setting.from_args(args))
    if not (args.tempos or args.players is not None or args.folds or args.predictors
            or args.grid or args.fine):
        parser.error("give --tempos, --players, --predictors, --grid, --fine and/or --folds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
