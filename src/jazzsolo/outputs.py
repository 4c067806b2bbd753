"""Writing generated solos to files: MIDI, and optionally WAV and PNG, all or nothing.

Every file is written under a temporary name beside its final one and renamed only when all of
them are done (``io.atomic_outputs``), so an error leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import JazzsoloError
from .score import LeadSheet

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .band.arrange import Arrangement


def output_paths(out: str, n: int, suffix: str) -> list[str]:
    """``out`` itself for one output, else ``stem-1.ext``, ``stem-2.ext`` ... beside it."""
    p = Path(out)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise JazzsoloError(f"{p}: the folder {parent} does not exist")
    if p.is_dir():
        raise JazzsoloError(f"{p}: is a directory, expected a {suffix} file name")
    if n == 1:
        return [str(p)]
    ext = p.suffix or suffix
    return [str(p.with_name(f"{p.stem}-{k}{ext}")) for k in range(1, n + 1)]


def write_solos(
    sheets: Sequence[LeadSheet | Arrangement],
    midi_paths: Sequence[str],
    wavs: Sequence[str] = (),
    pngs: Sequence[str] = (),
    soundfont: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[str]:
    """Write each solo (a lead sheet, or a band arrangement) as MIDI (and WAV / PNG when their
    paths are given); returns the paths. ``warn`` hears about a lead sheet with no notes."""
    from . import render
    from .io import atomic_outputs, write_midi

    written: list[str] = []
    with atomic_outputs() as stage:
        for k, sheet in enumerate(sheets):
            if warn and isinstance(sheet, LeadSheet) and not any(
                n.pitch is not None for n in sheet.melody
            ):
                warn(f"{midi_paths[k]}: the model produced only rests (an undertrained model "
                     "with greedy sampling does this; train longer or sample)")
            midi = stage(midi_paths[k])
            if isinstance(sheet, LeadSheet):
                write_midi(sheet, midi)
            else:
                from .band.arrange import write_arrangement

                write_arrangement(sheet, midi)
            written.append(midi_paths[k])
            if wavs:
                render.render_wav(midi, stage(wavs[k]), soundfont=soundfont,
                                  name=midi_paths[k])
                written.append(wavs[k])
            if pngs:
                render.plot_piano_roll(midi, stage(pngs[k]), title=Path(midi_paths[k]).stem)
                written.append(pngs[k])
    return written
