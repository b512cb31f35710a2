"""Transcript files -> speaker turns: plain "Name: line" text, WebVTT, SRT or JSON.

Why not webvtt-py, the well-kept reader for WebVTT and SRT: it keeps no line numbers (an error
cannot say where the file is broken), and in its lenient mode it silently drops a cue it cannot
read, which here would be a learner's turn scored as never said. The formats are small, so this
reader is strict instead: every refusal names the line, and tests hold its cue texts and timings
equal to webvtt-py's on valid files (tests/transcripts/test_parse.py).

What counts as a speaker:
- WebVTT: the voice span (`<v Name>...</v>`, as Teams writes), else a "Name: " prefix on the cue
  text (as Zoom writes). A cue naming nobody continues the previous speaker.
- SRT: a "Name: " prefix (or a voice span); a subtitle naming nobody continues the previous one.
- Text: "Name: what they said" lines, optionally after a timestamp ("[00:01:02] Name: ..."), or a
  "Name  0:03" line with the words on the lines below (as Otter exports). Other lines continue
  the current speaker's turn.
- JSON: a list of {"speaker", "text"} objects ("name" and "content" are accepted too, and an
  optional "start" in seconds), or an object holding that list under "turns".
Consecutive cues or lines by the same speaker are merged into one turn.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from app.transcripts.errors import InvalidTranscript, TranscriptTooLarge

Format = Literal["text", "vtt", "srt", "json"]
FORMATS: tuple[Format, ...] = ("text", "vtt", "srt", "json")

MAX_BYTES = 1_048_576  # a two-hour meeting's WebVTT is about 250 KB
MAX_LINE_CHARS = 4_000
MAX_TURNS = 500  # after merging, all speakers
MAX_TURN_CHARS = 8_000  # about nine minutes of speech in one turn
MAX_NAME_CHARS = 80

_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_TIMESTAMP = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]*)>")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # cue tags; SRT's ASS overrides such as {\an8}
_SPACES = re.compile(r"\s+")
# "Name: words". A name is at most five words and starts with a letter; past its first word,
# every word is capitalised, a digit ("Speaker 2") or a particle ("Marisol de la Vega"), so
# that "So what I told her: ..." stays part of a turn rather than becoming a speaker.
_PARTICLES = frozenset({"de", "la", "le", "van", "von", "der", "den", "da", "di", "del", "bin"})
_NAME = r"[^\W\d_][\w.'’-]*(?:[ \t]+[\w.'’()-]+){0,4}"
_CLOCK = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?"
_SAYS = re.compile(
    rf"^\s*(?:[\[(]?(?P<at>{_CLOCK})[\])]?\s+)?(?P<name>{_NAME}?)\s*"
    rf"(?:[\[(]{_CLOCK}[\])])?\s*:(?:\s+(?P<text>.*))?$"
)
_HEADING = re.compile(rf"^\s*(?P<name>{_NAME}?)[ \t]{{2,}}(?P<at>{_CLOCK})\s*$")
_CLOCK_LIKE = re.compile(r"\d+:\d+")  # a subtitle's number, then its (perhaps broken) timing
_JSON_START = re.compile(r"^\s*(?:\{|\[\s*(?:\{|\]|$))")


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: str
    text: str
    line: int  # where the turn starts: the file's line, or the item's number for JSON data
    start: float | None = None  # seconds into the recording, when the file has timings


@dataclass(frozen=True, slots=True)
class Transcript:
    format: Format
    turns: tuple[Turn, ...]

    @property
    def speakers(self) -> list[str]:
        """Every speaker once, in the order they first speak."""
        return list(dict.fromkeys(t.speaker for t in self.turns))


@dataclass(frozen=True, slots=True)
class _Cue:
    speaker: str | None  # None: continues the previous speaker
    text: str
    line: int
    start: float | None = None


# -- entry points ----------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8 (with or without a BOM), or UTF-16 with its BOM."""
    _within_bytes(len(data))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InvalidTranscript("the file is not valid UTF-16 text") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidTranscript(
            f"byte 0x{data[exc.start]:02x} is not UTF-8; save the transcript as UTF-8 text", line
        ) from exc


