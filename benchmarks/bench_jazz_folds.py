"""The jazz model's recipe, cross-validated over tune-disjoint folds of the non-test tunes.

The bundled model is judged on one held-out set (22 tunes, 40 solos; ``bench_jazz_quality``).
This asks whether what it misses there is the recipe's or that set's. The other WJazzD solos
are cut by tune into K folds (tunes shuffled once with a fixed seed, dealt round-robin); for
each fold a model is trained with the README's rebuild command on every other non-test tune
(the fold's tunes and the test tunes both excluded, so its own validation tunes come from the
rest), then measured over its fold's changes exactly as the bundled model is measured (same
sampling defaults, 3 seeds, copying against its own training solos). The test tunes are never
trained, validated or measured on here.

    python benchmarks/bench_jazz_folds.py --work DIR [--folds 4] [--jobs 2] [--epochs 24]

Trainings run ``--jobs`` at a time (one thread each) and are kept in ``DIR``: a rerun measures
the models already trained instead of training them again.

``--sweep "T/W T/W/P/S/O/D/K ..."`` chooses the sampling defaults on these folds instead (every
setting of pitch temperature T, chord weight W and, when given, duration top-p P, the position
mask's shortest step S in seconds, its ornaments O (``orn`` or ``-``), the duration
temperature D and whether a countdown model keeps its bar plan K (``keep`` or ``-``), over
every fold, ``--seeds`` each, ``--jobs`` folds at a time), by the rule fixed before any run:
the fewest misses summed over the folds (targets missed plus measures no nearer to real than
the classic model's), then the least sum over the folds of |model - real| / real std on H1,
H4, chord, scale and repeat share. The test tunes play no part.

``--train-args='OPTIONS'`` judges a training recipe instead: every fold model is trained with
those options added to the rebuild command (use a new ``--work`` folder for each recipe).

    python benchmarks/bench_jazz_folds.py --work DIR --sweep "1.0/0.2 1.1/0.15" --seeds 1
    python benchmarks/bench_jazz_folds.py --work DIR2 --train-args='--phrase' --sweep 1.1/0.2
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import multiprocessing
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _data import HELDOUT_TUNES, shared_data  # noqa: E402 (the same data rule as every benchmark)
from bench_jazz_quality import SHOWN, Setting, quality_report

from jazzsolo.train_jazz import read_tune_list, tune_of

DATA = shared_data()
FOLD_SEED = 20261129  # drawn once, like the held-out tunes' seed
GAPS = ("H1", "H4", "chord", "scale", "repeat_share", "notes_per_bar", "range")


def folds_of(tunes: list[str], k: int) -> list[list[str]]:
    """``k`` tune-disjoint folds: the sorted tunes shuffled with ``FOLD_SEED``, dealt in turn."""
    order = np.random.default_rng(FOLD_SEED).permutation(len(tunes))
    return [sorted(tunes[i] for i in order[j::k]) for j in range(k)]


def train_command(melody: Path, exclude: Path, out: Path, epochs: int,
                  extra: Sequence[str] = ()) -> list[str]:
    """The README's rebuild command with another exclusion list and output folder (and
    ``extra`` training options: a recipe to judge)."""
    return [sys.executable, "-m", "jazzsolo", "train", str(melody), "--arch", "jazz",
            "--exclude-tunes", str(exclude), "--threads", "1", "--epochs", str(epochs),
            *extra, "--out", str(out)]


def train_folds(jobs: list[tuple[list[str], Path]], parallel: int) -> None:
    """Run the training commands ``parallel`` at a time; each logs to ``train.log`` beside
    its model and leaves ``trained`` when it succeeded (those are skipped on a rerun)."""
    waiting = [(cmd, folder) for cmd, folder in jobs if not (folder / "trained").exists()]
    running: list[tuple[subprocess.Popen, Path, float]] = []
    while waiting or running:
        while waiting and len(running) < parallel:
            cmd, folder = waiting.pop(0)
            with (folder / "train.log").open("w") as log:  # the child keeps its own handle
                proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
            running.append((proc, folder, time.perf_counter()))
            print(f"training {folder.name} ...", flush=True)
        time.sleep(5)
        for proc, folder, t0 in list(running):
            if proc.poll() is None:
                continue
            running.remove((proc, folder, t0))
            if proc.returncode != 0:
                sys.exit(f"{folder.name}: training failed (see {folder / 'train.log'})")
            (folder / "trained").write_text(f"{time.perf_counter() - t0:.0f} s\n")
            print(f"{folder.name} trained in {(time.perf_counter() - t0) / 60:.1f} min",
                  flush=True)


SCORED = ("H1", "H4", "chord", "scale", "repeat_share")


def parse_setting(text: str) -> Setting:
    """``T/W``, ``T/W/P``, ``T/W/P/S``, ``T/W/P/S/O``, ``T/W/P/S/O/D`` or ``T/W/P/S/O/D/K``:
    pitch temperature, chord weight, duration top-p (``none``, or absent: none), the shortest
    fine step in seconds (absent: generate's), ornaments (``orn``: on, ``-``: off; absent:
    generate's), the duration head's temperature (absent: generate's) and, for a countdown
    model, whether it keeps its bar plan (``keep`` or ``-``; absent: generate's)."""
    t, w, *rest = text.split("/")
    top_p = None if not rest or rest[0] == "none" else float(rest[0])
    step = float(rest[1]) if len(rest) > 1 else Setting().min_step
    if len(rest) > 2 and rest[2] not in ("orn", "-"):
        raise SystemExit(f"--sweep: ornaments are 'orn' or '-', got {rest[2]!r} in {text!r}")
    ornaments = rest[2] == "orn" if len(rest) > 2 else Setting().ornaments
    heat = float(rest[3]) if len(rest) > 3 else Setting().duration_temperature
    if len(rest) > 4 and rest[4] not in ("keep", "-"):
        raise SystemExit(f"--sweep: the bar plan is 'keep' or '-', got {rest[4]!r} in {text!r}")
    keep = rest[4] == "keep" if len(rest) > 4 else Setting().keep_plan
    return Setting(float(t), float(w), top_p, min_step=step, ornaments=ornaments,
                   duration_temperature=heat, keep_plan=keep)


def sweep_fold(job: tuple[str, list[str], list[Setting], int, str, str, bool]) -> list[dict]:
    """Every sampling setting over one fold's model and tunes (its log in ``log``): one report
    per setting, the fold's fixed figures measured once."""
    model, fold, settings, seeds, label, log, as_recorded = job
    fixed: dict = {}
    out = []
    with open(log, "w") as f, contextlib.redirect_stdout(f):
        for setting in settings:
            print(f"\n--- {setting.label()} ---", flush=True)
            out.append(quality_report(model, set(fold), seeds, setting, label=label, fixed=fixed,
                                      as_recorded=as_recorded))
    return out


def sweep(work: Path, folds: list[list[str]], settings: list[Setting], seeds: int,
          jobs: int, as_recorded: bool = False) -> list[dict]:
    """Rank the settings by the rule in the module docstring; print and return the ranking."""
    tasks = [(str(work / f"fold{k + 1}" / "model"), fold, settings, seeds, f"fold {k + 1}",
              str(work / f"fold{k + 1}" / "sweep.log"), as_recorded)
             for k, fold in enumerate(folds)]
    # Worker processes that may start their own (reading solos does): not a daemonic Pool.
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        per_fold = list(pool.map(sweep_fold, tasks))
    ranking = []
    for i, setting in enumerate(settings):
        reports = [fold_reports[i] for fold_reports in per_fold]
        misses = sum(sum((not r["target_ok"]) + (not r["closer_than_classic"])
                         for r in rep["rows"].values()) for rep in reports)
        score = sum(abs(rep["rows"][m]["jazz_mean"] - rep["rows"][m]["real_mean"])
                    / rep["rows"][m]["real_std"] for rep in reports for m in SCORED)
        ranking.append({"setting": dataclasses.asdict(setting), "label": setting.label(),
                        "misses": misses,
                        "score": score, "missed": [rep["misses"] for rep in reports],
                        "means": {m: [rep["rows"][m]["jazz_mean"] for rep in reports]
                                  for m in SHOWN}})
    ranking.sort(key=lambda r: (r["misses"], r["score"]))
    real = {m: [fold_reports[0]["rows"][m]["real_mean"] for fold_reports in per_fold]
            for m in SCORED}
    print("real per fold: " + "; ".join(f"{m} " + " ".join(f"{v:.3f}" for v in vals)
                                         for m, vals in real.items()))
    for r in ranking:
        means = "; ".join(f"{m} " + " ".join(f"{v:.3f}" for v in r["means"][m]) for m in SCORED)
        print(f"{r['label']}: misses {r['misses']:>2} score {r['score']:.3f}  {means}  "
              f"missed per fold: {r['missed']}")
    return ranking


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True, help="folder for the fold models (kept)")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2, help="trainings at a time")
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--train-args", default="", metavar="'OPTIONS'",
                        help="more training options for every fold (a recipe to judge), e.g. "
                             "'--phrase'")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--json", default=None)
    parser.add_argument("--sweep", default=None, metavar="T/W[/P[/S[/O[/D[/K]]]]] ...",
                        help="choose the sampling defaults: settings of pitch temperature / "
                             "chord weight [/ duration top-p or none [/ mask step, s]] to rank "
                             "over the folds")
    parser.add_argument("--as-recorded", action="store_true",
                        help="each take as the recording's player (bench_jazz_quality)")
    args = parser.parse_args()
    melody = DATA / "wjazzd" / "melody"
    test = read_tune_list(HELDOUT_TUNES)
    tunes = sorted({tune_of(f) for f in melody.glob("*_FINAL.csv")} - test)
    folds = folds_of(tunes, args.folds)
    work = Path(args.work)
    jobs = []
    for k, fold in enumerate(folds):
        folder = work / f"fold{k + 1}"
        folder.mkdir(parents=True, exist_ok=True)
        exclude = folder / "exclude.txt"
        exclude.write_text("".join(f"{t}  # test\n" for t in sorted(test))
                           + "".join(f"{t}  # fold {k + 1}\n" for t in fold))
        jobs.append((train_command(melody, exclude, folder / "model", args.epochs,
                                   shlex.split(args.train_args)), folder))
    train_folds(jobs, args.jobs)
    if args.sweep:
        settings = [parse_setting(x) for x in args.sweep.split()]
        ranking = sweep(work, folds, settings, args.seeds, args.jobs, args.as_recorded)
        if args.json:
            Path(args.json).write_text(json.dumps(ranking, indent=1))
        return 0

    reports = []
    for k, fold in enumerate(folds):
        print(f"\n=== fold {k + 1} of {args.folds}: {len(fold)} tunes ===")
        reports.append(quality_report(str(work / f"fold{k + 1}" / "model"), set(fold),
                                      args.seeds, label=f"fold {k + 1}",
                                      as_recorded=args.as_recorded))

    print(f"\n{'fold':<6} {'solos':>5}  " + "  ".join(f"{m + ' real/jazz':>22}" for m in GAPS)
          + "  missed")
    for k, rep in enumerate(reports):
        cells = [f"{rep['rows'][m]['real_mean']:>10.3f} / {rep['rows'][m]['jazz_mean']:<9.3f}"
                 for m in GAPS]
        print(f"{k + 1:<6} {rep['solos']:>5}  " + "  ".join(cells) + "  "
              + (", ".join(rep["misses"]) or "none"))
    n = np.array([rep["solos"] for rep in reports], dtype=float)
    pooled = {m: {side: float(np.average([rep["rows"][m][f"{side}_mean"] for rep in reports],
                                         weights=n)) for side in ("real", "jazz")}
              for m in SHOWN}
    print("pooled (solo-weighted): " + ", ".join(
        f"{m} {v['real']:.3f} / {v['jazz']:.3f}" for m, v in pooled.items() if m in GAPS))
    missed = {m: sum(m in rep["misses"] for rep in reports) for m in SHOWN}
    print("folds missing each target: " + ", ".join(f"{m} {c}" for m, c in missed.items()))
    if args.json:
        Path(args.json).write_text(json.dumps({"folds": folds, "reports": reports,
                                               "pooled": pooled, "missed": missed}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
