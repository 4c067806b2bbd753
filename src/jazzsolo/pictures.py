"""See it: piano rolls of MIDI files and training curves, as PNG pictures.

Figures are drawn on matplotlib's Agg canvas (imported only when drawing) and written
atomically (``io.atomic_output``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .chords.symbols import is_chord_text
from .errors import JazzsoloError
from .io import atomic_output, read_midi_file
from .smf import text_events
from .theory import note_name
from .timeline import BarGrid

PathLike = str | os.PathLike[str]


ROLE_COLOURS = {
    "solo": "#d9480f",
    "chords": "#1c7ed6",
    "bass": "#2b8a3e",
}
ROLE_TITLES = {"solo": "Solo", "chords": "Chords / accompaniment", "bass": "Bass"}
MAX_PLOT_BARS = 1000  # a piano roll of more bars is a picture tens of thousands of pixels tall
@dataclass(frozen=True)
class _RollTrack:
    """One pitched track reduced to what the roll draws: notes as (start, end, pitch) ticks."""

    name: str
    program: int
    role: str
    notes: tuple[tuple[int, int, int], ...]


def _scan_text_events(data: bytes) -> list[tuple[int, str]]:
    """(absolute tick, text) of every text (FF 01) and marker (FF 06) event in a MIDI file."""
    return text_events(data, kinds=(0x01, 0x06))


def _chord_labels(score: Any, data: bytes) -> list[tuple[int, str]]:
    """Chord symbols at their ticks: the markers (or else text events) that look like chords."""
    events = [(m.time, m.text.strip()) for m in score.markers]
    if not any(is_chord_text(text) for _t, text in events):
        events = _scan_text_events(data)
    labels: list[tuple[int, str]] = []
    for tick, text in sorted(events):
        if not is_chord_text(text):
            continue
        if labels and labels[-1][1] == text:
            continue  # the same chord re-struck: one label is enough
        labels.append((tick, text))
    return labels


def _roll_roles(score: Any) -> list[str]:
    """Colour role of every part (io.note_tracks order) from the part detector: the melody is
    the solo, bass is bass, everything else is accompaniment."""
    from .io import note_tracks
    from .parts import detect_roles

    parts = note_tracks(score)
    try:
        roles = detect_roles(score)
        detected = [roles.role_of(i) for i in range(len(parts))]
    except JazzsoloError:  # no melody line (e.g. chords only): all accompaniment
        detected = ["bass" if 32 <= score.tracks[t].program <= 39 else "harmony" for t in parts]
    return [{"melody": "solo", "bass": "bass"}.get(r, "chords") for r in detected]


def _roll_tracks(score: Any) -> list[_RollTrack]:
    """The pitched (non-drum) tracks with notes, each with its role."""
    from .io import note_tracks

    out = []
    for t, role in zip(note_tracks(score), _roll_roles(score), strict=True):
        track = score.tracks[t]
        if track.is_drum:
            continue
        notes = tuple((n.time, n.time + max(n.duration, 1), n.pitch) for n in track.notes)
        name, program = track.name.strip(), int(track.program)
        out.append(_RollTrack(name=name or f"program {program}", program=program, role=role,
                              notes=notes))
    return out


def plot_piano_roll(
    midi_path: PathLike,
    png_path: PathLike,
    width_px: int = 1600,
    title: str | None = None,
    bars_per_row: int | None = None,
) -> None:
    """Draw a MIDI file as a piano roll PNG: bars on x, pitch on y, solo/chords/bass coloured.

    Chord symbols from the file's markers (or text events) are written above their changes.
    Long pieces wrap into rows of ``bars_per_row`` bars (default: one row up to 24 bars, else 16).
    """
    if isinstance(width_px, bool) or not isinstance(width_px, int) or not 400 <= width_px <= 10000:
        raise JazzsoloError(f"picture width must be an integer 400..10000 px, got {width_px!r}")
    if bars_per_row is not None and (not isinstance(bars_per_row, int) or bars_per_row < 1):
        raise JazzsoloError(f"bars per row must be an integer >= 1, got {bars_per_row!r}")
    midi = read_midi_file(midi_path)
    path, data, score = midi.path, midi.data, midi.score
    tracks = _roll_tracks(score)
    if not tracks:
        raise JazzsoloError(f"{path}: has no pitched notes to draw")
    grid = BarGrid(
        score.tpq, [(ts.time, ts.numerator, ts.denominator) for ts in score.time_signatures]
    )
    bars = grid.bar_of(max(end for t in tracks for _s, end, _p in t.notes))
    if bars > MAX_PLOT_BARS:
        raise JazzsoloError(f"{path}: lasts {bars:.0f} bars; a piano roll shows at most "
                            f"{MAX_PLOT_BARS}")
    labels = _chord_labels(score, data)
    with atomic_output(png_path) as tmp:
        _draw_roll(tmp, tracks, grid, labels, width_px, title or path.stem, bars_per_row)


def _draw_roll(
    out: Path,
    tracks: Sequence[_RollTrack],
    grid: BarGrid,
    labels: Sequence[tuple[int, str]],
    width_px: int,
    title: str,
    bars_per_row: int | None,
) -> None:
    """Lay out the rows and draw notes, grid lines, chord symbols, legend; save as PNG."""
    import numpy as np

    new_figure, PolyCollection, LineCollection, Patch = _matplotlib()

    end_tick = max(end for t in tracks for _s, end, _p in t.notes)
    n_bars = max(1, math.ceil(grid.bar_of(end_tick) - 1e-6))
    per_row = bars_per_row or (n_bars if n_bars <= 24 else 16)
    n_rows = math.ceil(n_bars / per_row)
    pitches = [p for t in tracks for _s, _e, p in t.notes]
    low, high = min(pitches) - 2, max(pitches) + 2
    if high - low < 24:
        pad = (24 - (high - low)) / 2
        low, high = math.floor(low - pad), math.ceil(high + pad)

    dpi = 100
    width_in = width_px / dpi
    row_in, label_in, gap_in, top_in, bottom_in = 2.6, 0.42, 0.38, 0.45, 0.45
    height_in = top_in + n_rows * (row_in + label_in) + (n_rows - 1) * gap_in + bottom_in
    fig = new_figure(width_in, height_in, dpi)
    left_in, right_in = 0.62, 0.18
    ax_w = (width_in - left_in - right_in) / width_in

    # Notes in bar units, per role, drawn accompaniment first so the solo is on top.
    order = {"chords": 0, "bass": 1, "solo": 2}
    style = {
        "chords": dict(alpha=0.55, height=0.8),
        "bass": dict(alpha=0.8, height=0.8),
        "solo": dict(alpha=0.95, height=0.9),
    }
    by_role: dict[str, np.ndarray] = {}
    for role in ("chords", "bass", "solo"):
        rows = [n for t in tracks if t.role == role for n in t.notes]
        if rows:
            arr = np.array(rows, dtype=np.float64)
            by_role[role] = np.column_stack(
                [grid.bars_of(arr[:, 0]), grid.bars_of(arr[:, 1]), arr[:, 2]]
            )
    label_bars = [(grid.bar_of(tick), text) for tick, text in labels]
    font_px = 12.5  # 9 pt at 100 dpi
    bars_per_px = per_row / (ax_w * width_px)

    for r in range(n_rows):
        r0, r1 = r * per_row, min(n_bars, (r + 1) * per_row)
        top = top_in + label_in + r * (row_in + label_in + gap_in)
        ax = fig.add_axes(
            (left_in / width_in, 1 - (top + row_in) / height_in, ax_w, row_in / height_in)
        )
        ax.set_xlim(r0, r0 + per_row)
        ax.set_ylim(low - 0.5, high + 0.5)
        black = [p for p in range(low, high + 1) if p % 12 in (1, 3, 6, 8, 10)]
        x_end = r0 + per_row
        lanes = [[(r0, p - 0.5), (r0, p + 0.5), (x_end, p + 0.5), (x_end, p - 0.5)] for p in black]
        ax.add_collection(PolyCollection(lanes, facecolors="#f1f3f5", linewidths=0, zorder=0))
        bar_lines, beat_lines = [], []
        for bar in range(r0, r1 + 1):
            bar_lines.append([(bar, low - 0.5), (bar, high + 0.5)])
            if bar < r1:
                beats = grid.beats_in_bar(bar)
                for b in range(1, beats):
                    x = bar + b / beats
                    beat_lines.append([(x, low - 0.5), (x, high + 0.5)])
        ax.add_collection(LineCollection(beat_lines, colors="#ced4da", linewidths=0.5, zorder=1))
        ax.add_collection(LineCollection(bar_lines, colors="#495057", linewidths=0.9, zorder=1))
        for role in sorted(by_role, key=order.get):
            notes = by_role[role]
            sel = notes[(notes[:, 0] < r1) & (notes[:, 1] > r0)]
            if not len(sel):
                continue
            x0, x1 = np.clip(sel[:, 0], r0, r1), np.clip(sel[:, 1], r0, r1)
            h = style[role]["height"] / 2
            y0, y1 = sel[:, 2] - h, sel[:, 2] + h
            verts = np.stack(
                [np.column_stack(c) for c in ((x0, y0), (x0, y1), (x1, y1), (x1, y0))], axis=1
            )
            ax.add_collection(
                PolyCollection(
                    verts,
                    facecolors=ROLE_COLOURS[role],
                    edgecolors="#212529",
                    linewidths=0.3,
                    alpha=style[role]["alpha"],
                    zorder=2 + order[role],
                )
            )
        c_ticks = [p for p in range(low, high + 1) if p % 12 == 0]
        ax.set_yticks(c_ticks, [note_name(p) for p in c_ticks], fontsize=8)
        step = 1 if per_row <= 32 else 4
        ax.set_xticks(range(r0, r1, step), [str(b + 1) for b in range(r0, r1, step)])
        ax.tick_params(axis="x", labelsize=8, length=2)
        ax.set_xlabel("bar" if r == n_rows - 1 else "", fontsize=9)
        ax.set_ylabel("pitch", fontsize=9)
        for spine in ax.spines.values():
            spine.set_color("#868e96")
        # Chord symbols above the row, in two lanes so neighbours never overlap.
        lane_end = [-math.inf, -math.inf]
        marks = []
        for bar, text in label_bars:
            if not r0 - 1e-6 <= bar < r1 - 1e-6:
                continue
            width_bars = (len(text) * 0.62 * font_px + 6) * bars_per_px
            lane = 0 if bar >= lane_end[0] else (1 if bar >= lane_end[1] else 0)
            lane_end[lane] = bar + width_bars
            ax.annotate(
                text,
                xy=(bar, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(1.5, 3 + 14 * lane),
                textcoords="offset points",
                fontsize=9,
                ha="left",
                va="bottom",
                annotation_clip=False,
                color="#212529",
            )
            marks.append([(bar, high + 0.5), (bar, high - 0.7)])
        ax.add_collection(LineCollection(marks, colors="#212529", linewidths=1.0, zorder=6))

    fig.suptitle(title, x=left_in / width_in, y=1 - 0.12 / height_in, ha="left", fontsize=13)
    handles = []
    for role in ("solo", "chords", "bass"):
        names = [t.name for t in tracks if t.role == role]
        if names:
            shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            label = ROLE_TITLES[role]
            if [n.lower() for n in names] != [label.split()[0].lower()]:
                label += f": {shown}"
            handles.append(Patch(color=ROLE_COLOURS[role], label=label))
    fig.legend(
        handles=handles,
        loc="upper right",
        bbox_to_anchor=(1 - right_in / width_in, 1 - 0.08 / height_in),
        ncol=len(handles),
        fontsize=9,
        frameon=False,
    )
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")


def _matplotlib() -> tuple[Any, Any, Any, Any]:
    """(new_figure, PolyCollection, LineCollection, Patch), imported only when drawing.

    Figures are made directly on the Agg canvas, not through pyplot: no global figure state,
    nothing to close, and a notebook user's pyplot backend is left alone.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    def new_figure(width_in: float, height_in: float, dpi: int) -> Any:
        fig = Figure(figsize=(width_in, height_in), dpi=dpi)
        FigureCanvasAgg(fig)
        return fig

    return new_figure, PolyCollection, LineCollection, Patch


