"""Reading transcripts: every format, speakers merged, and every refusal naming its line."""

from __future__ import annotations

import json

import pytest
import webvtt
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import ROOT
from app.transcripts.errors import InvalidTranscript, TranscriptTooLarge
from app.transcripts.parse import (
    MAX_BYTES,
    MAX_LINE_CHARS,
    MAX_TURN_CHARS,
    MAX_TURNS,
    decode,
    detect,
    parse,
)

MEETING = ROOT / "evals" / "data" / "transcripts" / "coffee-chat-marisol.vtt"

TEAMS_VTT = """WEBVTT

0a1b/1-0
00:00:01.000 --> 00:00:04.000
<v Marisol Vega>Thanks for coming over. I run the data team at Lumen.</v>

0a1b/2-0
00:00:04.500 --> 00:00:06.000
<v Marisol Vega>We're hiring, actually.</v>

NOTE a comment between cues

0a1b/3-0
00:00:06.200 --> 00:00:09.000
<v.loud Alex Kim>Oh nice! What made you &amp; the team move into <i>data</i>?</v>
"""

ZOOM_VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Marisol Vega: Thanks for coming over.

2
00:00:04.500 --> 00:00:06.000
I run the data team.

3
00:00:06.200 --> 00:00:09.000
Alex Kim: What made you move into data?
"""

SRT = """1
00:00:01,000 --> 00:00:04,000
Marisol: Thanks for coming over.

2
00:00:04,500 --> 00:00:06,000
Marisol: I run the data team.

3
00:00:06,200 --> 00:00:09,000
Alex: What made you
move into <b>data</b>?
"""

TEXT = """[00:00:01] Marisol: Thanks for coming over.
I run the data team, by the way.
Alex: So what I told her was: data is fun.

