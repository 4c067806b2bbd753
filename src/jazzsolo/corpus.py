"""From files to a training corpus: extraction, grammar, vocabulary and a summary.

The classic mode (a quarter-note window with explicit parts) reproduces the classic pipeline
value for value; see docs/classic.md.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data import build_vocabulary, id_window_count, id_windows, one_hot_windows, value_counts
from .data import flatten_measures as flatten
from .errors import JazzsoloError
from .grammar import classic_grammar
from .io import read_midi
from .parts import check_part, list_parts
from .score import Chord, LeadSheet, Note, chord_from_dict, chord_to_dict

CLASSIC_MELODY_PART = 5
CLASSIC_CHORD_PARTS = (0, 1, 6, 7)
CLASSIC_WINDOW = (476.0, 548.0)
GENERAL_WINDOWS = 10_000


@dataclass
class Corpus:
    """Grammar values of one or more pieces, with what the model and the decoder need."""

    measures: list[list[str]]
    n_chords: int
    # The chords of each measure, starts inside the measure (what a model stores to play over).
    chord_bars: list[list[Chord]] = field(default_factory=list)
    pieces: list[list[str]] = field(default_factory=list)  # values of each piece, in order
    piece_bars: list[int] = field(default_factory=list)  # measures of each piece, in order
    beats_per_bar: int = 4  # meter of the first piece (of the changes a model keeps)
    beat_unit: int = 4
    bar_length: float = 4.0  # quarters per bar of the first piece (6/8 -> 3.0)
    sources: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    tempo: float = 120.0
    mode: str = "classic"

    def changes_for_model(self, max_bars: int = 64) -> list[list[Chord]]:
        """The chords a model keeps to play over by default: those of its first piece (at most
        ``max_bars`` bars), so a model trained on a folder stays small."""
        first = self.piece_bars[0] if self.piece_bars else len(self.chord_bars)
        return self.chord_bars[: min(first, max_bars)]

    @property
    def values(self) -> list[str]:
        return flatten(self.measures)

    @property
    def vocabulary(self) -> list[str]:
        return build_vocabulary(self.values)

    def id_windows(
        self, vocabulary: list[str], tx: int = 30, m: int | None = None, seed: int = 0
    ) -> tuple[Any, Any, Any]:
        """Training windows of value ids that stay inside pieces (``data.id_windows``)."""
        return id_windows(self.pieces, vocabulary, tx=tx, m=m, seed=seed)

    def default_windows(self) -> int | None:
        """Windows drawn by default: the classic 60; in the general mode every window of a
        small corpus, and a seeded draw of 10,000 from a large one (an epoch ~20 s)."""
        return 60 if self.mode == "classic" else GENERAL_WINDOWS

    def summary(self, m: int | None = None, tx: int = 30, seed: int = 0) -> dict[str, Any]:
        """The classic summary (and more) as a JSON-ready dict."""
        values = self.values
        vocab = build_vocabulary(values)
        m = self.default_windows() if m is None else m
        if self.mode == "classic":
            x, y = one_hot_windows(values, vocab, m=m, tx=tx, seed=seed)
            x_shape, y_shape = list(x.shape), list(y.shape)
        else:
            count = id_window_count(self.pieces, tx=tx, m=m)
            x_shape = [count, tx, len(vocab)]
            y_shape = [tx, count, len(vocab)]
        return {
            "mode": self.mode,
            "n_files": len(self.sources),
            "files": self.sources,
            "skipped": self.skipped,
            "n_values": len(vocab),
            "corpus_length": len(values),
            "n_measures": len(self.measures),
            "n_chords": self.n_chords,
            "n_examples": x_shape[0],
            "tx": tx,
            "x_shape": x_shape,
            "y_shape": y_shape,
            "values": vocab,
            "counts": value_counts(values),
            "grammar": [" ".join(m) for m in self.measures],
        }


def classic_lead_sheet(
    path: str | os.PathLike[str],
    melody_part: int = CLASSIC_MELODY_PART,
    chord_parts: Sequence[int] = CLASSIC_CHORD_PARTS,
    start: float = CLASSIC_WINDOW[0],
    end: float = CLASSIC_WINDOW[1],
) -> LeadSheet:
    """The classic extraction of a solo window (SPEC A1) as a lead sheet with explicit rests."""
    from .classic_import import classic_chords, classic_melody, classic_tempo

    if end < start:
        raise JazzsoloError(f"{path}: the window end {end} is before its start {start}")
    score = read_midi(path)
    parts = list_parts(score, roles=False)
    check_part(parts, melody_part, path, "melody")
    if not chord_parts:
        raise JazzsoloError(f"{path}: no chord part given")
    for p in chord_parts:
        check_part(parts, p, path, "harmony")
    source = str(path)
    melody = [
        Note(e.offset, e.duration, e.pitches[0] if e.pitches else None)
        for e in classic_melody(score, melody_part, start, end, source=source)
    ]
    if not any(n.pitch is not None for n in melody):
        raise JazzsoloError(
            f"{path}: part {melody_part} has no notes between quarters {start:g} and {end:g}"
        )
    chords = [
        Chord(e.offset, e.duration, e.pitches)
        for e in classic_chords(score, list(chord_parts), start, end, source=source)
    ]
    if not chords:
        raise JazzsoloError(
            f"{path}: part {chord_parts[0]} has no chords between quarters {start:g} and {end:g}"
        )
    return LeadSheet(melody, chords, tempo=classic_tempo(score), name=source)


def classic_corpus(
    path: str | os.PathLike[str],
    melody_part: int = CLASSIC_MELODY_PART,
    chord_parts: Sequence[int] = CLASSIC_CHORD_PARTS,
    start: float = CLASSIC_WINDOW[0],
    end: float = CLASSIC_WINDOW[1],
) -> Corpus:
    """Grammar of a classic solo window, value for value as the classic pipeline makes it."""
    sheet = classic_lead_sheet(path, melody_part, chord_parts, start, end)
    try:
        grammar = classic_grammar(sheet.melody, sheet.chords)
    except ValueError as exc:
        raise JazzsoloError(f"{path}: {exc}") from None
    return Corpus(
        measures=grammar.measures,
        n_chords=grammar.n_chords,
        chord_bars=[
            [Chord(c.start - 4 * int(c.start / 4), c.duration, c.pitches) for c in group]
            for group in grammar.chord_groups[: len(grammar.measures)]
        ],
        pieces=[flatten(grammar.measures)],
        piece_bars=[len(grammar.measures)],
        sources=[str(path)],
        tempo=sheet.tempo,
        beats_per_bar=4,
        beat_unit=4,
        bar_length=4.0,
        mode="classic",
    )


# ------------------------------------------------------------------ any files, many files

CACHE_VERSION = 2  # bump when the encoding changes, so old cache entries are not reused
MIDI_SUFFIXES = (".mid", ".midi")
_CACHE_KEYS = {"values", "chords", "bar_length", "beats_per_bar", "beat_unit", "tempo", "n_chords"}


@dataclass(frozen=True)
class CorpusOptions:
    """How files become values in the general (non-classic) mode."""

    melody_part: int | None = None
    harmony_parts: tuple[int, ...] | None = None
    bars: tuple[int, int] | None = None
    divisions: tuple[int, ...] = (4, 3)

    def key(self) -> str:
        return json.dumps([CACHE_VERSION, self.melody_part, self.harmony_parts, self.bars,
                           self.divisions])


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/jazzsolo``, else ``~/.cache/jazzsolo``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jazzsolo"


def collect_files(inputs: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Files named, and the MIDI files and WJazzD melody CSVs inside folders named (sorted)."""
    return list(iter_files(inputs))


