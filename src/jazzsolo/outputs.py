"""Writing generated solos to files: MIDI, and optionally WAV and PNG, all or nothing.

Every file is written under a temporary name beside its final one and renamed only when all of
them are done, so an error leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import JazzsoloError
from .score import LeadSheet


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
    sheets: Sequence[LeadSheet],
    midi_paths: Sequence[str],
    wavs: Sequence[str] = (),
    pngs: Sequence[str] = (),
    soundfont: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[str]:
    """Write each solo as MIDI (and WAV / PNG when their paths are given); returns the paths.
    ``warn`` hears about a solo with no notes at all."""
    staged: list[tuple[Path, Path]] = []
    try:
        for k, sheet in enumerate(sheets):
            if warn and not any(n.pitch is not None for n in sheet.melody):
                warn(f"{midi_paths[k]}: the model produced only rests (an undertrained model "
                     "with greedy sampling does this; train longer or sample)")
            _write_one(sheet, k, (midi_paths, wavs, pngs), soundfont, staged)
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [str(final) for _, final in staged]


def _stage(path: str, staged: list[tuple[Path, Path]]) -> Path:
    """A temporary name beside ``path`` (same folder, so the final rename is atomic)."""
    final = Path(path)
    parent = final.parent if str(final.parent) else Path(".")
    if not parent.is_dir():
        raise JazzsoloError(f"{final}: the folder {parent} does not exist")
    tmp = parent / f".{final.stem}.{os.getpid()}.{secrets.token_hex(4)}{final.suffix or '.tmp'}"
    staged.append((tmp, final))
    return tmp


def _write_one(
    sheet: LeadSheet,
    k: int,
    paths: tuple[Sequence[str], Sequence[str], Sequence[str]],
    soundfont: str | None,
    staged: list[tuple[Path, Path]],
) -> None:
    from .io import write_midi

    midi_paths, wavs, pngs = paths
    midi = _stage(midi_paths[k], staged)
    write_midi(sheet, midi)
    if wavs:
        from .render import render_wav

        render_wav(midi, _stage(wavs[k], staged), soundfont=soundfont)
    if pngs:
        from .render import plot_piano_roll

        plot_piano_roll(midi, _stage(pngs[k], staged), title=Path(midi_paths[k]).stem)
