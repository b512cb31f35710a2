"""Evaluation scripts: the YAML format of API.md ("Evaluation scripts"), validated strictly.

A persona author writes these by hand, so every error names the file and the field, and unknown
keys are rejected (a misspelt `expect` key would otherwise be silently ignored and always "pass").
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.dialogue.types import Outcome, Stage
from app.evals.transcripts import IMPORTED, REPORT_KEYS, refused_keys

MAX_TURNS = 40  # the service's turn cap: more user lines than this can never be sent
Message = Annotated[str, Field(min_length=1, max_length=2000)]
RecallAnswer = Annotated[str, Field(min_length=1, max_length=4000)]
NoteText = Annotated[str, Field(min_length=1, max_length=6000)]
NoteThanks = Literal["fine", "grovelling", "missing"]
NoteAsk = Literal["none", "fine", "unclear", "too_many", "too_big"]
NoteLength = Literal["fine", "too_long", "too_short"]
RECALL_KEYS = frozenset(
    {"min_recall_score", "max_recall_score", "min_recalled", "max_misremembered", "max_invented"}
)


class ScriptError(Exception):
    """A script file is unreadable or invalid; the message names the file and the field."""


class Expect(BaseModel):
    """What the run must show. Every key that is present is checked; absent keys are not.

    `first_pitch_turn: null` is meaningful ("never pitched"), so presence is tracked with
    `model_fields_set`, not by comparing with None.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_mean_score: float | None = Field(None, ge=0, le=100)
    max_mean_score: float | None = Field(None, ge=0, le=100)
    min_genuine_interest_rate: float | None = Field(None, ge=0, le=1)
    max_genuine_interest_rate: float | None = Field(None, ge=0, le=1)
    reaches_stage: Stage | list[Stage] | None = None
    not_reaches_stage: Stage | list[Stage] | None = None
    outcome: Outcome | list[Outcome] | None = None
    first_pitch_turn: int | None = Field(None, ge=1)
    min_first_pitch_turn: int | None = Field(None, ge=1)
    min_turns: int | None = Field(None, ge=0)
    max_turns: int | None = Field(None, ge=0)
    min_final_trust: float | None = Field(None, ge=0, le=1)
    max_final_trust: float | None = Field(None, ge=0, le=1)
    max_talk_share: float | None = Field(None, ge=0, le=1)
    min_follow_up_questions: int | None = Field(None, ge=0)
    ended_early: bool | None = None
    # Rewards (issue 15): hooks are the persona's hidden facts; the API reports how many of
    # them the conversation unlocked (state.hooks_unlocked), never which.
    unlocks_hook: bool | None = None
    min_hooks_unlocked: int | None = Field(None, ge=0)
    max_hooks_unlocked: int | None = Field(None, ge=0)
    # Relationship memory, for the conversations of a chained script after the first.
    remembers: bool | None = None
    opening_mentions: str | list[str] | None = None
    min_initial_trust: float | None = Field(None, ge=0, le=1)
    max_initial_trust: float | None = Field(None, ge=0, le=1)
    max_repeats_from_previous: int | None = Field(None, ge=0)
    # After the conversation (issue 19): the script's `recall` answer and follow-up `note`.
    min_recall_score: int | None = Field(None, ge=0, le=100)
    max_recall_score: int | None = Field(None, ge=0, le=100)
    min_recalled: int | None = Field(None, ge=0)
    max_misremembered: int | None = Field(None, ge=0)
    max_invented: int | None = Field(None, ge=0)
    note_good: bool | None = None
    note_specific: bool | None = None
    note_thanks: NoteThanks | list[NoteThanks] | None = None
    note_ask: NoteAsk | list[NoteAsk] | None = None
    note_length: NoteLength | list[NoteLength] | None = None

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Expect:
        for low, high in (
            ("min_mean_score", "max_mean_score"),
            ("min_genuine_interest_rate", "max_genuine_interest_rate"),
            ("min_turns", "max_turns"),
            ("min_final_trust", "max_final_trust"),
            ("min_hooks_unlocked", "max_hooks_unlocked"),
            ("min_initial_trust", "max_initial_trust"),
            ("min_recall_score", "max_recall_score"),
        ):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"{low} ({lo}) is greater than {high} ({hi})")
        return self

    def needs(self) -> set[str]:
        """What the run must hold besides the conversation: "recall" and/or "note"."""
        keys = self.checked_keys()
        needed = {"note"} if any(k.startswith("note_") for k in keys) else set()
        if any(k in RECALL_KEYS for k in keys):
            needed.add("recall")
        return needed

    def checked_keys(self) -> list[str]:
        """The keys the author wrote, in declaration order (so reports read like the YAML)."""
        return [name for name in type(self).model_fields if name in self.model_fields_set]