def iter_files(inputs: Sequence[str | os.PathLike[str]]) -> Iterator[Path]:
    """``collect_files`` one file at a time (same order: each folder's entries sorted by name,
    depth first, as ``sorted(rglob)``), so a folder of 100,000 files is never one list."""
    from .wjazzd import is_wjazzd_csv

    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = 0
            for f in _walk_sorted(p):
                if f.is_file() and (f.suffix.lower() in MIDI_SUFFIXES or is_wjazzd_csv(f)):
                    found += 1
                    yield f
            if not found:
                raise JazzsoloError(f"{p}: no MIDI files or WJazzD melody CSVs in this folder")
        elif p.exists():
            yield p
        else:
            raise JazzsoloError(f"{p}: no such file or folder")


def _walk_sorted(folder: Path) -> Iterator[Path]:
    """Every entry under ``folder`` but the folders themselves, depth first, by name (the
    order of sorted paths); symlinked folders are listed, not entered, as ``rglob`` does."""
    try:
        names = sorted(os.listdir(folder))  # names only: ~70 bytes a file while listed
    except PermissionError:
        return
    for name in names:
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            yield from _walk_sorted(path)
        else:
            yield path


def read_piece(path: Path, options: CorpusOptions) -> LeadSheet:
    """A lead sheet from a MIDI file or a WJazzD melody CSV."""
    if path.suffix.lower() == ".csv":
        from .wjazzd import read_wjazzd

        return read_wjazzd(path)
    from .extract import read_lead_sheet

    return read_lead_sheet(path, melody_part=options.melody_part,
                           harmony_parts=options.harmony_parts, bars=options.bars)


