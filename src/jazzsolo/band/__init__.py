"""Accompaniment by rules, from chord symbols: voicings (voicing.py) and a walking bass
(bass.py); drums, comping and styles join them here."""
