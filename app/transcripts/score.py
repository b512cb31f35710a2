"""A real conversation scored as a practice one is: the analyzer on each of the learner's turns
(against what was said before it), then the same report.

The other speakers play the persona's part: their words are the history the analyzer reads and
count in the talk share. A real conversation has no persona, so no trust is measured: the
report's `trust_curve` and `stages_reached` are empty, and `outcome` is what the caller says it
was (or null).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.feedback.analyzer import analyze
from app.feedback.report import Report, ReportTurn, build_report
from app.feedback.types import Feedback, Role, Utterance
from app.transcripts.errors import InvalidTranscript, UnknownSpeaker
from app.transcripts.parse import Transcript, Turn

OUTCOMES = ("warm_close", "neutral_close", "walked_away")


@dataclass(frozen=True, slots=True)
class ScoredLine:
    turn: Turn
    role: Role
    feedback: Feedback | None  # the learner's lines only


@dataclass(frozen=True, slots=True)
class Scored:
    transcript: Transcript
    learner: str
    lines: tuple[ScoredLine, ...]
    report: Report

    def to_json(self) -> dict[str, Any]:
        """What POST /v1/transcripts answers (`conversation` is filled in when stored)."""
        return {
            "format": self.transcript.format,
            "learner": self.learner,
            "speakers": self.speakers(),
            "messages": self.messages(),
            "report": self.report.model_dump(mode="json"),
            "conversation": None,
        }

    def messages(self) -> list[dict[str, Any]]:
        """The transcript as a conversation's MESSAGEs, with the speaker, where it is in the
        file (`line`) and in the recording (`start`, seconds or null)."""
        out = []
        for index, line in enumerate(self.lines):
            message: dict[str, Any] = {
                "index": index,
                "role": line.role,
                "speaker": line.turn.speaker,
                "content": line.turn.text,
                "line": line.turn.line,
                "start": line.turn.start,
            }
            if line.feedback is not None:
                message["feedback"] = line.feedback.model_dump(mode="json")
            out.append(message)
        return out

    def speakers(self) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "learner": name == self.learner,
                "turns": sum(1 for t in self.transcript.turns if t.speaker == name),
                "words": sum(
                    len(t.text.split()) for t in self.transcript.turns if t.speaker == name
                ),
            }
            for name in self.transcript.speakers
        ]


def choose_learner(transcript: Transcript, me: str) -> str:
    """The speaker `me` names: exactly (any case), else the one whose name has it as a word
    ("Alex" is "Alex Kim"). None or several: an error listing who is there."""
    speakers = transcript.speakers
    wanted = " ".join(me.split()).casefold()
    exact = [s for s in speakers if s.casefold() == wanted]
    if exact:
        return _one_of_several(exact[0], speakers)
    partial = [s for s in speakers if _has_words(s.casefold().split(), wanted.split())]
    if len(partial) == 1:
        return _one_of_several(partial[0], speakers)
    listed = ", ".join(speakers)
    if partial:
        raise UnknownSpeaker(
            f"{me!r} could be any of {', '.join(partial)}; give the full name. Speakers: {listed}.",
            speakers,
        )
    raise UnknownSpeaker(f"No speaker is called {me!r}. Speakers: {listed}.", speakers)


def _has_words(name: list[str], wanted: list[str]) -> bool:
    n = len(wanted)
    return any(name[i : i + n] == wanted for i in range(len(name) - n + 1)) if n else False


def _one_of_several(learner: str, speakers: Sequence[str]) -> str:
    if len(speakers) < 2:
        raise InvalidTranscript(
            f"only {learner} speaks in this transcript; a conversation needs someone else too"
        )
    return learner


def score(transcript: Transcript, me: str, outcome: str | None = None) -> Scored:
    learner = choose_learner(transcript, me)
    history: list[Utterance] = []
    lines: list[ScoredLine] = []
    for turn in transcript.turns:
        role: Role = "user" if turn.speaker == learner else "persona"
        feedback = analyze(turn.text, tuple(history)) if role == "user" else None
        lines.append(ScoredLine(turn, role, feedback))
        history.append(Utterance(role, turn.text))
    if not any(line.role == "user" for line in lines):  # cannot happen: the learner speaks
        raise InvalidTranscript(f"{learner} says nothing in this transcript")
    return Scored(transcript, learner, tuple(lines), report_of(lines, outcome))


def report_of(
    lines: Sequence[tuple[Role, str, Feedback | None]] | Sequence[ScoredLine],
    outcome: str | None,
) -> Report:
    """The report of a scored real conversation, from its lines in order: (role, text, feedback)
    tuples (as stored) or ScoredLines. What the others say before the learner's first turn is
    the opening; what they say between two of the learner's turns is the first one's reply."""
    plain = [
        (line.role, line.turn.text, line.feedback) if isinstance(line, ScoredLine) else line
        for line in lines
    ]
    opening: list[str] = []
    turns: list[ReportTurn] = []
    replies: list[list[str]] = []
    for role, text, feedback in plain:
        if role == "user" and feedback is not None:
            turns.append(ReportTurn(len(turns) + 1, text, feedback, None, 0.0))
            replies.append([])
        else:
            (replies[-1] if replies else opening).append(text)
    turns = [
        ReportTurn(t.turn, t.user, t.feedback, "\n".join(r) or None, t.trust)
        for t, r in zip(turns, replies, strict=True)
    ]
    report = build_report(
        "\n".join(opening), turns, initial_trust=0.0, stages_reached=[], outcome=outcome
    )
    return report.model_copy(update={"trust_curve": []})
