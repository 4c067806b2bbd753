"""Naming chords from the notes that sound: the symbol a musician would write for a voicing.

Tries every root and a table of chord templates with a simplicity cost; prefers root position,
accepts an omitted fifth, rootless voicings and a foreign slash bass at a cost, and falls back
to the closest known chord.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from .symbols import PC_NAMES, ChordSymbol, parse_chord

# Suffixes tried when naming sounding pitches, with a simplicity cost (lower = preferred).
_TEMPLATES: tuple[tuple[str, float], ...] = (
    ("", 0.0), ("m", 0.0), ("o", 0.5), ("+", 0.5), ("sus4", 0.8), ("5", 0.5),
    ("7", 1.0), ("maj7", 1.0), ("m7", 1.0), ("m7b5", 1.0), ("o7", 1.0), ("6", 1.5),
    ("m6", 1.5), ("sus2", 1.2), ("m(maj7)", 1.5), ("7sus4", 1.5), ("add9", 1.5),
    ("madd9", 1.5), ("9", 2.0), ("maj9", 2.0), ("m9", 2.0), ("69", 2.0), ("m69", 2.0),
    ("7b9", 2.0), ("7#9", 2.0), ("7#11", 2.2), ("7b5", 2.2), ("7#5", 2.0), ("7b13", 2.2),
    ("maj7#11", 2.2), ("9sus4", 2.0), ("+maj7", 2.2), ("maj7b5", 3.5), ("m7b9", 2.5),
    ("11", 3.0), ("m11", 3.0), ("13", 3.0), ("maj13", 3.0), ("m13", 3.0), ("9#11", 3.2),
    ("13#11", 3.2), ("13b9", 3.3), ("9b13", 3.3), ("7b9b13", 3.3), ("7#9b13", 3.3),
    ("7b9#11", 3.3), ("7#9#11", 3.3), ("7b9#9", 3.3), ("m9b5", 3.0), ("7sus4b9", 3.3),
    ("13sus4", 3.0), ("m(maj9)", 3.0), ("maj9#11", 3.2), ("7#5#9", 3.3), ("7#5b9", 3.3),
    ("7alt", 4.0), ("o(maj7)", 4.0),
)  # fmt: skip


@lru_cache(maxsize=1)
def _template_table() -> tuple[tuple[str, float, frozenset[int]], ...]:
    seen: dict[frozenset[int], tuple[str, float]] = {}
    for suffix, cost in _TEMPLATES:
        rel = parse_chord("C" + suffix).intervals
        if rel not in seen or seen[rel][1] > cost:
            seen[rel] = (suffix, cost)
    return tuple((s, c, rel) for rel, (s, c) in seen.items())


def _inversion_cost(bass_rel: int, template: frozenset[int]) -> float:
    """Cost of a bass that is not the root: third or fifth 3, other chord tones 4, else 5."""
    if bass_rel == 0:
        return 0.0
    if bass_rel not in template:
        return 5.0
    return 3.0 if bass_rel in (3, 4, 7) else 4.0


def chord_from_pitches(pitches: Iterable[int]) -> ChordSymbol | None:
    """Name the chord that sounding MIDI pitches make (lowest note = bass), or None if < 2 pcs.

    Prefers simple, root-position readings; accepts an omitted fifth, rootless voicings and a
    foreign slash bass at a cost; falls back to the closest known chord.
    """
    ps = sorted({int(p) for p in pitches})
    pcs = frozenset(p % 12 for p in ps)
    if len(pcs) < 2:
        return None
    return parse_chord(_name_pitch_classes(pcs, ps[0] % 12))


@lru_cache(maxsize=4096)
def _name_pitch_classes(pcs: frozenset[int], bass: int) -> str:
    """The chord text for a set of pitch classes over a bass (see chord_from_pitches)."""
    best: tuple[float, int, str, bool] | None = None  # cost, root, suffix, slash
    table = _template_table()
    for root in range(12):
        rel = frozenset((p - root) % 12 for p in pcs)
        bass_rel = (bass - root) % 12
        for suffix, cost, tmpl in table:
            found = _match_cost(rel, bass_rel, tmpl, suffix)
            if found is None:
                continue
            c, slash = found
            cand = (cost + c, (root - bass) % 12, suffix, slash)
            if best is None or cand[:2] < best[:2]:
                best = cand
    if best is None:
        best = _nearest(pcs, bass, table)
    total, root_off, suffix, slash = best
    root = (bass + root_off) % 12
    text = PC_NAMES[root] + suffix
    if slash:
        text += "/" + PC_NAMES[bass]
    return text


def _match_cost(
    rel: frozenset[int], bass_rel: int, tmpl: frozenset[int], suffix: str
) -> tuple[float, bool] | None:
    """Extra cost of reading ``rel`` as template ``tmpl`` (and whether to write a slash)."""
    n = len(rel)
    no5_ok = 7 in tmpl and (len(tmpl) >= 4 or (n == 2 and suffix in ("", "m")))
    if 0 in rel:
        if rel == tmpl or (no5_ok and rel == tmpl - {7}):
            extra = 0.0 if rel == tmpl else 0.5
            inv = _inversion_cost(bass_rel, tmpl)
            return extra + inv, bass_rel != 0
        if bass_rel not in tmpl and n >= 4:
            upper = rel - {bass_rel}
            if upper == tmpl or (no5_ok and upper == tmpl - {7}):
                return (0.0 if upper == tmpl else 0.5) + 6.0, True
        return None
    if n >= 3 and len(tmpl) >= 4:
        # Rootless voicings usually leave out the fifth too; that reading costs least.
        drops = (({0, 7}, 0.0), ({0}, 0.5)) if 7 in tmpl else (({0}, 0.5),)
        for drop, extra in drops:
            if rel == tmpl - drop:
                shell = {4, 10} <= tmpl or {3, 10} <= tmpl
                return extra + (3.0 if shell else 7.0), False
    return None


def _nearest(
    pcs: set[int], bass: int, table: Sequence[tuple[str, float, frozenset[int]]]
) -> tuple[float, int, str, bool]:
    """The known chord closest to a set nothing matched exactly (for clusters and odd dyads)."""
    best: tuple[float, int, str, bool] | None = None
    for root in range(12):
        rel = frozenset((p - root) % 12 for p in pcs)
        for suffix, cost, tmpl in table:
            if 0 not in rel:
                continue
            extra = len(rel - tmpl)
            missing = len(tmpl - rel)
            c = 10 + cost + 6 * extra + 2 * missing + _inversion_cost((bass - root) % 12, tmpl)
            cand = (c, (root - bass) % 12, suffix, (bass - root) % 12 != 0)
            if best is None or cand[:2] < best[:2]:
                best = cand
    assert best is not None
    return best
