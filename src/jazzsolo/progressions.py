"""Compatibility name: the built-in progressions live in ``jazzsolo.chords.progressions``."""

from .chords.progressions import KEYS, PROGRESSIONS, Progression, get_progression

__all__ = ["KEYS", "PROGRESSIONS", "Progression", "get_progression"]
