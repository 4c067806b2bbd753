"""Progression text (``Dm7 G7 | Cmaj7``) read into timed chords, and the built-in progressions.

Bars are separated by ``|`` or new lines, chords in a bar share it, ``%`` repeats a bar, ``-``
holds a chord, and ``|: ... :|`` and ``[ ... ] x2`` repeat sections (``docs/chords.md``). Each
built-in is plain progression text, so what it plays is readable here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import JazzsoloError
from ..theory import FLAT_NAMES, SHARP_NAMES
from .symbols import MAX_SYMBOL_LENGTH, ChordSymbol, _ChordSyntaxError, _parse


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
MAX_NESTING = 16  # brackets and repeats inside one another
MAX_PROGRESSION_BARS = 10_000  # bars after expanding repeats (over 5 hours at 130 bpm)
MAX_CHORDS_PER_BAR = 64


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
        if i + 1 < len(tokens) and _TIMES_RE.fullmatch(tokens[i + 1]):
            return _repeat_count(tokens[i + 1]), i + 1
        return 0, i

    def push(kind: str) -> None:
        if len(stack) > MAX_NESTING:
            raise JazzsoloError(f"brackets and repeats nest more than {MAX_NESTING} deep "
                                f"near bar {next_no}")
        stack.append(_Frame(kind, [], next_no))

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("|") and tok.endswith(":"):
            close_bar()
            push("repeat")
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
            push("bracket")
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
            n = _repeat_count(tok)
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
            elif len(tok) > MAX_SYMBOL_LENGTH:
                raise JazzsoloError(f"chord symbol {tok[:20]!r}... in bar {cur_no} is longer "
                                    f"than {MAX_SYMBOL_LENGTH} characters")
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


def _repeat_count(tok: str) -> int:
    """The n of a repeat mark ``xN`` (at least 1; thousands of digits are not converted)."""
    digits = tok[1:].lstrip("0") or "0"
    n = int(digits) if len(digits) <= 12 else 10**12  # either way: far too many bars
    if n < 1:
        raise JazzsoloError(f"repeat count {tok[:12]!r} must be at least 1")
    return n


def _count_bars(items: list, limit: int = MAX_PROGRESSION_BARS) -> int:
    """Bars the tree expands to, counted without expanding it (stops once over ``limit``)."""
    total = 0
    for item in items:
        total += 1 if isinstance(item, _Bar) else item.times * _count_bars(item.items, limit)
        if total > limit:
            break
    return total


def _expand(items: list, out: list[_Bar], max_bars: int | None) -> None:
    for item in items:
        if isinstance(item, _Bar):
            if max_bars is not None and len(out) >= max_bars:
                raise JazzsoloError(f"the progression plays more than {max_bars} bars")
            out.append(item)
        else:
            for _ in range(item.times if _count_bars(item.items) else 0):  # skip empty [ ]
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
    tree = _parse_structure(text)
    limit = MAX_PROGRESSION_BARS if max_bars is None else min(max_bars, MAX_PROGRESSION_BARS)
    if _count_bars(tree, limit) > limit:  # counted before expanding: no hour of loops
        raise JazzsoloError(f"the progression plays more than {limit} bars")
    _expand(tree, bars, max_bars)
    if not bars:
        raise JazzsoloError("progression text has no chords")
    played: list[list] = []
    for bar in bars:
        if len(bar.slots) > MAX_CHORDS_PER_BAR:
            raise JazzsoloError(f"bar {bar.number} has {len(bar.slots)} chords, at most "
                                f"{MAX_CHORDS_PER_BAR} fit in a bar")
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


# --------------------------------------------------------------------------------------------
# Built-in progressions


@dataclass(frozen=True)
class Progression:
    """A named progression: its text, what it is, and its meter (quarter-note beats per bar)."""

    name: str
    description: str
    text: str
    beats_per_bar: int = 4

    def chords(self) -> list[ProgressionChord]:
        """The progression's timed chords (parsed from ``text``)."""
        return parse_progression(self.text, self.beats_per_bar)

    def bar_count(self) -> int:
        """Number of bars the progression lasts."""
        chords = self.chords()
        return int(round(chords[-1].end / self.beats_per_bar)) if chords else 0


# Keys round the cycle of fourths; sharp keys spelled with sharps, flat keys with flats.
KEYS: tuple[str, ...] = ("C", "F", "Bb", "Eb", "Ab", "Db", "Gb", "B", "E", "A", "D", "G")
def _note(key: str, interval: int) -> str:
    names = SHARP_NAMES if key in ("B", "E", "A", "D", "G") else FLAT_NAMES
    return names[(names.index(key) + interval) % 12]