def encode_piece(path: Path, options: CorpusOptions) -> dict[str, Any]:
    """Values per kept bar, the chords of those bars (starts inside the bar; a bar without
    any is given one no-chord ``NC``), meter and tempo."""
    from .grammar import encode_lead_sheet

    sheet = read_piece(path, options)
    bars, kept = encode_lead_sheet(sheet, options.divisions)
    if not bars:
        raise JazzsoloError(f"{path}: no melody notes to learn from")
    length = sheet.bar_length
    chords = sorted(sheet.chords, key=lambda c: c.start)
    starts = [c.start for c in chords]
    chord_bars = []
    n_chords = 0
    for b in kept:
        lo, hi = sheet.bar_start(b), sheet.bar_start(b) + length
        first, stop = bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi)
        bar = []
        held = bisect.bisect_right(starts, lo + 1e-9) - 1  # the chord sounding at the bar line
        if held >= 0 and chords[held].start < lo and chords[held].end > lo:
            bar.append(_chord_dict(chords[held], lo, lo, hi))
        bar.extend(_chord_dict(c, c.start, lo, hi) for c in chords[first:stop])
        n_chords += len(bar)
        if not bar:  # no chord sounds in this bar: say so, so a model can play over it
            bar.append(chord_to_dict(Chord(0.0, length, (), "NC")))
        chord_bars.append(bar)
    return {"values": bars, "chords": chord_bars, "bar_length": length,
            "beats_per_bar": sheet.beats_per_bar, "beat_unit": sheet.beat_unit,
            "tempo": sheet.tempo, "n_chords": n_chords}


def _chord_dict(c: Chord, start: float, lo: float, hi: float) -> dict[str, Any]:
    """The part of ``c`` from ``start`` inside the bar [lo, hi), relative to the bar."""
    return chord_to_dict(Chord(start - lo, min(c.end, hi) - start, c.pitches, c.symbol))


def content_key(path: Path, options: CorpusOptions) -> str:
    """Cache key of one file's encoding: a hash of its bytes (and a WJazzD beat track's) and
    the options; raises OSError when the file cannot be read."""
    import hashlib

    digest = hashlib.sha256(path.read_bytes())
    if path.suffix.lower() == ".csv":  # a WJazzD melody: its beat track is part of the input
        from .wjazzd import beats_path_for

        beats = beats_path_for(path)
        try:
            digest.update(b"\0beats\0" + beats.read_bytes())
        except OSError:
            digest.update(b"\0no beats\0")  # the reader reports the missing file
    digest.update(options.key().encode())
    return digest.hexdigest()


def _encode_cached(task: tuple[str, CorpusOptions, bool]) -> dict[str, Any]:
    """Worker: encode one file, through the cache; errors come back as {'error': text}."""
    path_text, options, use_cache = task
    path = Path(path_text)
    try:
        key = content_key(path, options)
    except OSError as exc:
        return {"error": f"{path}: cannot read ({exc.strerror})"}
    entry = cache_dir() / f"{key}.json"
    if use_cache and entry.exists():
        try:
            cached = json.loads(entry.read_text())
            if isinstance(cached, dict) and _CACHE_KEYS <= cached.keys():
                return cached
        except (OSError, ValueError):
            pass  # a damaged entry is rebuilt below
    try:
        result = encode_piece(path, options)
    except JazzsoloError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # a file that breaks a reader must not stop a folder run
        return {"error": f"{path}: cannot read ({type(exc).__name__}: {exc})"}
    if use_cache:
        _write_cache(entry, result)
    return result