def parse(text: str, fmt: Format | None = None) -> Transcript:
    """Read a transcript; `fmt` None: told from its first line (see `detect`)."""
    _within_bytes(len(text.encode("utf-8", "surrogatepass")))
    lines = _lines(text)
    found = detect(lines) if fmt is None else _not_empty(lines, fmt)
    reader = {"text": _text, "vtt": _vtt, "srt": _srt, "json": _json}[found]
    return Transcript(found, _merge(reader(lines), found))


def from_items(items: Iterable[tuple[str, str, float | None]]) -> Transcript:
    """Turns given as data (speaker, text, start) rather than as a file: JSON sent to the API."""
    cues = [
        _Cue(_speaker_name(speaker, n), _clean(text), n, start)
        for n, (speaker, text, start) in enumerate(items, start=1)
    ]
    return Transcript("json", _merge(cues, "json"))


def _not_empty(lines: Sequence[str], fmt: Format) -> Format:
    if not any(line.strip() for line in lines):
        raise InvalidTranscript("the transcript is empty")
    return fmt


def detect(lines: Sequence[str]) -> Format:
    first_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_at is None:
        raise InvalidTranscript("the transcript is empty")
    first = lines[first_at].strip()
    if first.startswith("WEBVTT"):
        return "vtt"
    if _JSON_START.match(first):
        return "json"
    following = next((line for line in lines[first_at + 1 :] if line.strip()), "")
    if "-->" in first or (first.isdigit() and _CLOCK_LIKE.search(following)):
        return "srt"
    return "text"


# -- shared ----------------------------------------------------------------------------------


def _within_bytes(size: int) -> None:
    if size > MAX_BYTES:
        raise TranscriptTooLarge(
            f"The transcript is {size:,} bytes; the limit is {MAX_BYTES:,}.",
            limit=MAX_BYTES,
            too_many_bytes=True,
        )


def _lines(text: str) -> list[str]:
    """The file's lines (CRLF, CR or LF), each checked: length, and no control characters."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise InvalidTranscript(
                f"the line is {len(line):,} characters; the limit is {MAX_LINE_CHARS:,}",
                number,
                limit=MAX_LINE_CHARS,
            )
        bad = _BAD_CHARS.search(line)
        if bad:
            raise InvalidTranscript(
                f"control character U+{ord(bad.group()):04X} at column {bad.start() + 1}", number
            )
    return lines


def _blocks(lines: Sequence[str], first: int = 0) -> Iterator[tuple[int, list[str]]]:
    """Runs of non-blank lines, with the 1-based line number each starts on."""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines[first:], start=first + 1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _clean(text: str) -> str:
    """Cue text as plain words: tags removed, entities decoded, wrapped lines joined."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub("", text))).replace("\u2028", " ").strip()


def _speaker_name(name: str, line: int) -> str:
    cleaned = _SPACES.sub(" ", name).strip()
    if not cleaned:
        raise InvalidTranscript("the speaker's name is empty", line)
    if len(cleaned) > MAX_NAME_CHARS:
        raise InvalidTranscript(
            f"the speaker's name is {len(cleaned)} characters; the limit is {MAX_NAME_CHARS}",
            line,
        )
    return cleaned


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + int(fraction) / 10 ** len(fraction)
    )


def _timing(line: str, number: int, example: str) -> float:
    match = _TIMING.match(line)
    if match is None:
        raise InvalidTranscript(f"the cue timing {line.strip()!r} is not {example!r}", number)
    groups = match.groups()
    if any(int(g) > 59 for g in (groups[2], groups[6], groups[1], groups[5])):
        raise InvalidTranscript(f"minutes and seconds run to 59 in {line.strip()!r}", number)
    start, end = _seconds(*groups[:4]), _seconds(*groups[4:])
    if end < start:
        raise InvalidTranscript(f"the cue ends before it starts: {line.strip()!r}", number)
    return start


