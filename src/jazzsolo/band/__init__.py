"""A band behind the solo: drums, comping piano and walking bass, in a style and a swing feel.

Accompaniment by rules, from chord symbols: voicings (voicing.py, comping.py), a walking bass
(bass.py), drums (drums.py), styles (styles.py) and feel (feel.py). Everything is
generated fast and seeded: the same changes, solo, options and seed give the same notes. The one
entry point is :func:`arrange` (changes, solo notes, a ``jazzsolo.request.BandOptions``)
returning an :class:`Arrangement` of named parts; :func:`to_score` / :func:`write_arrangement`
make MIDI. See the README section "A band behind the solo".
"""

from __future__ import annotations

from .arrange import Arrangement, Form, Part, arrange, to_score, write_arrangement
from .options import INSTRUMENTS, Band, parse_mix, resolve
from .styles import STYLES, Style, get_style

__all__ = [
    "INSTRUMENTS", "STYLES", "Arrangement", "Band", "Form", "Part", "Style", "arrange", "get_style",
    "parse_mix", "resolve", "to_score", "write_arrangement",
]
