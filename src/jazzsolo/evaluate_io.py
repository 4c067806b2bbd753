"""Files for ``jazzsolo evaluate``: solos from MIDI files, WJazzD CSVs and folders; models that
score real solos (negative log-likelihood); the table and the distribution plot.

The measures themselves are pure functions in ``evaluate``. Never imports torch.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import JazzsoloError
from .evaluate import LABELS, MEASURES, NLLModel, Solo, SoloMetrics, solo_line
from .models.classic import ClassicNLL  # noqa: F401 (its old home)

PARALLEL_FROM = 16  # files: below this, reading in one process is faster than starting workers


# ------------------------------------------------------------------------------- solos


@dataclass(frozen=True)
class ReadOptions:
    """How the solo files are read: the melody track and chord tracks of a MIDI file (None:
    detected), who hears about a skipped file, and how many reading processes (None: one per
    CPU)."""

    melody_part: int | None = None
    chord_parts: Sequence[int] | None = None
    warn: Callable[[str], Any] | None = None
    jobs: int | None = None

    def load(self, inputs: Sequence[str | os.PathLike[str]],
             ) -> tuple[list[Solo], list[dict[str, str]]]:
        """:func:`load_solos` with these options."""
        return load_solos(inputs, self.melody_part, self.chord_parts, self.warn, self.jobs)



def read_solo(path: str | os.PathLike[str], melody_part: int | None = None,
              chord_parts: Sequence[int] | None = None) -> Solo:
    """One solo from a MIDI file (parts detected unless given) or a WJazzD melody CSV (with its
    notated onsets, for the metrical grid); fails naming the file when it has no notes."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        from .wjazzd import read_wjazzd_notated

        sheet, notated = read_wjazzd_notated(p)
        solo = Solo(sheet, str(p), tuple(notated.tolist()))
    else:
        from .extract import read_lead_sheet

        solo = Solo(read_lead_sheet(p, melody_part=melody_part, harmony_parts=chord_parts),
                    str(p))
    if not len(solo_line(solo).start):
        raise JazzsoloError(f"{p}: no melody notes to measure")
    return solo


def _read_task(task: tuple[str, int | None, tuple[int, ...] | None]) -> Solo | str:
    """Worker: a solo, or the one-line reason it cannot be read."""
    path, melody_part, chord_parts = task
    try:
        return read_solo(path, melody_part, chord_parts)
    except JazzsoloError as exc:
        return str(exc)
    except Exception as exc:  # a file that breaks a reader must not stop a folder run
        return f"{path}: cannot read ({type(exc).__name__}: {exc})"


def load_solos(inputs: Sequence[str | os.PathLike[str]], melody_part: int | None = None,
               chord_parts: Sequence[int] | None = None, warn: Callable[[str], Any] | None = None,
               jobs: int | None = None) -> tuple[list[Solo], list[dict[str, str]]]:
    """Solos from files and folders (recursive), and the files skipped. A file named directly
    that cannot be read is an error; in a folder it is skipped with a warning."""
    from .corpus import collect_files

    named = {str(Path(i)) for i in inputs if not Path(i).is_dir()}
    files = collect_files(inputs)
    parts = tuple(chord_parts) if chord_parts else None
    tasks = [(str(f), melody_part, parts) for f in files]
    workers = min(jobs or os.cpu_count() or 1, len(tasks))
    if workers > 1 and len(tasks) >= PARALLEL_FROM:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_read_task, tasks, chunksize=8))
    else:
        results = [_read_task(t) for t in tasks]
    solos: list[Solo] = []
    skipped: list[dict[str, str]] = []
    for f, r in zip(files, results, strict=True):
        if isinstance(r, Solo):
            solos.append(r)
            continue
        if str(f) in named:
            raise JazzsoloError(r)
        skipped.append({"file": str(f), "reason": r})
        if warn:
            warn(f"skipped {r}")
    if not solos:
        raise JazzsoloError(f"none of the {len(files)} files is a solo that can be measured")
    return solos, skipped


# ------------------------------------------------------------------------------ models

def load_nll_model(model: str | os.PathLike[str]) -> NLLModel:
    """A model directory (or a bundled model's name) as an :class:`NLLModel`, through the
    ``nll_model(model, doc)`` hook of the format its ``model.json`` names."""
    from .models import model_directory, model_format

    p = model_directory(str(model))
    doc_path = p / "model.json" if p.is_dir() else p.with_name("model.json")
    try:
        fmt = json.loads(doc_path.read_text()).get("format")
    except FileNotFoundError:
        raise JazzsoloError(f"{p}: not a model (no model.json)") from None
    except (OSError, ValueError, AttributeError) as exc:
        raise JazzsoloError(f"{doc_path}: cannot read the model description ({exc})") from None
    if fmt == "jazzsolo-jazz-lstm":  # the jazz model has its own reader (models/jazz_format.py)
        from .models.jazz_nll import load_jazz_nll

        return load_jazz_nll(doc_path.parent)
    hook = getattr(model_format(str(fmt), str(doc_path)).load(), "nll_model", None)
    if hook is None:
        raise JazzsoloError(f"{p}: a {fmt!r} model cannot score solos (no nll_model hook)")
    from .checkpoint import load_for_inference

    return hook(*load_for_inference(doc_path.parent))