class Simulate(BaseModel):
    """A user played by an LLM: `persona` describes the user, `turns` how many lines to write."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    persona: str = Field(min_length=3, max_length=500)
    turns: int = Field(ge=1, le=MAX_TURNS)
    instructions: str | None = Field(None, max_length=2000)


def _lines_are_strings(value: Any) -> Any:
    # YAML turns `- yes` into True and `- 42` into 42; a user line must be written as text.
    if isinstance(value, list):
        for i, line in enumerate(value):
            if not isinstance(line, str):
                raise ValueError(f"line {i + 1} is {line!r}, not text: quote it in the YAML")
    return value


class Meeting(BaseModel):
    """One conversation of a chained script: the same learner meeting the persona again."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    difficulty: str | None = None  # the script's when absent
    description: str | None = None
    user: list[Message] | None = Field(None, min_length=1, max_length=MAX_TURNS)
    simulate: Simulate | None = None
    recall: RecallAnswer | None = None
    note: NoteText | None = None
    note_channel: Literal["email", "linkedin"] = "email"
    expect: Expect = Field(default_factory=Expect)

    _strings = field_validator("user", mode="before")(_lines_are_strings)

    @model_validator(mode="after")
    def _user_xor_simulate(self) -> Meeting:
        if (self.user is None) == (self.simulate is None):
            raise ValueError("give exactly one of `user` (the lines) or `simulate`")
        _followups_given(self.expect, self.recall, self.note)
        return self


