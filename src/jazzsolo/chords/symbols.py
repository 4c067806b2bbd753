"""Chord symbols as jazz musicians write them: reading and spelling them.

Parses lead-sheet and Weimar Jazz Database chord symbols into pitch classes, a quality and a
chord-scale (``parse_chord``), and spells a symbol canonically (``ChordSymbol.name``). Pure
functions, no I/O. The accepted grammar and the choices made: ``docs/chords.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..errors import JazzsoloError
from ..theory import PC_NAMES  # how a pitch class is spelled when nothing says better

MAX_SYMBOL_LENGTH = 40  # the longest real symbol (e.g. "Ebmaj7#11b9b13/Bb") is well below

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


def chord_or_none(text: str) -> ChordSymbol | None:
    """The chord symbol ``text`` spells, or None when it is not one (lyrics, cue words)."""
    try:
        return parse_chord(text)
    except JazzsoloError:
        return None


def is_chord_text(text: str) -> bool:
    """Whether ``text`` is a chord symbol (the one test: ``parse_chord`` reads it); a megabyte
    marker is none, whatever it starts with."""
    text = text.strip()
    return len(text) <= MAX_SYMBOL_LENGTH and chord_or_none(text) is not None


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
