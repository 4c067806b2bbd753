"""How loud each part is in the mix: the arrangement rendered once whole and once per part with
the others muted, all at the same gain (no normalising), so the levels compare directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from .arrange import Arrangement, to_score

FULL_SCALE = 32768.0


@dataclass(frozen=True)
class Level:
    """RMS and peak of one render (linear, 1.0 = full scale) and whether it clipped."""

    rms: float
    peak: float
    clipped: bool

    @property
    def rms_dbfs(self) -> float:
        return 20 * math.log10(self.rms) if self.rms > 0 else float("-inf")


def _level(arrangement: Arrangement, sf_bytes: bytes, sf_path: Path) -> Level:
    import numpy as np

    from jazzsolo.audio import _rustysynth_pass

    midi = to_score(arrangement).dumps_midi()
    pcm = _rustysynth_pass(sf_bytes, midi, Path("band.mid"), sf_path).astype(np.float64)
    peak = float(np.abs(pcm).max()) if pcm.size else 0.0
    rms = float(np.sqrt(np.mean(pcm**2))) if pcm.size else 0.0
    return Level(rms / FULL_SCALE, peak / FULL_SCALE, peak >= FULL_SCALE - 2)


def mix_levels(arrangement: Arrangement, soundfont: str | None = None) -> dict[str, Level]:
    """Levels of the whole mix (key ``mix``) and of each part alone (the others muted)."""
    from jazzsolo.audio import default_soundfont

    sf_path = Path(soundfont) if soundfont else default_soundfont()
    sf_bytes = sf_path.read_bytes()
    out = {"mix": _level(arrangement, sf_bytes, sf_path)}
    for part in arrangement.parts:
        alone = [p if p.name == part.name else replace(p, notes=[]) for p in arrangement.parts]
        out[part.name] = _level(replace(arrangement, parts=alone), sf_bytes, sf_path)
    band = [replace(p, notes=[]) if p.name == "solo" else p for p in arrangement.parts]
    out["band"] = _level(replace(arrangement, parts=band), sf_bytes, sf_path)
    return out