# ------------------------------------------------------------------------------ output


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(report: dict[str, Any]) -> str:
    """The text table of an evaluation report (what ``jazzsolo evaluate`` prints)."""
    sets = [k for k in ("solos", "reference") if k in report]
    head = ["measure"] + [f"{k} (n={report[k]['n']})" for k in sets]
    if "compare" in report:
        head += ["overlap", "diff of means"]
    rows = [head]
    for m in MEASURES:
        if not any(m in report[k]["summary"] for k in sets):
            continue
        row = [LABELS[m]]
        for k in sets:
            s = report[k]["summary"].get(m)
            row.append("-" if s is None or s["mean"] is None
                       else f"{s['mean']:.3f} ± {_fmt(s['std'])}")
        if "compare" in report:
            c = report["compare"].get(m, {})
            row += [_fmt(c.get("overlap")), _fmt(c.get("mean_diff"))]
        rows.append(row)
    for key, value in report.get("nll", {}).items():
        if key != "coverage":
            rows.append([f"NLL {key} (bits/note)", _fmt(value)] + [""] * (len(head) - 2))
    return _aligned(rows)


def format_per_solo(metrics: Sequence[SoloMetrics]) -> str:
    """One row per solo, one column per measure."""
    cols = [m for m in MEASURES if any(m in s.values for s in metrics)]
    rows = [["solo"] + [LABELS[m] for m in cols]]
    rows += [[s.name or s.source] + [_fmt(s.values.get(m)) for m in cols] for s in metrics]
    return _aligned(rows)


def _aligned(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def plot_distributions(metrics: Sequence[SoloMetrics], reference: Sequence[SoloMetrics] | None,
                       path: str | os.PathLike[str]) -> None:
    """One panel per measure: the solos' distribution against the reference's (histograms on
    shared bins), written atomically as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .io import atomic_output

    shown = [m for m in MEASURES if any(s.values.get(m) is not None for s in metrics)]
    cols = 4
    rows = max(1, math.ceil(len(shown) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, m in zip(axes.flat, shown, strict=False):
        gen = [s.values[m] for s in metrics if s.values.get(m) is not None]
        ref = [s.values[m] for s in reference or () if s.values.get(m) is not None]
        bins = np.histogram_bin_edges(np.array(gen + ref, dtype=float), bins=20)
        ax.hist(gen, bins=bins, density=True, alpha=0.6, label="solos")
        if ref:
            ax.hist(ref, bins=bins, density=True, alpha=0.6, label="reference")
        ax.set_title(LABELS[m])
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)


# ------------------------------------------------------------------------------ the run


def evaluate_paths(solos: Sequence[str | os.PathLike[str]],
                   reference: Sequence[str | os.PathLike[str]] | None = None,
                   train: Sequence[str | os.PathLike[str]] | None = None,
                   model: str | os.PathLike[str] | None = None, grid: str = "metrical",
                   read: ReadOptions | None = None,
                   ) -> tuple[dict[str, Any], list[SoloMetrics], list[SoloMetrics] | None]:
    """What ``jazzsolo evaluate`` does: read the sets (all with the ``read`` options), measure,
    summarise, compare, score the reference (else the solos) under the model. Returns (report,
    per-solo metrics of the solos, of the reference)."""
    from .evaluate import CopyIndex, compare, evaluate_solos, summarize

    read = read or ReadOptions()
    nll_model = load_nll_model(model) if model is not None else None  # fail before reading
    gen, gen_skipped = read.load(solos)
    index = None
    if train:
        train_solos, _ = read.load(train)
        index = CopyIndex(train_solos)
    report: dict[str, Any] = {"grid": grid}
    metrics = evaluate_solos(gen, grid, index)
    report["solos"] = {"n": len(metrics), "skipped": gen_skipped,
                       "summary": summarize(metrics)}
    ref_metrics = None
    ref: list[Solo] = []
    if reference:
        ref, ref_skipped = read.load(reference)
        ref_metrics = evaluate_solos(ref, grid, index)
        report["reference"] = {"n": len(ref_metrics), "skipped": ref_skipped,
                               "summary": summarize(ref_metrics)}
        report["compare"] = compare(metrics, ref_metrics)
    if nll_model is not None:
        scored = ref or gen
        report["nll"] = dict(nll_model.nll_bits([s.sheet for s in scored]))
        coverage = getattr(nll_model, "coverage", None)
        if coverage is not None:
            report["nll"]["coverage"] = coverage
        report["nll_of"] = "reference" if ref else "solos"
    return report, metrics, ref_metrics
