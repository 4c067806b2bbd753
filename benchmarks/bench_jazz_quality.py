"""How the jazz model's solos measure against real ones, over changes it never trained on.

For every held-out WJazzD solo (the tunes in ``pretrained/jazz/heldout.txt``, never used in
training or validation), one solo is improvised over that solo's changes (every bar of it, its
meter) by the bundled jazz model (3 seeds: mean and spread of the set means) and by the classic
model; all are measured with ``jazzsolo.evaluate`` (metrical grid) against the real solos of
those tunes, copying against the jazz model's training solos. The held-out NLL is reported per
head. Each figure is checked against the targets of issue 9 / EVALUATION.md.

By default every take is played by "any player". ``--as-recorded`` plays each as the player of
the recording whose changes it takes (the WJazzD file name's performer), when the model knows
that player from other tunes (else any player), and scores the NLL the same way.

    python benchmarks/bench_jazz_quality.py [--model DIR] [--seeds 3] [--as-recorded]
        [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the jazzsolo command sets it

import numpy as np
from _data import HELDOUT_TUNES, shared_data  # noqa: E402 (the same data rule as every benchmark)

from jazzsolo.evaluate import CopyIndex, evaluate_solos, summarize
from jazzsolo.evaluate_io import load_solos
from jazzsolo.events import changes_of
from jazzsolo.generate import GenerateConfig, generate_solos
from jazzsolo.generate_jazz import (
    DEFAULT_CHORD_WEIGHT,
    DEFAULT_DURATION_TEMPERATURE,
    DEFAULT_DURATION_TOP_P,
    DEFAULT_KEEP_PLAN,
    DEFAULT_MIN_STEP,
    DEFAULT_ORNAMENTS,
    DEFAULT_PITCH_TEMPERATURE,
    DEFAULT_PITCH_TOP_P,
    JazzSampling,
    default_jazz_dir,
    generate_jazz_solos,
)
from jazzsolo.models.jazz_format import load_jazz_for_inference
from jazzsolo.models.jazz_nll import JazzNLL
from jazzsolo.sample import SampleConfig
from jazzsolo.score import Chord, Meter
from jazzsolo.train_jazz import player_of, read_tune_list, tune_of

DATA = shared_data()
SHOWN = ("H1", "H4", "GS", "chord", "scale", "range", "notes_per_bar", "repeat_share",
         "copy_8gram", "copy_max")


def target_ok(measure: str, value: float, real: dict) -> bool:
    """Issue 9's target for one set mean, given the real set's mean and std."""
    mean, std = real["mean"], real["std"]
    bands = {"H1": (mean - 0.1, mean + 0.1), "H4": (mean - 0.1, mean + 0.1),
             "GS": (mean - 0.03, mean + 0.03), "chord": (0.50, 0.56), "scale": (0.78, 0.84),
             "range": (mean - std, mean + std), "notes_per_bar": (mean - std, mean + std),
             "repeat_share": (0.03, 0.08), "copy_8gram": (-1, 0.08), "copy_max": (-1, 12)}
    lo, hi = bands[measure]
    return lo <= value <= hi


def target_text(measure: str, real: dict) -> str:
    mean, std = real["mean"], real["std"]
    return {"H1": f"{mean - 0.1:.2f}-{mean + 0.1:.2f}", "H4": f"{mean - 0.1:.2f}-{mean + 0.1:.2f}",
            "GS": f"{mean - 0.03:.3f}-{mean + 0.03:.3f}", "chord": "0.50-0.56",
            "scale": "0.78-0.84", "range": f"{mean - std:.1f}-{mean + std:.1f}",
            "notes_per_bar": f"{mean - std:.2f}-{mean + std:.2f}", "repeat_share": "0.03-0.08",
            "copy_8gram": "<= 0.08", "copy_max": "<= 12"}[measure]


@dataclass(frozen=True)
class Setting:
    """A sampling setting as the benchmarks vary it; the defaults are ``generate``'s."""

    pitch_temperature: float = DEFAULT_PITCH_TEMPERATURE
    chord_weight: float = DEFAULT_CHORD_WEIGHT
    duration_top_p: float | None = DEFAULT_DURATION_TOP_P
    pitch_top_p: float | None = DEFAULT_PITCH_TOP_P
    duration_temperature: float = DEFAULT_DURATION_TEMPERATURE
    min_step: float = DEFAULT_MIN_STEP
    ornaments: bool = DEFAULT_ORNAMENTS
    keep_plan: bool = DEFAULT_KEEP_PLAN

    def sampling(self, seed: int) -> JazzSampling:
        """The setting as ``generate_jazz_solos`` takes it, for one seed."""
        pitch = SampleConfig(temperature=self.pitch_temperature, top_p=self.pitch_top_p,
                             seed=seed)
        duration = SampleConfig(temperature=self.duration_temperature,
                                top_p=self.duration_top_p, seed=seed)
        return JazzSampling(pitch, duration, None, seed, self.chord_weight, self.min_step,
                            self.ornaments, self.keep_plan)

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser, scope: str = "") -> None:
        """The setting's command-line options (``scope`` prefixes each help, e.g. "--folds
        only: "); every default is ``generate``'s."""
        for flag, kind, default, what in (
                ("--pitch-temperature", float, DEFAULT_PITCH_TEMPERATURE,
                 "the pitch head's temperature"),
                ("--chord-weight", float, DEFAULT_CHORD_WEIGHT,
                 "added to chord tones' pitch logits"),
                ("--pitch-top-p", float, DEFAULT_PITCH_TOP_P, "the pitch head's top-p"),
                ("--duration-temperature", float, DEFAULT_DURATION_TEMPERATURE,
                 "the duration head's temperature"),
                ("--duration-top-p", float, DEFAULT_DURATION_TOP_P, "the duration head's top-p"),
                ("--min-step", float, DEFAULT_MIN_STEP,
                 "the position mask's shortest 32nd/sextuplet step in seconds (0: no mask)")):
            parser.add_argument(flag, type=kind, default=default,
                                help=f"{scope}{what}; default: generate's ({default})")
        parser.add_argument("--ornaments", action=argparse.BooleanOptionalAction,
                            default=DEFAULT_ORNAMENTS,
                            help=f"{scope}with the mask, notes on the fine positions it leaves "
                                 f"out as ornaments; default: generate's ({DEFAULT_ORNAMENTS})")
        parser.add_argument("--keep-plan", action=argparse.BooleanOptionalAction,
                            default=DEFAULT_KEEP_PLAN,
                            help=f"{scope}a countdown model keeps its bar plan where the grid "
                                 f"lets it; default: generate's ({DEFAULT_KEEP_PLAN})")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Setting:
        """The setting ``add_arguments``' options describe."""
        return cls(args.pitch_temperature, args.chord_weight, args.duration_top_p,
                   args.pitch_top_p, args.duration_temperature, args.min_step, args.ornaments,
                   args.keep_plan)

    def label(self) -> str:
        top_p = "none" if self.duration_top_p is None else f"{self.duration_top_p}"
        return (f"pitch temperature {self.pitch_temperature}, chord weight {self.chord_weight},"
                f" duration top-p {top_p}, min step {self.min_step} s"
                + (", ornaments" if self.ornaments else "")
                + (", keeping the bar plan" if self.keep_plan else "")
                + (f", duration temperature {self.duration_temperature}"
                   if self.duration_temperature != 1.0 else ""))


