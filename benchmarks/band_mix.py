"""Balance of the band: each part's RMS in the mix, rendered alone at the mix's gain.

Run: nice -n 10 python benchmarks/band_mix.py [--progression rhythm-changes] [--style swing]
Prints one line per part (RMS dBFS, peak, clipped?) and the solo's level over the band's.
"""

from __future__ import annotations

import argparse
import time

from jazzsolo.band import BandOptions, get_style, parse_mix
from jazzsolo.band.arrange import arrange_sheet
from jazzsolo.band.levels import mix_levels
from jazzsolo.checkpoint import load_for_inference
from jazzsolo.generate import (
    GenerateConfig,
    bars_from_progression,
    default_model_dir,
    generate_solos,
)
from jazzsolo.progressions import get_progression
from jazzsolo.sample import SampleConfig


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--progression", default="rhythm-changes")
    parser.add_argument("--style", default="swing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mix", default=None, help="PART=VOL,... as for generate --mix")
    args = parser.parse_args()
    prog = get_progression(args.progression)
    mix = parse_mix(args.mix) if args.mix else {}
    options = BandOptions(style=args.style, mix=mix)
    beats = get_style(args.style).meter or prog.beats_per_bar
    bars = bars_from_progression(prog.text, beats)
    model, meta = load_for_inference(default_model_dir())
    sheet = generate_solos(model, meta["vocabulary"], bars, SampleConfig(seed=args.seed),
                           GenerateConfig(seed=args.seed), bar_length=float(beats),
                           beats_per_bar=beats)[0]
    t0 = time.perf_counter()
    arrangement = arrange_sheet(sheet, options, len(bars), args.seed)
    t_arrange = time.perf_counter() - t0
    t0 = time.perf_counter()
    levels = mix_levels(arrangement)
    t_render = time.perf_counter() - t0
    print(f"{args.progression}, {args.style}, mix {dict(options.mix)}")
    print(f"arrange {t_arrange * 1000:.1f} ms; {len(levels)} renders {t_render:.2f} s")
    for name, lv in levels.items():
        print(f"{name:>6}: rms {lv.rms_dbfs:6.1f} dBFS  peak {lv.peak:.3f}  "
              f"clipped {'yes' if lv.clipped else 'no'}")
    solo = levels["solo"].rms
    for name in ("piano", "bass", "drums", "band"):
        print(f"solo / {name}: {solo / levels[name].rms:.2f} (RMS ratio)")


if __name__ == "__main__":
    main()