# --------------------------------------------------------------------------------------------
# Training curves
# --------------------------------------------------------------------------------------------


def _series(history: Mapping[str, Sequence[float]], key: str) -> list[float] | None:
    """A history entry as floats (non-finite values become NaN gaps), or None when absent."""
    values = history.get(key)
    if values is None:
        return None
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError):
        raise JazzsoloError(f"history: {key!r} must be a list of numbers") from None
    return [v if math.isfinite(v) else math.nan for v in out] or None


def plot_history(history: Mapping[str, Sequence[float]], png_path: PathLike) -> None:
    """Draw training curves (loss, and accuracy when recorded; train vs validation) as a PNG."""
    if not isinstance(history, Mapping):
        raise JazzsoloError(f"history must be a dict of lists, got {type(history).__name__}")
    loss = _series(history, "loss")
    if loss is None:
        raise JazzsoloError("history: no 'loss' values to plot")
    panels = [("loss", "Loss", loss, _series(history, "val_loss"))]
    accuracy = _series(history, "accuracy")
    val_accuracy = _series(history, "val_accuracy")
    if accuracy is not None or val_accuracy is not None:
        panels.append(("accuracy", "Accuracy", accuracy, val_accuracy))

    with atomic_output(png_path) as tmp:
        new_figure = _matplotlib()[0]
        fig = new_figure(6.0 * len(panels), 4.2, 100)
        axes = fig.subplots(1, len(panels), squeeze=False)
        for ax, (key, name, train, val) in zip(axes[0], panels, strict=True):
            for values, label, colour in (
                (train, "train", "#1c7ed6"),
                (val, "validation", "#d9480f"),
            ):
                if values:
                    epochs = range(1, len(values) + 1)
                    ax.plot(
                        epochs,
                        values,
                        color=colour,
                        lw=1.8,
                        label=label,
                        marker="o" if len(values) <= 30 else None,
                        ms=3,
                    )
            finite = [v for v in (train or []) + (val or []) if not math.isnan(v)]
            if key == "loss" and finite and min(finite) > 0 and max(finite) / min(finite) > 30:
                ax.set_yscale("log")
                name += " (log scale)"
            if key == "accuracy" and finite and 0 <= min(finite) and max(finite) <= 1:
                ax.set_ylim(-0.02, 1.02)
            ax.set_title(name)
            ax.set_xlabel("epoch")
            ax.set_ylabel(key)
            ax.grid(True, color="#dee2e6", lw=0.6)
            ax.legend()
        fig.tight_layout()
        fig.savefig(tmp, format="png", dpi=100, facecolor="white")
