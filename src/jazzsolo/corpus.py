"""From files to a training corpus: extraction, grammar, vocabulary and a summary.

The classic mode (a quarter-note window with explicit parts) reproduces the classic pipeline
value for value; see docs/classic.md.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .data import build_corpus, build_vocabulary, one_hot_windows, value_counts
from .errors import JazzsoloError
from .grammar import classic_grammar
from .io import check_part, list_parts, read_midi
from .score import Chord, LeadSheet, Note

CLASSIC_MELODY_PART = 5
CLASSIC_CHORD_PARTS = (0, 1, 6, 7)
CLASSIC_WINDOW = (476.0, 548.0)


@dataclass
class Corpus:
    """Grammar values of one or more pieces, with what the model and the decoder need."""

    measures: list[list[str]]
    n_chords: int
    chords: list[list[Chord]] = field(default_factory=list)  # chord groups, one per measure
    sources: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    tempo: float = 120.0
    mode: str = "classic"

    def bars_for_model(self) -> list[list[Chord]]:
        """The chord bars to store with a model (starts inside each bar), for generation."""
        return [
            [Chord(c.start - 4 * int(c.start / 4), c.duration, c.pitches, c.symbol) for c in g]
            for g in self.chords
        ]

    @property
    def values(self) -> list[str]:
        return build_corpus(self.measures)

    @property
    def vocabulary(self) -> list[str]:
        return build_vocabulary(self.values)

    def summary(self, m: int | None = 60, tx: int = 30, seed: int = 0) -> dict[str, Any]:
        """The classic summary (and more) as a JSON-ready dict."""
        values = self.values
        vocab = build_vocabulary(values)
        x, y = one_hot_windows(values, vocab, m=m, tx=tx, seed=seed)
        return {
            "mode": self.mode,
            "n_files": len(self.sources),
            "files": self.sources,
            "skipped": self.skipped,
            "n_values": len(vocab),
            "corpus_length": len(values),
            "n_measures": len(self.measures),
            "n_chords": self.n_chords,
            "n_examples": int(x.shape[0]),
            "tx": tx,
            "x_shape": list(x.shape),
            "y_shape": list(y.shape),
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
    parts = list_parts(score)
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
        chords=grammar.chord_groups[: len(grammar.measures)],
        sources=[str(path)],
        tempo=sheet.tempo,
        mode="classic",
    )