def _write_cache(entry: Path, result: dict[str, Any]) -> None:
    from .io import atomic_output

    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(entry) as tmp:
            tmp.write_text(json.dumps(result))
    except (OSError, JazzsoloError):
        pass  # the cache is an optimisation: a read-only home must not fail the run


def parallel_map(fn: Any, tasks: Sequence[Any], jobs: int | None = None,
                 chunksize: int = 4) -> list[Any]:
    """``[fn(t) for t in tasks]``, in one process per core (at most ``jobs``) when there is
    more than one task; ``fn`` must be a module-level function."""
    workers = min(jobs or os.cpu_count() or 1, len(tasks))
    if workers <= 1:
        return [fn(t) for t in tasks]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, tasks, chunksize=chunksize))


def chunked_map(fn: Any, items: Iterable[Any], jobs: int | None = None, chunk: int = 256,
                chunksize: int = 4) -> Iterator[tuple[Any, Any]]:
    """(item, fn(item)) in order, in one pool of a process per core (at most ``jobs``) fed a
    chunk of items at a time while the previous chunk's results are handed out: at most two
    chunks of items and results are ever held, however many items come. ``fn`` must be a
    module-level function."""
    it = iter(items)
    part = list(itertools.islice(it, chunk))
    workers = min(jobs or os.cpu_count() or 1, len(part))
    if workers <= 1:
        for item in itertools.chain(part, it):
            yield item, fn(item)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        ready: tuple[list[Any], Iterator[Any]] | None = None
        while part:
            results = pool.map(fn, part, chunksize=chunksize)  # submitted now, read later
            if ready:
                yield from zip(*ready, strict=True)
            ready = (part, results)
            part = list(itertools.islice(it, chunk))
        if ready:
            yield from zip(*ready, strict=True)


def encode_files(
    files: Iterable[Path], options: CorpusOptions, use_cache: bool = True,
    jobs: int | None = None, chunk: int = 256,
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(file, encoding or {'error': text}) in file order, one process per core, a chunk of
    files at a time (``chunked_map``)."""
    tasks = ((str(f), options, use_cache) for f in files)
    for task, result in chunked_map(_encode_cached, tasks, jobs, chunk):
        yield Path(task[0]), result


def skip_failed(
    path: Path, result: dict[str, Any], skipped: Any, single: bool, warn: Any
) -> bool:
    """True when a file's encoding failed: an error for a single named file, else recorded in
    ``skipped`` (a list, or a store's line column: anything with ``append``) with a warning."""
    if "error" not in result:
        return False
    if single:
        raise JazzsoloError(result["error"])
    skipped.append({"file": str(path), "reason": result["error"]})
    if warn:
        warn(f"skipped {result['error']}")
    return True


def build_corpus(
    inputs: Sequence[str | os.PathLike[str]],
    options: CorpusOptions | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    warn: Any = None,
) -> Corpus:
    """The corpus of files and folders in the general mode, one process per core.

    A single named file that cannot be read is an error; in a folder it is skipped with a
    warning (``warn(text)``) and listed in ``Corpus.skipped``.
    """
    options = options or CorpusOptions()
    files = collect_files(inputs)
    single = len(inputs) == 1 and len(files) == 1 and not Path(inputs[0]).is_dir()
    corpus = Corpus(measures=[], n_chords=0, mode="general")
    tempos = []
    for f, r in encode_files(files, options, use_cache, jobs):
        if skip_failed(f, r, corpus.skipped, single, warn):
            continue
        corpus.sources.append(str(f))
        corpus.pieces.append([v for bar in r["values"] for v in bar])
        corpus.piece_bars.append(len(r["values"]))
        if len(corpus.sources) == 1:
            corpus.beats_per_bar = int(r["beats_per_bar"])
            corpus.beat_unit = int(r["beat_unit"])
            corpus.bar_length = float(r["bar_length"])
        corpus.measures.extend(r["values"])
        corpus.chord_bars.extend(
            [[chord_from_dict(c) for c in bar] for bar in r["chords"]]
        )
        corpus.n_chords += int(r["n_chords"])  # the no-chord fillers are not counted
        tempos.append(r["tempo"])
    if not corpus.sources:
        raise JazzsoloError(f"none of the {len(files)} files could be used")
    corpus.tempo = float(sorted(tempos)[len(tempos) // 2])
    return corpus
