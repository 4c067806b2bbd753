"""Balance of the band: each part's RMS in the mix, rendered alone at the mix's gain.

Run: nice -n 10 python benchmarks/band_mix.py [--progression rhythm-changes] [--style swing]
Prints one line per part (RMS dBFS, peak, clipped?) and the solo's level over each other part
and over the whole band (piano + bass + drums), all rendered at the same gain; and the time to
arrange against the time to generate the solo itself in the same run.
"""

from __future__ import annotations

import argparse
import time

from jazzsolo.band import parse_mix
from jazzsolo.band.arrange import arrange_sheets
from jazzsolo.band.levels import mix_levels
from jazzsolo.request import BandOptions, GenerateRequest, generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--progression", default="rhythm-changes")
    parser.add_argument("--style", default="swing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mix", default=None, help="PART=VOL,... as for generate --mix")
    args = parser.parse_args()
    band = BandOptions(style=args.style, mix=parse_mix(args.mix) if args.mix else {})
    request = GenerateRequest(progression=args.progression, seed=args.seed, band=band)
    generate(request)  # warm: model loaded, modules imported
    t0 = time.perf_counter()
    sheets = generate(request)
    t_solo = time.perf_counter() - t0
    t0 = time.perf_counter()
    arrangement = arrange_sheets(sheets, band, request.choruses, request.seed)[0]
    t_arrange = time.perf_counter() - t0
    t0 = time.perf_counter()
    levels = mix_levels(arrangement)
    t_render = time.perf_counter() - t0
    print(f"{args.progression}, {args.style}, seed {args.seed}, {arrangement.n_bars} bars")
    print(f"arrange {t_arrange * 1000:.1f} ms against {t_solo * 1000:.1f} ms to generate the "
          f"solo (baseline, same run); {len(levels)} renders {t_render:.2f} s")
    for name, lv in levels.items():
        print(f"{name:>6}: rms {lv.rms_dbfs:6.1f} dBFS  peak {lv.peak:.3f}  "
              f"clipped {'yes' if lv.clipped else 'no'}")
    solo = levels["solo"]
    for name in ("piano", "bass", "drums", "band"):
        ratio, db = solo.rms / levels[name].rms, solo.rms_dbfs - levels[name].rms_dbfs
        print(f"solo / {name}: RMS ratio {ratio:.2f} ({db:+.1f} dB)")


if __name__ == "__main__":
    main()
