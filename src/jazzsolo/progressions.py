"""Built-in chord progressions: the standard jazz forms to practise and generate over.

Each entry is plain progression text (the syntax of ``jazzsolo.chords.parse_progression``), so
what a built-in plays is readable here and in ``docs/chords.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from jazzsolo.chords import ProgressionChord, parse_progression
from jazzsolo.errors import JazzsoloError


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
_SHARPS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_KEY_PC = {"C": 0, "F": 5, "Bb": 10, "Eb": 3, "Ab": 8, "Db": 1, "Gb": 6, "B": 11, "E": 4,
           "A": 9, "D": 2, "G": 7}  # fmt: skip


def _note(key: str, interval: int) -> str:
    names = _SHARPS if key in ("B", "E", "A", "D", "G") else _FLATS
    return names[(_KEY_PC[key] + interval) % 12]


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
