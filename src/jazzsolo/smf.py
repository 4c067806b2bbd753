"""Standard MIDI File bytes: the strict layout check run before symusic, and an event walker.

symusic's C++ parser is fast but trusts its input: on some damaged files it fails in ways a
Python ``try`` cannot catch (a fuzzed file once aborted the process with a heap "double free"
hundreds of parses later). So every MIDI file is walked here first, in pure Python, and
anything that is not a well-formed Standard MIDI File is refused with a one-line reason before
the native parser sees it. The same walker lists what symusic drops (plain text events, the
channel each note was sent on).
"""

from __future__ import annotations

from collections.abc import Iterator

# Meta events whose payload has one fixed size in the SMF specification.
META_SIZES = {0x20: (1,), 0x21: (1,), 0x2F: (0,), 0x51: (3,), 0x54: (5,), 0x58: (4,),
              0x59: (2,), 0x00: (0, 2)}
META_NAMES = {0x20: "channel prefix", 0x21: "port", 0x2F: "end of track", 0x51: "tempo",
              0x54: "SMPTE offset", 0x58: "time signature", 0x59: "key signature",
              0x00: "sequence number"}
MAX_DENOMINATOR_POWER = 6  # a time signature's beat unit: up to sixty-fourth notes


class SmfError(ValueError):
    """The bytes are not a well-formed Standard MIDI File (the message says where and why)."""


def _chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(kind, body start, declared body end) of each chunk from the header on, as far as the
    layout can be followed; the last one's end may lie past the end of the file."""
    pos = 0
    while len(data) - pos >= 8:  # fewer bytes after the last chunk: common, and harmless
        end = pos + 8 + int.from_bytes(data[pos + 4 : pos + 8], "big")
        yield data[pos : pos + 4], pos + 8, end
        pos = end


def chunk_problem(data: bytes) -> str | None:
    """Why the chunk layout of a MIDI file is broken, or None (symusic may read a truncated
    file as an empty score instead of failing, so the lengths are checked first)."""
    for kind, start, end in _chunks(data):
        if start == 8 and end - start != 6:  # symusic reads no other header size
            return f"a header chunk of {end - start} bytes, not 6"
        if end > len(data):
            return f"the {kind.decode('latin-1')!r} chunk runs past the end of the file"
    return None


def track_count(data: bytes) -> int:
    """How many complete MTrk chunks follow the header."""
    return sum(kind == b"MTrk" and end <= len(data) for kind, _, end in _chunks(data))


def midi_problem(data: bytes) -> str | None:
    """Why ``data`` is not a well-formed Standard MIDI File, or None: the chunk layout, then
    every event of every track (complete, data bytes under 0x80, running status only after a
    channel message and not across system exclusive, meta events of their fixed sizes)."""
    if data[:4] != b"MThd":
        return "no MThd header"
    if len(data) < 14:
        return "shorter than a MIDI file header"
    problem = chunk_problem(data)
    if problem:
        return problem
    fmt, announced, division = (int.from_bytes(data[k : k + 2], "big") for k in (8, 10, 12))
    if fmt > 2:
        return f"unknown MIDI file format {fmt}"
    if division & 0x8000:
        return "SMPTE time division (frames per second), which is not supported"
    held = track_count(data)
    if held < announced:  # the native parser would read the missing tracks from stray bytes
        return f"the header announces {announced} tracks but the file holds {held}"
    try:
        for _ in walk(data, strict=True):
            pass
    except SmfError as exc:
        return str(exc)
    return None


def _vlq(data: bytes, i: int, end: int) -> tuple[int, int]:
    """A variable-length number at ``i`` (at most 4 bytes, inside ``end``): (value, next i)."""
    value = 0
    for n in range(4):
        if i >= end:
            raise SmfError("an event runs past the end of its track")
        byte = data[i]
        i += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, i
        if n == 3:
            raise SmfError("a variable-length number longer than 4 bytes")
    raise AssertionError("unreachable")  # pragma: no cover