def classic_solos(sheets: list, seed: int) -> list:
    """The bundled classic model over each sheet's changes (its own meter), one take each."""
    from jazzsolo.checkpoint import load_for_inference
    from jazzsolo.generate import classic_model_dir

    model, meta = load_for_inference(classic_model_dir())
    out = []
    for k, sheet in enumerate(sheets):
        ch = changes_of(sheet)
        bars: list[list[Chord]] = [[] for _ in range(ch.n_bars)]
        for c in ch.chords():
            b = int(c.start // sheet.bar_length + 1e-9)
            bars[b].append(Chord(c.start - b * sheet.bar_length, c.duration, c.pitches, c.symbol))
        out += generate_solos(model, meta["vocabulary"], bars, SampleConfig(seed=seed + k),
                              GenerateConfig(seed=seed + k),
                              Meter(sheet.beats_per_bar, sheet.beat_unit))
    return out


def quality_report(model_dir: str, tunes: set[str] | None, seeds: int = 3,
                   setting: Setting = Setting(), label: str = "test",
                   fixed: dict | None = None, as_recorded: bool = False) -> dict:
    """Measure the jazz model in ``model_dir`` over the changes of every solo of ``tunes``
    (None: the model's own validation tunes; never trained on: checked) against those real
    solos, print the table, return the report (``misses``: the targets missed). ``fixed``, a
    dict kept between calls on the same model and tunes, keeps what no sampling option
    changes (the real solos and their figures, the classic model's, the NLL). ``as_recorded``:
    each take (and the NLL) as the recording's player when the model knows them."""
    model, meta = load_jazz_for_inference(model_dir)
    if tunes is None:
        tunes = set(meta["trained_on"]["validation_tunes"])
    fixed = {} if fixed is None else fixed
    if not fixed:
        fixed.update(_fixed_figures(meta, tunes, label))
    real, index, real_sum = fixed["real"], fixed["index"], fixed["real_sum"]
    known = set(model.config.players) if as_recorded else set()
    players = [player_of(s.source) if player_of(s.source) in known else None for s in real]
    if as_recorded:
        print(f"as recorded: {sum(p is not None for p in players)} of {len(real)} solos by a "
              "player the model knows")

    runs = []
    t0 = time.perf_counter()
    for seed in range(seeds):
        sheets = []
        for k, solo in enumerate(real):
            sheet = solo.sheet
            takes = generate_jazz_solos(model, meta, changes_of(sheet), 1,
                                        setting.sampling(1000 * seed + k),
                                        tempo=sheet.tempo, player=players[k])
            takes[0].name = f"jazz {Path(solo.source).stem} seed {seed}"
            sheets.append(takes[0])
        runs.append(summarize(evaluate_solos(sheets, "metrical", index)))
    gen_seconds = time.perf_counter() - t0
    if "classic" not in fixed:
        fixed["classic"] = summarize(evaluate_solos(classic_solos([s.sheet for s in real], 7),
                                                    "metrical", index))
    nll_key = f"nll {as_recorded}"
    if nll_key not in fixed:
        fixed[nll_key] = JazzNLL(model).nll_bits(
            [s.sheet for s in real], [model.config.player_index(p) for p in players])
    classic, nll = fixed["classic"], fixed[nll_key]

    print(f"\n{'measure':<14} {'real':>14} {'jazz (' + str(seeds) + ' seeds)':>20} "
          f"{'classic':>8} {'target':>14}  jazz ok  closer than classic")
    report = {"real": real_sum, "jazz": runs, "classic": classic, "nll_bits": nll, "rows": {},
              "solos": len(real), "tunes": len(tunes), "as_recorded": as_recorded}
    misses = []
    for m in SHOWN:
        r = real_sum[m]
        means = np.array([run[m]["mean"] for run in runs], dtype=float)
        jm, spread = float(means.mean()), float(means.max() - means.min())
        cm = classic[m]["mean"]
        ok = target_ok(m, jm, r)
        if m.startswith("copy"):
            closer = cm is None or jm <= max(cm, r["mean"]) + 1e-9
        else:
            closer = abs(jm - r["mean"]) < abs(cm - r["mean"])
        if not ok:
            misses.append(m)
        report["rows"][m] = {"real_mean": r["mean"], "real_std": r["std"], "jazz_mean": jm,
                             "jazz_spread": spread, "classic_mean": cm, "target_ok": ok,
                             "closer_than_classic": closer}
        print(f"{m:<14} {r['mean']:>7.3f} ± {r['std']:<5.3f} {jm:>10.3f} (±{spread / 2:.3f})"
              f" {cm:>8.3f} {target_text(m, r):>14}  {'yes' if ok else 'NO':<7}  "
              f"{'yes' if closer else 'NO'}")
    print(f"\n{label} NLL, bits per event (note or rest): pitch {nll['pitch']:.3f}, duration "
          f"{nll['duration']:.3f}, total {nll['total']:.3f}")
    print(f"generation: {seeds * len(real)} solos in {gen_seconds:.1f} s")
    print("targets missed: " + (", ".join(misses) if misses else "none"))
    report["misses"] = misses
    return report


def _fixed_figures(meta: dict, tunes: set[str], label: str) -> dict:
    """The real solos of ``tunes`` (never trained on: checked), the copy index of the model's
    training solos and the real solos' figures."""
    melody = DATA / "wjazzd" / "melody"
    files = sorted(f for f in melody.glob("*_FINAL.csv") if tune_of(f) in tunes)
    trained = set(meta["trained_on"]["files"])
    assert not {f.stem for f in files} & trained, "a test solo was trained on"
    t0 = time.perf_counter()
    real, _ = load_solos(files)
    train_solos, _ = load_solos(sorted(f for f in melody.glob("*_FINAL.csv") if f.stem in trained))
    index = CopyIndex(train_solos)
    print(f"{len(real)} {label} solos of {len(tunes)} tunes; copying checked against "
          f"{len(train_solos)} training solos ({time.perf_counter() - t0:.1f} s to read)")
    return {"real": real, "index": index,
            "real_sum": summarize(evaluate_solos(real, "metrical", index))}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=default_jazz_dir())
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--json", default=None)
    parser.add_argument("--on", choices=["heldout", "validation"], default="heldout",
                        help="the held-out test tunes (report), or the model's validation "
                             "tunes (for tuning generation options; never tune on heldout)")
    Setting.add_arguments(parser)
    parser.add_argument("--as-recorded", action="store_true",
                        help="play each take as the recording's player (when the model knows "
                             "them); default: any player")
    args = parser.parse_args()
    tunes = read_tune_list(HELDOUT_TUNES) if args.on == "heldout" else None
    report = quality_report(args.model, tunes, args.seeds, Setting.from_args(args), args.on,
                            as_recorded=args.as_recorded)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
