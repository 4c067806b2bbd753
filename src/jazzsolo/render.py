"""Hear it and see it: the audio (``audio.py``) and picture (``pictures.py``) outputs in one
place, as the command and the Python API use them. Importing this module costs nothing.
"""

from __future__ import annotations

from .audio import RenderInfo, default_soundfont, render_wav, soundfont_version
from .pictures import plot_history, plot_piano_roll

__all__ = [
    "RenderInfo",
    "default_soundfont",
    "plot_history",
    "plot_piano_roll",
    "render_wav",
    "soundfont_version",
]