def _merge(cues: Iterable[_Cue], fmt: Format) -> tuple[Turn, ...]:
    """Consecutive cues by one speaker become one turn; limits on turns and their length.

    A cue that names a speaker but has no words yet ("Alex:" or "Alex Kim  0:03" with the words
    on the lines below) opens that speaker's turn; a turn left without words is dropped."""
    turns: list[Turn] = []
    for cue in cues:
        if cue.speaker is None and not turns:
            if cue.text:
                raise InvalidTranscript(_no_speaker(fmt), cue.line)
            continue
        speaker = turns[-1].speaker if cue.speaker is None else cue.speaker
        if not _joins(turns, speaker):
            _count_turn(len(turns), cue.line)
            turns.append(Turn(speaker, "", cue.line, cue.start))
        _append(turns, cue.text)
    spoken: list[Turn] = []
    for turn in turns:
        if turn.text and _joins(spoken, turn.speaker):
            _append(spoken, turn.text)
        elif turn.text:
            spoken.append(turn)
    if not spoken:
        raise InvalidTranscript("the transcript has no speech in it")
    return tuple(_named_alike(spoken))


def _joins(turns: Sequence[Turn], speaker: str) -> bool:
    return bool(turns) and turns[-1].speaker.casefold() == speaker.casefold()


def _append(turns: list[Turn], text: str) -> None:
    last = turns[-1]
    turns[-1] = Turn(last.speaker, f"{last.text} {text}".strip(), last.line, last.start)
    _within_turn_length(turns[-1])


def _named_alike(turns: list[Turn]) -> Iterator[Turn]:
    """Every speaker under the spelling they are first written with ("ALEX" is "Alex")."""
    display: dict[str, str] = {}
    for turn in turns:
        name = display.setdefault(turn.speaker.casefold(), turn.speaker)
        yield turn if name == turn.speaker else Turn(name, turn.text, turn.line, turn.start)


def _count_turn(existing: int, line: int) -> None:
    if existing >= MAX_TURNS:
        raise TranscriptTooLarge(
            f"The transcript has more than {MAX_TURNS} turns (line {line}); split it into "
            "conversations.",
            limit=MAX_TURNS,
        )


def _within_turn_length(turn: Turn) -> None:
    if len(turn.text) > MAX_TURN_CHARS:
        raise InvalidTranscript(
            f"{turn.speaker}'s turn starting here runs past {MAX_TURN_CHARS:,} characters, the "
            "limit for one turn",
            turn.line,
            limit=MAX_TURN_CHARS,
        )


def _no_speaker(fmt: Format) -> str:
    if fmt == "vtt":
        return "the first cue names no speaker (a voice span <v Name> or 'Name: ' before its text)"
    if fmt == "srt":
        return "the first subtitle names no speaker ('Name: ' before its text)"
    return "no speaker before this line; write 'Name: what they said'"


def _said(text: str, line: int, start: float | None) -> _Cue:
    """Cue text with its speaker: 'Name: words' names one; otherwise it continues the last."""
    match = _SAYS.match(text)
    if match and _looks_like_name(match.group("name")):
        name = _speaker_name(match.group("name"), line)
        at = start if start is not None else _clock(match.group("at"))
        return _Cue(name, match.group("text") or "", line, at)
    return _Cue(None, text, line, start)


def _looks_like_name(name: str | None) -> bool:
    if not name or len(name) > MAX_NAME_CHARS:
        return False
    rest = name.split()[1:]
    return all(w[0].isupper() or w[0].isdigit() or w in _PARTICLES for w in rest)


# -- WebVTT and SRT --------------------------------------------------------------------------


def _vtt(lines: Sequence[str]) -> Iterator[_Cue]:
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    head = lines[first].strip()
    if not head.startswith("WEBVTT") or head[6:7] not in ("", " ", "\t"):
        raise InvalidTranscript("a WebVTT file starts with a line 'WEBVTT'", first + 1)
    blocks = _blocks(lines, first)
    next(blocks)  # the header: WEBVTT and its metadata lines
    for start, block in blocks:
        word = block[0].strip().split(" ")[0]
        if word in ("NOTE", "STYLE", "REGION") and not any("-->" in b for b in block):
            continue
        at = 0 if "-->" in block[0] else 1
        if at >= len(block) or "-->" not in block[at]:
            raise InvalidTranscript(
                "expected a cue: an optional id line, then a timing line such as "
                "'00:00:01.000 --> 00:00:04.000'",
                start,
            )
        seconds = _timing(block[at], start + at, "00:00:01.000 --> 00:00:04.000")
        yield from _cue_text(block[at + 1 :], start + at + 1, seconds, "vtt")


