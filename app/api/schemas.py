"""Request bodies of the public API. Unknown fields are rejected (API.md, "Limits")."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, model_validator

MAX_MESSAGE = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Valid JSON ("\ud800") but not valid Unicode: no database or UTF-8 encoder accepts it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean_message(value: str) -> str:
    # Control characters are refused wherever they are, trailing ones too ("hi\r"), as the
    # published pattern says: a rule that depended on trimming could not be stated in it.
    if _SURROGATE.search(value):
        raise ValueError("the message is not valid Unicode (it contains a lone surrogate)")
    if _CONTROL.search(value):
        raise ValueError(
            "the message contains control characters; only newline and tab are allowed"
        )
    text = value.strip()
    if not text:
        raise ValueError("the message is empty; write 1 to 2,000 characters")
    if len(text) > MAX_MESSAGE:
        raise ValueError(f"the message is {len(text):,} characters; the limit is 2,000")
    return text


# The same rules as JSON Schema patterns, published in the OpenAPI document (not enforced by
# them: the validators above give the clearer message), so that a client or a fuzzer knows
# what is accepted: no control character but tab and newline. (Lone surrogates are refused too,
# but a surrogate range is no valid pattern for many regex engines: docs/security.md.)
_NOT_TEXT = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
# The spaces str.strip() removes that are not control characters (regex dialects disagree on \s).
_SPACE = r" \t\n\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
PRINTABLE_PATTERN = rf"^[^{_NOT_TEXT}]*$"
MESSAGE_PATTERN = rf"^[^{_NOT_TEXT}]*[^{_NOT_TEXT}{_SPACE}][^{_NOT_TEXT}]*$"  # not only spaces

MessageText = Annotated[
    str,
    AfterValidator(_clean_message),
    Field(json_schema_extra={"pattern": MESSAGE_PATTERN, "maxLength": MAX_MESSAGE}),
]


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL in text and SQLite stores it, so one database would answer 500 and
    # the other keep a value that cannot move: refuse control characters everywhere up front.
    if _CONTROL.search(value) or _SURROGATE.search(value):
        raise ValueError("contains control characters or invalid Unicode")
    return value


# Identifiers: persona ids are slugs; conversation ids are UUIDs (hyphenated hex) in practice.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
Slug = Annotated[str, Field(min_length=1, max_length=100, pattern=ID_PATTERN)]
UserRef = Annotated[
    str,
    Field(min_length=1, max_length=200, json_schema_extra={"pattern": PRINTABLE_PATTERN}),
    AfterValidator(_printable),
]
# Every other free-text field is held to the same rule (a NUL in `seed` was a 500 on PostgreSQL).
Printable = AfterValidator(_printable)
PrintableSchema = Field(json_schema_extra={"pattern": PRINTABLE_PATTERN})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateConversation(Strict):
    persona_id: Slug
    difficulty: Annotated[str, Printable, PrintableSchema] | None = Field(None, max_length=32)
    user_ref: UserRef | None = None
    seed: Annotated[str, Printable, PrintableSchema] | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Replay the same persona wording for the same turns (evaluation runs).",
    )


class TurnIn(Strict):
    content: MessageText


class HistoryLine(Strict):
    role: Literal["persona", "user"]
    content: Annotated[str, Printable, PrintableSchema] = Field(max_length=MAX_MESSAGE * 2)


class AnalyzeIn(Strict):
    message: MessageText = Field(
        validation_alias=AliasChoices("message", "content"),
        description="The message to analyze. `content` is accepted instead, as on a turn.",
    )
    partner_said: Annotated[str, Printable, PrintableSchema] | None = Field(
        None, max_length=MAX_MESSAGE * 2
    )
    history: list[HistoryLine] | None = Field(None, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _message_once(cls, data: Any) -> Any:
        # A turn's text is `content`, so that name is accepted here too (the alias above); both
        # at once would otherwise be reported as an unknown field.
        if isinstance(data, dict) and "content" in data and "message" in data:
            raise ValueError("give the text once, as `message` or as `content`, not both")
        return data

    @model_validator(mode="after")
    def _agree(self) -> AnalyzeIn:
        if self.partner_said is None or not self.history:
            return self
        last_persona = next(
            (h.content for h in reversed(self.history) if h.role == "persona"), None
        )
        if last_persona is None or last_persona.strip() != self.partner_said.strip():
            raise ValueError(
                "partner_said must be the last persona line of history when both are given"
            )
        return self