def _ii_v_i(key: str) -> str:
    return f"{_note(key, 2)}m7 | {_note(key, 7)}7 | {key}maj7 | %"


def _ii_v_i_minor(key: str) -> str:
    return f"{_note(key, 2)}m7b5 | {_note(key, 7)}7b9 | {key}m6 | %"


_BLUES_F = "F7 | Bb7 | F7 | Cm7 F7 | Bb7 | Bo7 | F7 | Am7 D7 | Gm7 | C7 | F7 D7 | Gm7 C7"
_BLUES_BB = "Bb7 | Eb7 | Bb7 | Fm7 Bb7 | Eb7 | Eo7 | Bb7 | Dm7 G7 | Cm7 | F7 | Bb7 G7 | Cm7 F7"
_MINOR_BLUES = "Cm7 | Fm7 | Cm7 | % | Fm7 | % | Cm7 | % | Ab7 | G7alt | Cm7 | Dm7b5 G7alt"
_RHYTHM = """\
Bb6 G7 | Cm7 F7 | Dm7 G7 | Cm7 F7 | Fm7 Bb7 | Eb7 Eo7 | Dm7 G7 | Cm7 F7
Bb6 G7 | Cm7 F7 | Dm7 G7 | Cm7 F7 | Fm7 Bb7 | Eb7 Eo7 | Cm7 F7 | Bb6
D7 | % | G7 | % | C7 | % | F7 | %
Bb6 G7 | Cm7 F7 | Dm7 G7 | Cm7 F7 | Fm7 Bb7 | Eb7 Eo7 | Cm7 F7 | Bb6"""
# An original 32-bar AABA form written for jazzsolo (not any published tune's changes).
_ORIGINAL = """\
Ebmaj7 | Abmaj7#11 | Gm7 | C7b9 | Fm7 | Bb7sus4 Bb7 | Ebmaj7 C7 | Fm7 Bb7
Ebmaj7 | Abmaj7#11 | Gm7 | C7b9 | Fm7 | Bb7sus4 Bb7 | Ebmaj7 | %
Am7b5 | D7alt | Gm7 | Gm6 | Dbmaj7 | Gb7#11 | Fm7 | Bb7alt
Ebmaj7 | Abmaj7#11 | Gm7 | C7b9 | Fm7 | Bb7sus4 Bb7 | Ebmaj7 | %"""


def _build() -> dict[str, Progression]:
    table = [
        Progression("blues-f", "12-bar jazz blues in F", _BLUES_F),
        Progression("blues-bb", "12-bar jazz blues in Bb", _BLUES_BB),
        Progression("minor-blues", "12-bar minor blues in C minor", _MINOR_BLUES),
        Progression("rhythm-changes", "rhythm changes in Bb, 32 bars AABA", _RHYTHM),
        Progression(
            "ii-v-i-major",
            "major ii-V-I through all 12 keys round the cycle of fourths (4 bars each, 48 bars)",
            "\n".join(_ii_v_i(k) for k in KEYS),
        ),
        Progression(
            "ii-v-i-minor",
            "minor ii-V-i through all 12 keys round the cycle of fourths (4 bars each, 48 bars)",
            "\n".join(_ii_v_i_minor(k) for k in KEYS),
        ),
        Progression(
            "modal-dm7", "16-bar Dm7 vamp (dorian)", "|: Dm7 | % | % | % | % | % | % | % :|"
        ),
        Progression("original-aaba", "an original 32-bar AABA song form in Eb", _ORIGINAL),
    ]
    for key in KEYS:
        table.append(Progression(f"ii-v-i-major-{key}", f"major ii-V-I in {key}", _ii_v_i(key)))
    for key in KEYS:
        table.append(
            Progression(f"ii-v-i-minor-{key}", f"minor ii-V-i in {key} minor", _ii_v_i_minor(key))
        )
    return {p.name: p for p in table}


PROGRESSIONS: dict[str, Progression] = _build()


def get_progression(name: str) -> Progression:
    """The built-in progression called ``name``; the error lists the valid names."""
    try:
        return PROGRESSIONS[name]
    except KeyError:
        names = ", ".join(PROGRESSIONS)
        raise JazzsoloError(f"unknown progression {name!r}; choose one of: {names}") from None