class Script(BaseModel):
    """One learner's conversation with a persona (`user` or `simulate`, and `expect`), or
    several in a row (`conversations`), in which the persona should remember the learner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    persona: str = Field(min_length=1, max_length=100)
    difficulty: str | None = None
    description: str | None = None
    user: list[Message] | None = Field(None, min_length=1, max_length=MAX_TURNS)
    simulate: Simulate | None = None
    recall: RecallAnswer | None = Field(
        None, description="Answered after the conversation: 'What did you learn about ...?'"
    )
    note: NoteText | None = Field(None, description="The follow-up note, coached after it.")
    note_channel: Literal["email", "linkedin"] = "email"
    expect: Expect = Field(default_factory=Expect)
    conversations: list[Meeting] | None = Field(None, min_length=1, max_length=10)
    # A real conversation to score instead of holding one (app/evals/transcripts.py).
    transcript: str | None = Field(None, min_length=1, description="A transcript file.")
    me: str | None = Field(None, min_length=1, max_length=80, description="Who the learner is.")
    path: Path | None = Field(None, exclude=True)

    _strings = field_validator("user", mode="before")(_lines_are_strings)

    @model_validator(mode="before")
    @classmethod
    def _transcript_has_no_persona(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("transcript") is not None:
            if data.get("persona", IMPORTED) != IMPORTED:
                raise ValueError("a `transcript:` script scores a real conversation: no persona")
            return {**data, "persona": IMPORTED}
        return data

    @model_validator(mode="after")
    def _one_way_to_talk(self) -> Script:
        ways = ("user", "simulate", "conversations", "transcript")
        given = [k for k in ways if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of `user` (the lines), `simulate`, `conversations` "
                "(several conversations in a row, each with its own `user` or `simulate`), or "
                "`transcript` (a real conversation's file, with `me`)"
            )
        if self.transcript is not None:
            return self._a_transcript_to_score()
        if self.conversations is not None and "expect" in self.model_fields_set:
            raise ValueError("with `conversations`, each conversation has its own `expect`")
        if self.conversations is not None and (self.recall or self.note):
            raise ValueError("with `conversations`, each conversation has its own recall and note")
        _followups_given(self.expect, self.recall, self.note)
        first = self.conversations[0].expect if self.conversations else self.expect
        if first.remembers:
            raise ValueError("`remembers: true` on the first conversation: nothing to remember")
        return self

    def _a_transcript_to_score(self) -> Script:
        if self.me is None:
            raise ValueError("a `transcript:` script needs `me`: the learner's name in it")
        if self.recall or self.note:
            raise ValueError("a real conversation has no persona to recall or write to")
        if refused := refused_keys(self.expect.checked_keys()):
            raise ValueError(
                f"a real conversation's report cannot show {', '.join(refused)}; expect only "
                f"{', '.join(sorted(REPORT_KEYS))}"
            )
        return self

    @property
    def chained(self) -> bool:
        return self.conversations is not None

    def meetings(self) -> list[Meeting]:
        """The conversations to hold, in order; a plain script is a single one, and a
        transcript's none (it is scored, not held)."""
        if self.transcript is not None:
            return []
        if self.conversations is None:
            return [
                Meeting(
                    user=self.user,
                    simulate=self.simulate,
                    recall=self.recall,
                    note=self.note,
                    note_channel=self.note_channel,
                    expect=self.expect,
                )
            ]
        return list(self.conversations)

    def for_meeting(self, meeting: Meeting) -> Script:
        """This script as one of its conversations (what a user simulator reads)."""
        return self.model_copy(
            update={
                "difficulty": meeting.difficulty or self.difficulty,
                "user": meeting.user,
                "simulate": meeting.simulate,
                "recall": meeting.recall,
                "note": meeting.note,
                "note_channel": meeting.note_channel,
                "expect": meeting.expect,
                "conversations": None,
            }
        )


def _followups_given(expect: Expect, recall: str | None, note: str | None) -> None:
    """A recall or note expectation without the answer or the note it checks is a typo."""
    needed = expect.needs()
    if "recall" in needed and recall is None:
        raise ValueError("recall expectations need a `recall:` answer to check")
    if "note" in needed and note is None:
        raise ValueError("note expectations need a `note:` to check")


def _format_error(path: Path, err: ValidationError) -> str:
    lines = [f"{path}: invalid evaluation script"]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  {where}: {e['msg']}")
    return "\n".join(lines)


def parse_script(data: Any, path: Path) -> Script:
    if not isinstance(data, dict):
        raise ScriptError(f"{path}: expected a mapping with name, persona, user/simulate, expect")
    try:
        return Script.model_validate({**data, "path": path})
    except ValidationError as err:
        raise ScriptError(_format_error(path, err)) from None


def load_script(path: Path) -> Script:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ScriptError(f"{path}: cannot read: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise ScriptError(f"{path}: not valid YAML: {err}") from None
    return parse_script(data, path)


def script_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories to their *.yaml/*.yml files (sorted, recursive); keep files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"})
            if not found:
                raise ScriptError(f"{path}: no *.yaml evaluation scripts in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ScriptError(f"{path}: no such file or directory")
    return files


def load_scripts(paths: Iterable[Path]) -> list[Script]:
    """Load every script; names must be unique because reports and `compare` key on them."""
    scripts = [load_script(p) for p in script_files(paths)]
    seen: dict[str, Path | None] = {}
    for script in scripts:
        if script.name in seen:
            raise ScriptError(
                f"{script.path}: name {script.name!r} is already used by {seen[script.name]}"
            )
        seen[script.name] = script.path
    return scripts