def walk(data: bytes, strict: bool = False) -> Iterator[tuple[int, int, int, bytes]]:
    """Every event of a Standard MIDI File as (track chunk, tick, status, payload).

    Meta events come with status 0xFF and payload = type byte + data; system-exclusive events
    are skipped. ``strict``: raise ``SmfError`` naming the track at the first malformed event;
    otherwise a damaged track just ends early (for callers that read a file already checked).
    """
    chunk = -1
    for kind, start, end in _chunks(data):
        if kind != b"MTrk" or start == 8:  # the header is the first chunk
            continue
        end = min(end, len(data))
        chunk += 1
        try:
            yield from _track(data, chunk, start, end)
        except SmfError as exc:
            if strict:
                raise SmfError(f"track {chunk + 1}: {exc}") from None


def _track(data: bytes, chunk: int, i: int, end: int) -> Iterator[tuple[int, int, int, bytes]]:
    """The events of one MTrk body ``data[i:end]``; SmfError at the first malformed one."""
    tick, status = 0, 0
    while i < end:
        byte = data[i]
        if byte < 0x80:  # a one-byte delta time: most events
            tick, i = tick + byte, i + 1
        else:
            delta, i = _vlq(data, i, end)
            tick += delta
        if i >= end:
            raise SmfError("a delta time with no event after it")
        byte = data[i]
        if byte == 0xFF:
            if i + 1 >= end:
                raise SmfError("an event runs past the end of its track")
            meta = data[i + 1]
            length, i = _vlq(data, i + 2, end)
            if i + length > end:
                raise SmfError("a meta event runs past the end of its track")
            if meta in META_SIZES and length not in META_SIZES[meta]:
                raise SmfError(f"a {META_NAMES[meta]} event of {length} bytes")
            if meta == 0x51 and not any(data[i : i + 3]):
                raise SmfError("a tempo of 0 microseconds per quarter note")
            if meta == 0x58 and data[i + 1] > MAX_DENOMINATOR_POWER:
                raise SmfError(f"a time signature over 2^{data[i + 1]}")
            yield chunk, tick, 0xFF, bytes([meta]) + data[i : i + length]
            i += length  # running status lives on across meta events (as symusic reads it)
            if meta == 0x2F:
                return
        elif byte in (0xF0, 0xF7):
            length, i = _vlq(data, i + 1, end)
            if i + length > end:
                raise SmfError("a system-exclusive event runs past the end of its track")
            i += length
            status = 0  # ... but not across system-exclusive ones
        elif byte >= 0xF1:
            raise SmfError(f"status byte 0x{byte:02X}, which a MIDI file cannot hold")
        else:
            if byte & 0x80:
                status, i = byte, i + 1
            elif not status:
                raise SmfError("a data byte where a status byte belongs")
            size = 1 if 0xC0 <= status < 0xE0 else 2  # program change, channel pressure
            if i + size > end:
                raise SmfError("an event runs past the end of its track")
            if (data[i] | data[i + size - 1]) & 0x80:
                raise SmfError(f"a status byte inside a 0x{status:02X} message")
            yield chunk, tick, status, data[i : i + size]
            i += size


def text_events(data: bytes, kinds: tuple[int, ...] = (0x01,)) -> list[tuple[int, str]]:
    """(tick, text) of the meta events of the given kinds (0x01 text, 0x06 marker ...), sorted;
    symusic keeps markers and lyrics but drops plain text events, where some files put chords."""
    found = [
        (tick, payload[1:].decode("utf-8", "replace").strip())
        for _, tick, status, payload in walk(data)
        if status == 0xFF and payload[0] in kinds
    ]
    return sorted(found)


def note_channels(data: bytes) -> list[tuple[int, int, int, int]]:
    """(track chunk, channel, program, notes) for every channel that plays notes, in the order
    notes first appear: how a part of symusic's (one per track, channel, program) was sent."""
    programs: dict[tuple[int, int], int] = {}
    counts: dict[tuple[int, int, int], int] = {}
    for chunk, _, status, payload in walk(data):
        kind, channel = status & 0xF0, status & 0x0F
        if status == 0xFF:
            continue
        if kind == 0xC0:
            programs[(chunk, channel)] = payload[0]
        elif kind == 0x90 and payload[1] > 0:
            key = (chunk, channel, programs.get((chunk, channel), 0))
            counts[key] = counts.get(key, 0) + 1
    return [(c, ch, prog, n) for (c, ch, prog), n in counts.items()]
