"""Request bodies of the recall check and the follow-up note (issue 19)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from app.api.schemas import PRINTABLE_PATTERN, Printable, PrintableSchema, Strict

MAX_ANSWER = 4000
MAX_NOTE = 6000  # a pasted CV is judged too long, not refused; a book is refused
MAX_ITEM = 500


def _text(limit: int, what: str) -> AfterValidator:
    def clean(value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError(f"the {what} is empty")
        if len(text) > limit:
            raise ValueError(f"the {what} is {len(text):,} characters; the limit is {limit:,}")
        return text

    return AfterValidator(clean)


Answer = Annotated[
    str, Printable, _text(MAX_ANSWER, "answer"), Field(json_schema_extra={"maxLength": MAX_ANSWER})
]
NoteText = Annotated[
    str, Printable, _text(MAX_NOTE, "note"), Field(json_schema_extra={"maxLength": MAX_NOTE})
]
Item = Annotated[str, Printable, _text(MAX_ITEM, "item"), PrintableSchema]
Channel = Literal["email", "linkedin"]


class RecallIn(Strict):
    answer: Answer = Field(
        description="The learner's answer to 'What did you learn about <name>?', free text."
    )


class NoteIn(Strict):
    note: NoteText = Field(description="The follow-up message the learner would send.")
    channel: Channel = "email"


class NoteAnalyzeIn(Strict):
    note: NoteText
    channel: Channel = "email"
    revealed: list[Item] = Field(
        min_length=1,
        max_length=30,
        description="What the partner said in the conversation, in plain words.",
    )
    offered: Item | None = Field(None, description="What the partner offered at the end.")
    ended: Literal["warm", "neutral", "cool"] = "neutral"
    partner: Annotated[str, Printable, PrintableSchema] | None = Field(
        None, max_length=300, description="Who they are, e.g. 'Priya Raman, recruiter at ...'."
    )


__all__ = ["PRINTABLE_PATTERN", "NoteAnalyzeIn", "NoteIn", "RecallIn"]
