"""Chord symbols as jazz musicians write them, and what to play over them.

Parses lead-sheet and Weimar Jazz Database chord symbols into pitch classes, a quality and a
chord-scale; names chords heard in MIDI accompaniment; reads progression text (``Dm7 G7 | Cmaj7``)
into timed chords. Pure functions, no I/O. (Voicing and the walking bass live in
``jazzsolo.band``; their old names here still work.) Times are in
quarter notes. The accepted grammar and the choices made are described in ``docs/chords.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from jazzsolo.errors import JazzsoloError

QUALITIES: tuple[str, ...] = (
    "major",
    "minor",
    "dominant",
    "half-diminished",
    "diminished",
    "augmented",
    "suspended",
    "minor-major",
    "power",
    "none",
)

_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# How a pitch class is spelled when nothing tells us better (jazz lead-sheet habit).
PC_NAMES: tuple[str, ...] = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

# Chord-scales, as intervals above the root.
SCALES: dict[str, tuple[int, ...]] = {
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "lydian-dominant": (0, 2, 4, 6, 7, 9, 10),
    "mixolydian-b13": (0, 2, 4, 5, 7, 8, 10),
    "altered": (0, 1, 3, 4, 6, 8, 10),
    "phrygian-dominant": (0, 1, 4, 5, 7, 8, 10),
    "half-whole": (0, 1, 3, 4, 6, 7, 9, 10),
    "whole-tone": (0, 2, 4, 6, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "melodic-minor": (0, 2, 3, 5, 7, 9, 11),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "locrian-natural-9": (0, 2, 3, 5, 6, 8, 10),
    "whole-half": (0, 2, 3, 5, 6, 8, 9, 11),
    "lydian-augmented": (0, 2, 4, 6, 8, 9, 11),
}

_ALT_SET = frozenset({0, 1, 3, 4, 6, 8, 10})


@dataclass(frozen=True)
class ChordSymbol:
    """One chord symbol: what was written, its root, quality, pitch classes and chord-scale.

    ``pitch_classes`` starts with the root, then the other tones in the order they stack above
    it (third, fifth, sixth/seventh, then 9, 11, 13 and their alterations). A slash bass that is
    not a chord tone is *not* in ``pitch_classes``; ``sounding`` adds it. ``scale`` starts at the
    root and ascends; it is empty for NC.
    """

    text: str
    root: int
    quality: str
    pitch_classes: tuple[int, ...]
    bass: int
    scale: tuple[int, ...]
    root_name: str = ""
    bass_name: str = ""

    @property
    def name(self) -> str:
        """A canonical spelling (``Cm7b5``, ``F7#9``, ``Ebmaj7/G``) that parses back to this."""
        if self.quality == "none":
            return "NC"
        rel = frozenset((p - self.root) % 12 for p in self.pitch_classes)
        suffix = _suffix(self.quality, rel)
        root = self.root_name or PC_NAMES[self.root]
        if self.bass == self.root:
            return root + suffix
        return f"{root}{suffix}/{self.bass_name or PC_NAMES[self.bass]}"

    @property
    def is_slash(self) -> bool:
        """True when the bass is not the root (inversion or foreign bass)."""
        return self.quality != "none" and self.bass != self.root

    @property
    def sounding(self) -> tuple[int, ...]:
        """Pitch classes that sound: the chord's, plus a slash bass that is not a chord tone."""
        if self.quality == "none" or self.bass in self.pitch_classes:
            return self.pitch_classes
        return self.pitch_classes + (self.bass,)

    @property
    def intervals(self) -> frozenset[int]:
        """The chord's pitch classes relative to the root (0-11)."""
        return frozenset((p - self.root) % 12 for p in self.pitch_classes)


NO_CHORD = ChordSymbol("NC", 0, "none", (), 0, ())


class _ChordSyntaxError(Exception):
    """Internal: a chord symbol could not be read; ``detail`` says which part."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

_UNICODE = {
    "♯": "#",
    "♭": "b",
    "−": "-",  # minus sign
    "–": "-",  # en dash
    "∆": "Δ",  # increment sign, often typed for the triangle
    "°": "o",
    "º": "o",
    "Ø": "ø",
    "⁰": "o",
}

_NOTE_RE = re.compile(r"([A-G])([#b]{0,2})")
_NC_FORMS = {"NC", "N", "NOCHORD"}
_MAJOR_MARKERS = ("maj", "Maj", "MAJ", "ma", "Ma", "MA", "M", "Δ", "j", "^")
_IMPLIED_7_MARKERS = ("Δ", "j", "^")
_MINOR_WORDS = ("min", "Min", "MIN", "mi", "Mi", "MI", "-")
_HEAD_NUMBERS = ("69", "13", "11", "9", "7", "6", "5")
_TAIL_WORDS = (
    ("sus4", "sus4"),
    ("sus2", "sus2"),
    ("sus", "sus4"),
    ("alt", "alt"),
    ("add", "add"),
    ("no3", "no3"),
    ("no5", "no5"),
    ("omit3", "no3"),
    ("omit5", "no5"),
    ("maj7", "maj7"),
    ("Maj7", "maj7"),
    ("M7", "maj7"),
    ("j7", "maj7"),
    ("Δ7", "maj7"),
    ("Δ", "maj7"),
)
_PREFIX_TENSION = re.compile(r"([b#+\-]?)(13|11|9|7|6|5|4|2)")
_POSTFIX_TENSION = re.compile(r"(13|11|9|7|6|5|4|2)([b#]?)")
_GROUP_SPLIT = re.compile(r"[\s,()]+")
_VALID_TENSIONS = {
    ("", 7), ("b", 5), ("#", 5), ("b", 9), ("", 9), ("#", 9), ("", 2), ("", 11), ("#", 11),
    ("", 4), ("b", 13), ("", 13), ("", 6), ("b", 6),
}  # fmt: skip


@dataclass
class _Spec:
    """Mutable description of a chord while it is being read."""

    third: int | None = 4
    fifths: frozenset[int] = frozenset({7})
    seventh: int | None = None
    sixth: bool = False
    ext: int | None = None
    tensions: frozenset[int] = frozenset()
    altered: frozenset[int] = frozenset()  # degrees 9, 11, 13 written with an accidental
    dim: bool = False
    alt: bool = False
    no3: bool = False
    no5: bool = False
    power: bool = False


def _normalize(text: str) -> str:
    out = text.strip()
    for a, b in _UNICODE.items():
        out = out.replace(a, b)
    return out


def _read_note(s: str) -> tuple[int, str] | None:
    m = _NOTE_RE.fullmatch(s)
    if not m:
        return None
    pc = _LETTER_PC[m.group(1)] + sum(1 if c == "#" else -1 for c in m.group(2))
    return pc % 12, m.group(1) + m.group(2)


def _read_head(body: str, spec: _Spec) -> int:
    """Read the quality word and chord number at the start of ``body``; return the position."""
    pos = 0
    triad = None
    if body.startswith("ø"):
        triad, pos = "half", 1
    elif body.startswith("dim"):
        triad, pos = "dim", 3
    elif body.startswith("o") and not body.startswith("omit"):
        triad, pos = "dim", 1
    elif body.startswith("aug"):
        triad, pos = "aug", 3
    elif body.startswith("+"):
        triad, pos = "aug", 1
    else:
        for w in _MINOR_WORDS:
            if body.startswith(w):
                triad, pos = "minor", len(w)
                break
        else:
            if body.startswith("m") and not re.match(r"ma(j|\d|$)", body):
                triad, pos = "minor", 1
    if triad == "half":
        spec.third, spec.fifths, spec.seventh = 3, frozenset({6}), 10
    elif triad == "dim":
        spec.third, spec.fifths, spec.dim = 3, frozenset({6}), True
    elif triad == "aug":
        spec.fifths = frozenset({8})
    elif triad == "minor":
        spec.third = 3

    # Optional major-seventh marker, possibly in parentheses: m(maj7), -j7, +Δ, mM7.
    paren = False
    rest = body[pos:]
    if rest.startswith("(") and any(rest[1:].startswith(m) for m in _MAJOR_MARKERS):
        paren, pos, rest = True, pos + 1, rest[1:]
    marker = None
    for mk in _MAJOR_MARKERS:
        if rest.startswith(mk) and not (mk == "M" and rest.startswith(("Mi", "MI"))):
            marker, pos = mk, pos + len(mk)
            break
    if marker is None and paren:
        pos -= 1
        paren = False

    number = None
    for num in _HEAD_NUMBERS:
        if body.startswith(num, pos):
            number, pos = num, pos + len(num)
            break
    if paren:
        if not body.startswith(")", pos):
            raise _ChordSyntaxError("unclosed '('")
        pos += 1

    if marker is not None:
        if number is None and (marker in _IMPLIED_7_MARKERS or triad == "minor"):
            spec.seventh = 11
        elif number in ("7", "9", "11", "13"):
            spec.seventh = 11
        elif number is not None:
            raise _ChordSyntaxError(f"'{marker}{number}' is not a chord")
    if number is None:
        return pos
    if number == "5":
        if triad == "aug":
            return pos
        if triad is not None or marker is not None:
            raise _ChordSyntaxError("'5' after a quality")
        spec.power, spec.third = True, None
        return pos
    if number in ("6", "69"):
        if triad in ("half", "dim") or marker is not None:
            raise _ChordSyntaxError(f"'{number}' after this quality")
        spec.sixth = True
        if number == "69":
            spec.tensions = spec.tensions | {14}
        return pos
    if spec.seventh is None:
        spec.seventh = 9 if spec.dim else 10
    if number in ("9", "11", "13"):
        spec.ext = int(number)
    return pos


def _group_actions(group: str, postfix: bool) -> list[tuple[str, str, int]] | None:
    """Split one tension group into actions, or None if it does not read in this style."""
    actions: list[tuple[str, str, int]] = []
    pos = 0
    pattern = _POSTFIX_TENSION if postfix else _PREFIX_TENSION
    while pos < len(group):
        for word, kind in _TAIL_WORDS:
            if group.startswith(word, pos):
                actions.append(("word", kind, 0))
                pos += len(word)
                break
        else:
            m = pattern.match(group, pos)
            if m:
                acc, num = (m.group(2), m.group(1)) if postfix else (m.group(1), m.group(2))
                acc = {"+": "#", "-": "b"}.get(acc, acc)
                if (acc, int(num)) not in _VALID_TENSIONS:
                    return None
                actions.append(("tension", acc, int(num)))
                pos = m.end()
            elif not postfix and group[pos] == "+":
                actions.append(("tension", "#", 5))
                pos += 1
            else:
                return None
    return actions


def _apply_tension(spec: _Spec, acc: str, num: int, added: bool) -> None:
    if num == 7:
        if acc or added:
            raise _ChordSyntaxError(f"'{acc}7'")
        if spec.seventh is None:
            spec.seventh = 9 if spec.dim else 10
        return
    if num == 5:
        if acc == "b":
            spec.fifths = (spec.fifths - {7}) | {6}
        elif acc == "#":
            spec.fifths = (spec.fifths - {7}) | {8}
        else:
            raise _ChordSyntaxError("a plain '5' in the tensions")
        return
    if num == 6 and acc == "":
        spec.sixth = True
        return
    table = {
        ("b", 9): 13, ("", 9): 14, ("#", 9): 15, ("", 2): 14,
        ("", 11): 17, ("", 4): 17, ("#", 11): 18,
        ("b", 13): 20, ("b", 6): 20, ("", 13): 21,
    }  # fmt: skip
    interval = table.get((acc, num))
    if interval is None:
        raise _ChordSyntaxError(f"'{acc}{num}' is not a tension")
    spec.tensions = spec.tensions | {interval}
    if acc:
        degree = {13: 9, 15: 9, 18: 11, 20: 13}[interval]
        spec.altered = spec.altered | {degree}


def _read_tail(tail: str, spec: _Spec) -> None:
    """Read tensions, sus, add, alt, no3/no5 after the head, group by group."""
    for group in _GROUP_SPLIT.split(tail):
        if not group:
            continue
        actions = _group_actions(group, postfix=True)
        if actions is None:
            actions = _group_actions(group, postfix=False)
        if actions is None:
            raise _ChordSyntaxError(f"cannot read '{group}'")
        pending_add = False
        for kind, a, num in actions:
            if kind == "word":
                if pending_add:
                    raise _ChordSyntaxError("'add' without a tension")
                if a == "add":
                    pending_add = True
                elif a in ("sus4", "sus2"):
                    spec.third = 5 if a == "sus4" else 2
                elif a == "alt":
                    spec.alt = True
                    if spec.seventh is None:
                        spec.seventh = 10
                elif a == "no3":
                    spec.no3 = True
                elif a == "no5":
                    spec.no5 = True
                elif a == "maj7":
                    spec.seventh = 11
                continue
            _apply_tension(spec, a, num, pending_add)
            pending_add = False
        if pending_add:
            raise _ChordSyntaxError("'add' without a tension")


def _classify(third: int | None, fifths: frozenset[int], seventh: int | None, bare: bool) -> str:
    """The quality from the third, fifth(s) and seventh; ``bare`` = no sixth or tensions."""
    if third is None:
        if seventh == 10:
            return "dominant"
        return "power" if bare and seventh is None and fifths == {7} else "major"
    if third in (2, 5):
        return "suspended"
    if third == 3:
        if 6 in fifths and 7 not in fifths:
            return "half-diminished" if seventh == 10 else "diminished"
        return "minor-major" if seventh == 11 else "minor"
    if seventh == 10:
        return "dominant"
    if 8 in fifths and 7 not in fifths:
        return "augmented"
    return "major"


def _realize(spec: _Spec) -> tuple[str, tuple[int, ...]]:
    """Quality and stacked intervals (root first, tensions above the octave) of a spec."""
    tensions = set(spec.tensions)
    fifths = set(spec.fifths)
    third = spec.third
    seventh = spec.seventh
    if spec.alt:
        if third in (None, 3):
            third = 4
        seventh = 10
        fifths = set()
        tensions |= {13, 15, 18, 20}
    if spec.ext is not None:
        minor_like = third == 3
        implied = {9: {14}, 11: {14, 17}, 13: {14, 17, 21} if minor_like else {14, 21}}[spec.ext]
        drop = {14: 9, 17: 11, 21: 13}
        tensions |= {i for i in implied if drop[i] not in spec.altered}
    if spec.no3:
        third = None
    if spec.no5:
        fifths = set()
    bare = not spec.sixth and not tensions and not spec.alt
    quality = _classify(third, frozenset(fifths), seventh, bare)
    if spec.power and quality != "power":
        raise _ChordSyntaxError("a power chord takes no tensions")
    ivs = {0} | fifths | tensions
    if third is not None:
        ivs.add(third)
    if spec.sixth:
        ivs.add(9)
    if seventh is not None:
        ivs.add(seventh)
    ordered: list[int] = []
    for iv in sorted(ivs):
        if iv % 12 not in ordered:
            ordered.append(iv % 12)
    if len(ordered) < 2:
        raise _ChordSyntaxError("no chord tones left")
    return quality, tuple(ordered)


def _patch_scale(base: tuple[int, ...], needed: Iterable[int], chord: frozenset[int]) -> tuple:
    """Make a scale hold every needed pitch class by moving a neighbouring non-chord note."""
    scale = set(base)
    for p in needed:
        if p in scale:
            continue
        # Read the missing note as an alteration of the note above it, else of the one below.
        for q in ((p + 1) % 12, (p - 1) % 12):
            if q in scale and q != 0 and q not in chord and q not in needed:
                scale.discard(q)
                break
        scale.add(p)
    return tuple(sorted(scale))


def _scale_for(quality: str, rel: frozenset[int], extra: Iterable[int] = ()) -> tuple[int, ...]:
    """The chord-scale (intervals above the root) a jazz player would reach for first."""
    if quality == "none":
        return ()
    has = rel.__contains__
    if quality == "major":
        if has(8) and not has(7):
            name = "lydian-augmented"
        else:
            name = "lydian" if has(6) else "ionian"
    elif quality == "augmented":
        name = "lydian-augmented" if has(11) else "whole-tone"
    elif quality == "dominant":
        flat_or_sharp_9 = has(1) or has(3)
        if has(1) and has(8) and has(7) and not has(3) and not has(6):
            name = "phrygian-dominant"
        elif flat_or_sharp_9 and has(8):
            name = "altered"
        elif flat_or_sharp_9:
            name = "half-whole"
        elif (has(8) or has(6)) and not has(7):
            name = "whole-tone"
        elif has(8):
            name = "mixolydian-b13"
        elif has(6):
            name = "lydian-dominant"
        else:
            name = "mixolydian"
    elif quality == "suspended":
        if has(1):
            name = "phrygian"
        elif has(11):
            name = "ionian"
        else:
            name = "mixolydian"
    elif quality == "minor":
        if has(1):
            name = "phrygian"
        elif has(8) and not has(9):
            name = "aeolian"
        else:
            name = "dorian"
    elif quality == "minor-major":
        name = "melodic-minor"
    elif quality == "half-diminished":
        name = "locrian-natural-9" if has(2) else "locrian"
    elif quality == "diminished":
        name = "whole-half"
    else:  # power
        name = "mixolydian"
    needed = sorted(rel | set(extra))
    return _patch_scale(SCALES[name], needed, rel)


def _make_symbol(
    text: str, root: int, root_name: str, quality: str, rel: tuple[int, ...],
    bass: int, bass_name: str,
) -> ChordSymbol:  # fmt: skip
    pcs = tuple((root + i) % 12 for i in rel)
    rel_set = frozenset(rel)
    extra = () if bass in pcs else ((bass - root) % 12,)
    scale = tuple((root + i) % 12 for i in _scale_for(quality, rel_set, extra))
    return ChordSymbol(text, root, quality, pcs, bass, scale, root_name, bass_name)


@lru_cache(maxsize=4096)
def _parse(text: str) -> ChordSymbol:
    s = _normalize(text)
    if not s:
        raise _ChordSyntaxError("empty")
    if s.upper().replace(".", "").replace(" ", "") in _NC_FORMS:
        return ChordSymbol(text, 0, "none", (), 0, ())
    s = s.replace("6/9", "69")
    m = _NOTE_RE.match(s)
    if not m:
        raise _ChordSyntaxError("no root A-G")
    root = _read_note(m.group(0))
    assert root is not None
    root_pc, root_name = root
    body = s[m.end() :]
    bass_pc, bass_name = root_pc, ""
    if "/" in body:
        body, _, bass_text = body.rpartition("/")
        note = _read_note(bass_text.strip())
        if note is None:
            raise _ChordSyntaxError(f"bad bass '{bass_text}'")
        bass_pc, bass_name = note
    depth = 0
    for ch in body:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth not in (0, 1):
            raise _ChordSyntaxError("unbalanced parentheses")
    if depth:
        raise _ChordSyntaxError("unbalanced parentheses")
    spec = _Spec()
    pos = _read_head(body, spec)
    _read_tail(body[pos:], spec)
    quality, rel = _realize(spec)
    return _make_symbol(text, root_pc, root_name, quality, rel, bass_pc, bass_name)


@lru_cache(maxsize=8192)
def parse_chord(text: str) -> ChordSymbol:
    """Read one chord symbol (lead-sheet or WJazzD spelling); raise JazzsoloError if unknown."""
    try:
        return _parse(text)
    except _ChordSyntaxError as e:
        raise JazzsoloError(f"unknown chord symbol {text!r} ({e.detail})") from None


# --------------------------------------------------------------------------------------------
# Naming
# --------------------------------------------------------------------------------------------

_THIRD_OF = {
    "major": 4, "dominant": 4, "augmented": 4, "minor": 3, "minor-major": 3,
    "half-diminished": 3, "diminished": 3,
}  # fmt: skip
_TENSION_OF = {1: (9, "b"), 2: (9, ""), 3: (9, "#"), 5: (11, ""), 6: (11, "#"), 8: (13, "b"),
               9: (13, "")}  # fmt: skip


def _fallback_suffix(quality: str, rel: frozenset[int]) -> str:
    """Spell anything as its quality's triad plus a parenthesized list of what it holds."""
    names = {1: "b9", 2: "9", 3: "#9", 4: "add3", 5: "11", 6: "#11", 7: "5", 8: "b13", 9: "13",
             10: "7", 11: "maj7"}  # fmt: skip
    return "(" + ",".join(names[i] for i in sorted(rel - {0})) + ")"


@lru_cache(maxsize=4096)
def _suffix(quality: str, rel: frozenset[int]) -> str:
    """The canonical suffix for a quality and a set of intervals above the root."""
    if quality == "power":
        return "5"
    rest = set(rel) - {0}
    if quality == "suspended":
        third: int | None = 5 if 5 in rest else 2
    else:
        third = _THIRD_OF.get(quality)
    no3 = False
    if third is not None:
        if third in rest:
            rest.discard(third)
        else:
            no3 = True
    fifth_alts: list[str] = []
    no5 = False
    if quality in ("half-diminished", "diminished"):
        rest.discard(6)
    elif quality == "augmented":
        rest.discard(8)
    elif 7 in rest:
        rest.discard(7)
    else:
        # An altered fifth is written only where the parser would keep the quality: a minor
        # chord with b5 reads diminished and a major one with #5 augmented, so there the note
        # stays a tension (#11, b13) and the fifth is marked missing.
        if 6 in rest and quality not in ("minor", "minor-major"):
            rest.discard(6)
            fifth_alts.append("b5")
        if 8 in rest and quality != "major":
            rest.discard(8)
            fifth_alts.append("#5")
        no5 = not fifth_alts
    seventh = None
    if quality in ("dominant", "half-diminished"):
        seventh = 10
    elif quality in ("major", "minor-major", "augmented"):
        seventh = 11 if 11 in rest else None
    elif quality == "minor":
        seventh = 10 if 10 in rest else None
    elif quality == "diminished":
        seventh = 11 if 11 in rest else (9 if 9 in rest else None)
    elif quality == "suspended":
        seventh = 10 if 10 in rest else (11 if 11 in rest else None)
    if seventh is not None:
        rest.discard(seventh)
    sixth = seventh is None and quality != "diminished" and 9 in rest
    if sixth:
        rest.discard(9)
    if quality == "dominant" and rel == _ALT_SET:
        return "7alt"
    if any(i not in _TENSION_OF for i in rest):
        return _fallback_suffix(quality, rel)
    tens: dict[int, set[str]] = {9: set(), 11: set(), 13: set()}
    for i in rest:
        degree, acc = _TENSION_OF[i]
        tens[degree].add(acc)

    # The extension number: the highest natural tension whose lower tensions are all present.
    ext = 7
    if seventh is not None and quality != "diminished":
        minor_like = third == 3
        for n in (13, 11, 9):
            if n == 11 and third == 5:
                continue
            if "" not in tens[n]:
                continue
            lower = {13: (9, 11) if minor_like else (9,), 11: (9,), 9: ()}[n]
            if all(tens[d] for d in lower):
                ext = n
                break
    implied = {7: (), 9: (9,), 11: (9, 11), 13: (9, 11, 13) if third == 3 else (9, 13)}[ext]
    naturals = []
    for d in (9, 11, 13):
        if "" in tens[d] and not (d in implied and tens[d] == {""}):
            naturals.append(str(d))
    alters = list(fifth_alts)
    for d in (9, 11, 13):
        for acc in ("b", "#"):
            if acc in tens[d]:
                alters.append(f"{acc}{d}")
    n = str(ext)

    if quality in ("major", "minor"):
        m = "m" if quality == "minor" else ""  # the two name alike but for the minor 'm'
        if seventh:
            base = ("m" if m else "maj") + n
        elif sixth and "9" in naturals:
            base, naturals = m + "69", [x for x in naturals if x != "9"]
        elif sixth:
            base = m + "6"
        elif naturals == ["9"] and not alters:
            base, naturals = m + "add9", []
        else:
            base = m
    elif quality == "dominant":
        base = n
    elif quality == "minor-major":
        base = f"m(maj{n})"
    elif quality == "half-diminished":
        base = f"m{n}b5"
    elif quality == "diminished":
        base = {11: "o(maj7)", 9: "o7", None: "o"}[seventh]
    elif quality == "augmented":
        if seventh:
            base = "+maj" + n
        elif sixth and "9" in naturals:
            base, naturals = "+69", [x for x in naturals if x != "9"]
        else:
            base = "+6" if sixth else "+"
    else:  # suspended
        sus = "sus4" if third == 5 else "sus2"
        if seventh == 10:
            base = n + sus
        elif seventh == 11:
            base = f"maj{n}{sus}"
        elif sixth:
            base = "6" + sus
        else:
            base = sus
    extras = naturals + (["no3"] if no3 else []) + (["no5"] if no5 else [])
    out = base
    if alters:
        out += "".join(alters) if base else "(" + ",".join(alters) + ")"
    if extras:
        out += "(" + ",".join(extras) + ")"
    return out


# --------------------------------------------------------------------------------------------
# Naming chords from pitches
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Progressions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressionChord:
    """One chord of a progression: its bar (0-based), start and duration in quarter notes."""

    bar: int
    start: float
    duration: float
    symbol: ChordSymbol

    @property
    def end(self) -> float:
        """When the chord stops sounding, in quarter notes."""
        return self.start + self.duration


_HOLD = "hold"
_REPEAT_BAR = "%"
_TOKEN_RE = re.compile(r"\|{1,2}:|:\|{1,2}|\|{1,2}|\n|\[|\]|[^\s|\[\]:]+|:")
_TIMES_RE = re.compile(r"[xX×\*](\d+)")


@dataclass
class _Bar:
    number: int  # 1-based, as written
    slots: list  # ChordSymbol | _HOLD | _REPEAT_BAR


@dataclass
class _Group:
    items: list
    times: int


@dataclass
class _Frame:
    kind: str
    items: list
    opened_at: int
    line_start: int = 0


def _split_bar(n: int, beats: int) -> list[float]:
    """Slot lengths for n chords in a bar: whole beats, the spare beats going to the first."""
    if n <= beats:
        base, spare = divmod(beats, n)
        return [float(base + 1)] * spare + [float(base)] * (n - spare)
    return [beats / n] * n


def _parse_structure(text: str) -> list:
    """Read bar lines, brackets and repeats into a tree of _Bar and _Group."""
    text = re.sub(r"\(([^)]*)\)", lambda m: "(" + re.sub(r"\s+", "", m.group(1)) + ")", text)
    tokens = _TOKEN_RE.findall(text)
    stack = [_Frame("root", [], 0)]
    cur: list = []
    cur_no = 0
    next_no = 1
    repeat_from = 0

    def close_bar() -> None:
        nonlocal cur
        if cur:
            stack[-1].items.append(_Bar(cur_no, cur))
            cur = []

    def times_after(i: int) -> tuple[int, int]:
        if i + 1 < len(tokens):
            m = _TIMES_RE.fullmatch(tokens[i + 1])
            if m:
                n = int(m.group(1))
                if n < 1:
                    raise JazzsoloError(f"repeat count {tokens[i + 1]!r} must be at least 1")
                return n, i + 1
        return 0, i

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("|") and tok.endswith(":"):
            close_bar()
            stack.append(_Frame("repeat", [], next_no))
        elif tok.startswith(":"):
            if tok == ":":
                raise JazzsoloError(f"stray ':' near bar {next_no}")
            close_bar()
            n, i = times_after(i)
            if stack[-1].kind == "repeat":
                frame = stack.pop()
                items = frame.items
            elif stack[-1].kind == "root":
                frame = stack[-1]
                items = frame.items[repeat_from:]
                del frame.items[repeat_from:]
            else:
                raise JazzsoloError(f"':|' closes a '[' opened before bar {stack[-1].opened_at}")
            if not items:
                raise JazzsoloError(f"':|' before bar {next_no} has nothing to repeat")
            stack[-1].items.append(_Group(items, n or 2))
            stack[-1].line_start = len(stack[-1].items)
            if len(stack) == 1:
                repeat_from = len(stack[0].items)
        elif tok in ("|", "||"):
            close_bar()
        elif tok == "\n":
            close_bar()
            stack[-1].line_start = len(stack[-1].items)
        elif tok == "[":
            close_bar()
            stack.append(_Frame("bracket", [], next_no))
        elif tok == "]":
            close_bar()
            if stack[-1].kind != "bracket":
                raise JazzsoloError(f"']' near bar {next_no} has no matching '['")
            frame = stack.pop()
            n, i = times_after(i)
            stack[-1].items.append(_Group(frame.items, n or 1))
            stack[-1].line_start = len(stack[-1].items)
        elif _TIMES_RE.fullmatch(tok):
            close_bar()
            frame = stack[-1]
            items = frame.items[frame.line_start :]
            if not items:
                raise JazzsoloError(f"{tok!r} near bar {next_no} has nothing before it to repeat")
            n = int(tok[1:])
            if n < 1:
                raise JazzsoloError(f"repeat count {tok!r} must be at least 1")
            del frame.items[frame.line_start :]
            frame.items.append(_Group(items, n))
            frame.line_start = len(frame.items)
        else:
            if not cur:
                cur_no = next_no
                next_no += 1
            if tok in ("/", "-"):
                cur.append(_HOLD)
            elif tok == "%":
                cur.append(_REPEAT_BAR)
            else:
                try:
                    cur.append(_parse(tok))
                except _ChordSyntaxError as e:
                    raise JazzsoloError(
                        f"unknown chord symbol {tok!r} in bar {cur_no} ({e.detail})"
                    ) from None
        i += 1
    close_bar()
    if len(stack) > 1:
        opener = "|:" if stack[-1].kind == "repeat" else "["
        raise JazzsoloError(f"'{opener}' opened before bar {stack[-1].opened_at} is never closed")
    return stack[0].items


def _expand(items: list, out: list[_Bar], max_bars: int | None) -> None:
    for item in items:
        if isinstance(item, _Bar):
            if max_bars is not None and len(out) >= max_bars:
                raise JazzsoloError(f"the progression plays more than {max_bars} bars")
            out.append(item)
        else:
            for _ in range(item.times):
                _expand(item.items, out, max_bars)


def parse_progression(
    text: str, beats_per_bar: int = 4, max_bars: int | None = None
) -> list[ProgressionChord]:
    """Read progression text (``Dm7 G7 | Cmaj7 | %``) into timed chords; see docs/chords.md.

    Errors name the symbol and its 1-based bar number as written. ``max_bars`` stops repeats
    (``[ ... ] x99999``) early, so a server can bound the work a short text asks for.
    """
    if beats_per_bar < 1:
        raise JazzsoloError(f"beats_per_bar must be at least 1, not {beats_per_bar}")
    bars: list[_Bar] = []
    _expand(_parse_structure(text), bars, max_bars)
    if not bars:
        raise JazzsoloError("progression text has no chords")
    played: list[list] = []
    for bar in bars:
        if _REPEAT_BAR in bar.slots:
            if len(bar.slots) != 1:
                raise JazzsoloError(f"'%' must stand alone in its bar (bar {bar.number})")
            if not played:
                raise JazzsoloError(f"'%' in bar {bar.number} has no previous bar to repeat")
            played.append(list(played[-1]))
        else:
            played.append(list(bar.slots))
    events: list[list] = []  # [bar, start, duration, symbol]
    for b, slots in enumerate(played):
        offset = 0.0
        for slot, length in zip(slots, _split_bar(len(slots), beats_per_bar), strict=True):
            start = b * beats_per_bar + offset
            if slot == _HOLD:
                if not events:
                    raise JazzsoloError(f"hold ('-' or '/') in bar {bars[b].number} has no chord")
                events[-1][2] += length
            else:
                events.append([b, start, length, slot])
            offset += length
    return [ProgressionChord(b, float(s), float(d), sym) for b, s, d, sym in events]


def __getattr__(name: str) -> object:
    """The old homes of ``voice_chord`` and ``walking_bass`` (now in ``jazzsolo.band``)."""
    if name == "voice_chord":
        from .band.voicing import voice_chord

        return voice_chord
    if name == "walking_bass":
        from .band.bass import walking_bass

        return walking_bass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