Marisol Vega  0:15
We're hiring.
"""


def turns(transcript):
    return [(t.speaker, t.text) for t in transcript.turns]


def test_a_teams_vtt_takes_speakers_from_voice_spans_and_merges_consecutive_cues():
    transcript = parse(TEAMS_VTT)
    assert transcript.format == "vtt"
    assert turns(transcript) == [
        (
            "Marisol Vega",
            "Thanks for coming over. I run the data team at Lumen. We're hiring, actually.",
        ),
        ("Alex Kim", "Oh nice! What made you & the team move into data?"),
    ]
    assert [t.line for t in transcript.turns] == [5, 15]
    assert transcript.turns[1].start == pytest.approx(6.2)


def test_a_zoom_vtt_takes_speakers_from_name_prefixes_and_a_bare_cue_continues():
    assert turns(parse(ZOOM_VTT)) == [
        ("Marisol Vega", "Thanks for coming over. I run the data team."),
        ("Alex Kim", "What made you move into data?"),
    ]


def test_srt_with_name_prefixes_and_wrapped_lines():
    transcript = parse(SRT)
    assert transcript.format == "srt"
    assert turns(transcript) == [
        ("Marisol", "Thanks for coming over. I run the data team."),
        ("Alex", "What made you move into data?"),
    ]


def test_plain_text_lines_headings_and_continuations():
    transcript = parse(TEXT)
    assert transcript.format == "text"
    assert turns(transcript) == [
        ("Marisol", "Thanks for coming over. I run the data team, by the way."),
        ("Alex", "So what I told her was: data is fun."),
        ("Marisol Vega", "We're hiring."),
    ]
    assert [t.start for t in transcript.turns] == [1.0, None, 15.0]


def test_json_list_and_wrapper():
    items = [{"speaker": "Marisol", "text": "Hi"}, {"name": "Alex", "content": "Hello", "start": 2}]
    assert turns(parse(json.dumps(items))) == [("Marisol", "Hi"), ("Alex", "Hello")]
    assert turns(parse(json.dumps({"turns": items}))) == [("Marisol", "Hi"), ("Alex", "Hello")]


def test_a_speaker_is_one_person_whatever_the_case_they_are_written_in():
    transcript = parse("Alex: hi\nMARISOL: hello\nalex: how are you?\nMarisol: fine")
    assert transcript.speakers == ["Alex", "MARISOL"]


def test_the_format_is_told_from_the_first_line():
    assert detect(["", "WEBVTT"]) == "vtt"
    assert detect(["1", "00:00:01,000 --> 00:00:02,000"]) == "srt"
    assert detect(['[{"speaker": "A", "text": "x"}]']) == "json"
    assert detect(["[00:00:01] Alex: hi"]) == "text"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\n<v A>hi</v>\n", 3, "cue timing"),
        (
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v A>hi</v>\n\nhello there\n",
            7,
            "expected a cue",
        ),
        ("WEBVTT\n\n00:00:05.000 --> 00:00:02.000\n<v A>hi</v>\n", 3, "ends before it starts"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi with no name\n", 4, "names no speaker"),
        ("WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\n<v A>hi</v>\n", 1, "starts with a line"),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nA: hi\n2\n00:00:03,000 --> 00:00:04,000\nB: yo\n",
            5,
            "blank line must come before",
        ),
        ("1\n00:00:01,000 -> 00:00:02,000\nA: hi\n\n", 1, "expected a subtitle"),
        ("1\n00:00:01,000 --> 00:00:02\nA: hi\n", 2, "cue timing"),
        ("hello\nAlex: hi\n", 1, "no speaker before this line"),
        ('[\n {"speaker": "A", "text": "x"},\n {"speaker": 3, "text": "y"}\n]', 3, '"speaker"'),
        ('[\n {"speaker": "A", "text": "x"},\n {"speaker": "B" "text": "y"}\n]', 3, "not valid"),
        ("Alex: hi\nMarisol: ok\x00\n", 2, "U+0000"),
        ("Alex: hi\nMarisol: " + "x" * MAX_LINE_CHARS + "\n", 2, f"{MAX_LINE_CHARS:,}"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_line(text, line, words):
    with pytest.raises(InvalidTranscript) as caught:
        parse(text)
    assert caught.value.line == line, caught.value.detail
    assert caught.value.detail.startswith(f"line {line}: ")
    assert words in caught.value.detail


def test_a_turn_longer_than_the_limit_is_refused_where_it_starts():
    long_turn = "\n".join(["Alex: hi", "Marisol: " + "word " * 500] + ["word " * 500] * 3)
    with pytest.raises(InvalidTranscript) as caught:
        parse(long_turn)
    assert caught.value.line == 2 and f"{MAX_TURN_CHARS:,}" in caught.value.detail


def test_more_turns_than_the_limit_is_413_naming_it():
    text = "\n".join(f"{'Alex' if n % 2 else 'Sam'}: line {n}" for n in range(MAX_TURNS + 1))
    with pytest.raises(TranscriptTooLarge) as caught:
        parse(text)
    assert caught.value.status == 413 and caught.value.limit == MAX_TURNS
    assert str(MAX_TURNS) in caught.value.detail


def test_more_bytes_than_the_limit_is_413_payload_too_large():
    with pytest.raises(TranscriptTooLarge) as caught:
        decode(b"Alex: hi\n" * (MAX_BYTES // 9 + 1))
    assert caught.value.extra["code"] == "payload_too_large"
    assert caught.value.limit == MAX_BYTES


def test_a_file_that_is_not_utf8_names_the_line_of_the_first_bad_byte():
    with pytest.raises(InvalidTranscript) as caught:
        decode(b"Alex: hi\nMarisol: caf\xe9\n")
    assert caught.value.line == 2


def test_utf16_with_its_bom_and_utf8_with_a_bom_are_read():
    assert decode("Alex: hi".encode("utf-16")) == "Alex: hi"
    assert decode(b"\xef\xbb\xbfAlex: hi") == "Alex: hi"


def test_an_empty_file_says_so():
    with pytest.raises(InvalidTranscript, match="empty"):
        parse("\n\n")


# -- the well-kept reader as an oracle: on valid files, the same cues and timings --------------


@pytest.mark.parametrize("path", [MEETING])
def test_on_the_committed_meeting_our_cue_texts_and_timings_equal_webvtt_pys(path):
    text = path.read_text(encoding="utf-8")
    ours = parse(text)
    theirs = webvtt.from_string(text)
    # webvtt-py keeps cues; we merge a speaker's consecutive cues into a turn: compare per turn
    merged: list[tuple[str, str, float]] = []
    for caption in theirs:
        speaker, words = caption.voice, " ".join(caption.text.split())
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, f"{merged[-1][1]} {words}", merged[-1][2])
        else:
            merged.append((speaker, words, caption.start_in_seconds))
    assert [(t.speaker, t.text) for t in ours.turns] == [(s, w) for s, w, _ in merged]
    assert [int(t.start or 0) for t in ours.turns] == [int(s) for _, _, s in merged]
    assert len(ours.turns) == 30


@pytest.mark.parametrize("fmt", ["text", "vtt", "srt", "json"])
def test_an_empty_file_in_a_named_format_says_so(fmt):
    with pytest.raises(InvalidTranscript, match="empty"):
        parse("  \n\t\n", fmt)


def test_a_file_read_as_webvtt_must_say_so_on_its_first_line():
    with pytest.raises(InvalidTranscript) as caught:
        parse("\nAlex: hi\n", "vtt")
    assert caught.value.line == 2 and "WEBVTT" in caught.value.detail


def test_json_nested_deeper_than_python_can_read_is_refused_not_a_crash():
    with pytest.raises(InvalidTranscript, match="nested too deeply"):
        parse("[\n" * 100_000 + "]\n" * 100_000)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list('AB: <v>\n-->0123456789.,[]{}"WEBVTTNOTE&;'))
        | st.characters(),
        max_size=300,
    ),
    fmt=st.sampled_from([None, "text", "vtt", "srt", "json"]),
)
def test_any_text_is_read_or_refused_with_a_transcript_error_never_a_crash(text, fmt):
    try:
        transcript = parse(text, fmt)
    except (InvalidTranscript, TranscriptTooLarge):
        return
    assert transcript.turns and all(t.text and t.speaker for t in transcript.turns)
