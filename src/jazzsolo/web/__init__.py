"""``jazzsolo serve``: a web page and a JSON API to improvise from the browser.

Map: ``limits`` (the request the page sends, checked against hard limits; errors name the
field) -> ``pool`` (a bounded worker pool: CPU work queues, a full queue answers 503) ->
``jobs`` (the one place that calls the generator and writes MIDI / WAV / PNG) -> ``store``
(takes in a private temporary folder, removed after a bounded time, count or size) ->
``app`` (FastAPI routes, the static page in ``static/``, ``serve`` runs uvicorn).

Needs the ``web`` extra (fastapi, uvicorn); nothing here is imported by the rest of jazzsolo.
"""