def _srt(lines: Sequence[str]) -> Iterator[_Cue]:
    previous = False
    for start, block in _blocks(lines):
        at = 1 if block[0].strip().isdigit() and len(block) > 1 else 0
        if "-->" not in block[at]:
            if previous and not any("-->" in b for b in block):
                # a blank line inside a subtitle's text: players show it as the same subtitle
                yield _said(_clean(" ".join(block)), start, None)
                continue
            raise InvalidTranscript(
                "expected a subtitle: its number, then a timing line such as "
                "'00:00:01,000 --> 00:00:04,000'",
                start,
            )
        seconds = _timing(block[at], start + at, "00:00:01,000 --> 00:00:04,000")
        previous = True
        yield from _cue_text(block[at + 1 :], start + at + 1, seconds, "srt")


def _cue_text(payload: Sequence[str], line: int, start: float, fmt: Format) -> Iterator[_Cue]:
    for offset, text in enumerate(payload):
        if "-->" in text:
            what = "cue" if fmt == "vtt" else "subtitle"
            raise InvalidTranscript(f"a blank line must come before the next {what}", line + offset)
    raw = "\n".join(payload)
    voices = list(_VOICE.finditer(raw))
    if not voices:
        yield _said(_clean(raw), line, start)
        return
    before = _clean(raw[: voices[0].start()])
    if before:
        yield _said(before, line, start)
    for n, voice in enumerate(voices):
        end = voices[n + 1].start() if n + 1 < len(voices) else len(raw)
        at = line + raw.count("\n", 0, voice.start())
        yield _Cue(_speaker_name(voice.group(1), at), _clean(raw[voice.end() : end]), at, start)


# -- plain text ------------------------------------------------------------------------------


def _text(lines: Sequence[str]) -> Iterator[_Cue]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        if heading and _looks_like_name(heading.group("name")):
            name = _speaker_name(heading.group("name"), number)
            yield _Cue(name, "", number, _clock(heading.group("at")))
            continue
        yield _said(_clean(line), number, None)


def _clock(value: str | None) -> float | None:
    if not value:
        return None
    parts = value.replace(",", ".").split(":")
    return sum(float(p) * 60**i for i, p in enumerate(reversed(parts)))


# -- JSON ------------------------------------------------------------------------------------


def _json(lines: Sequence[str]) -> Iterator[_Cue]:
    text = "\n".join(lines)
    try:
        data = json.loads(text)
    except RecursionError:
        raise InvalidTranscript("the JSON is nested too deeply to be a transcript") from None
    except json.JSONDecodeError as exc:
        raise InvalidTranscript(
            f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno
        ) from None
    where: list[int | None]
    if isinstance(data, dict) and isinstance(data.get("turns"), list):
        items, where = data["turns"], [None] * len(data["turns"])
    elif isinstance(data, list):
        items, where = data, _item_lines(text)
    else:
        raise InvalidTranscript(
            'expected a list of {"speaker", "text"} objects (or {"turns": [...]})', 1
        )
    for n, (item, line) in enumerate(zip(items, where, strict=True), start=1):
        yield _json_cue(item, n, line)


def _json_cue(item: Any, n: int, line: int | None) -> _Cue:
    where = line if line is not None else n
    label = "" if line is not None else f"turn {n}: "
    if not isinstance(item, dict):
        raise InvalidTranscript(f'{label}expected an object {{"speaker", "text"}}', line)
    speaker = item.get("speaker", item.get("name"))
    text = item.get("text", item.get("content"))
    if not isinstance(speaker, str) or not isinstance(text, str):
        raise InvalidTranscript(f'{label}each turn needs "speaker" and "text" as strings', line)
    start = item.get("start")
    if start is not None and (not isinstance(start, int | float) or isinstance(start, bool)):
        raise InvalidTranscript(f'{label}"start" is a number of seconds', line)
    return _Cue(_speaker_name(speaker, where), _clean(text), where, start)


def _item_lines(text: str) -> list[int | None]:
    """The line each element of a top-level JSON list starts on (json keeps no positions)."""
    decoder = json.JSONDecoder()
    at = text.index("[") + 1
    lines: list[int | None] = []
    line, counted = 1, 0
    while True:
        while at < len(text) and text[at] in " \t\n,":
            at += 1
        if at >= len(text) or text[at] == "]":
            return lines
        line += text.count("\n", counted, at)
        counted = at
        lines.append(line)
        _, at = decoder.raw_decode(text, at)
