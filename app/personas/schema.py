"""The persona file format: one YAML file in `personas/` becomes one validated `Persona`.

Both engines read these fields: the scripted engine picks its lines from them, the LLM engine
turns them into its system prompt. Every list of lines holds *variants* of the same move, so that
an engine can vary its wording and never repeat itself while alternatives remain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.dialogue.types import Stage
from app.errors import InvalidInput

DEFAULT_DIFFICULTY = "normal"
CARD_EXTENSION = "rapport"  # the key of a card's data.extensions that holds the persona
MAX_EXTENSION_DEPTH = 32  # levels of objects and arrays in extensions, the top one included

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1200)]
Lines = Annotated[list[Text], Field(min_length=1)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
Keywords = Annotated[list[Keyword], Field(min_length=1)]
# YAML gives strings; strict mode would refuse them for an enum, so the stage fields relax it.
StageName = Annotated[Stage, Field(strict=False)]

# Stages a hook or a question may be gated on: the ones a live conversation moves through.
GATE_STAGES = (Stage.OPENING, Stage.RAPPORT, Stage.DISCOVERY, Stage.OPPORTUNITY, Stage.CLOSING)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Questions = Annotated[
    list[Text],
    Field(
        description="A few ways a user might ask for this (paraphrases, and the follow-ups a good "
        "listener would ask); the engine matches the user's message to them by meaning."
    ),
]


class Layer(_Model):
    """A deeper line written as a mapping, with the questions that it answers."""

    text: Text = Field(description="The line itself.")
    questions: Questions = Field(default_factory=list)
    variants: list[Text] = Field(
        default_factory=list,
        description="Other wordings of the same line (same news, same story), so that two "
        "conversations rarely tell it in the same words; the engine says one wording per "
        "conversation, never one the learner heard last time while another remains.",
    )


# A plain string stays valid: tenant personas and imported cards use that form.
Deeper = Annotated[
    list[Text | Layer],
    Field(
        min_length=1,
        description="Lines for a follow-up on this topic: more detail, a story, a feeling. "
        "Each is a line, or {text, questions, variants} naming the questions that line "
        "answers and other wordings of it.",
    ),
]


class _Layered:
    """What facts and hooks share: a surface (answers or a reveal) and deeper lines."""

    if TYPE_CHECKING:
        deeper: list[str | Layer]

    @property
    def deeper_lines(self) -> list[str]:
        """The deeper lines' text, whichever form they were written in."""
        return [d if isinstance(d, str) else d.text for d in self.deeper]

    @property
    def deeper_texts(self) -> list[str]:
        """Every wording of every deeper line (what the persona may say as one of them)."""
        return [w for line in self.deeper_lines for w in self.deeper_wordings(line)]

    def deeper_wordings(self, line: str) -> list[str]:
        """A deeper line and its other wordings, the line first (just the line for a plain
        string)."""
        for d in self.deeper:
            if isinstance(d, str):
                if d == line:
                    return [d]
            elif d.text == line:
                return [d.text, *(v for v in d.variants if v != d.text)]
        return [line]

    def deeper_questions(self, line: str) -> list[str]:
        """The authored questions of one deeper line (empty for a plain string)."""
        for d in self.deeper:
            if not isinstance(d, str) and d.text == line:
                return list(d.questions)
        return []


class Fact(_Layered, _Model):
    """A topic the persona talks about freely, to anyone who asks."""

    topic: Slug = Field(description="Stable id of the topic, e.g. 'career_path'.")
    keywords: Keywords = Field(
        description="Words or short phrases (any word form) that show a user message is about "
        "this topic; matched against the user's lemmatised words."
    )
    questions: Questions = Field(default_factory=list)
    answers: Lines = Field(description="Variants of the persona's first answer on this topic.")
    deeper: Deeper


class Hook(_Layered, _Model):
    """Something the persona reveals only once trust and stage allow it."""

    id: Slug
    summary: Text = Field(
        description="What the hidden thing is, in the third person. Never shown to the user; "
        "it tells an engine what it is protecting."
    )
    min_trust: float = Field(ge=0.0, le=1.0, description="Trust needed before it is revealed.")
    min_stage: StageName = Field(description="Earliest stage at which it may be revealed.")
    keywords: Keywords = Field(description="Words that show the user is asking about it.")
    questions: Questions = Field(default_factory=list)
    reveal: Lines = Field(description="Lines in which the persona reveals it for the first time.")
    deeper: Deeper
    guarded: Lines = Field(
        description="Deflections for when the user asks about it before it is unlocked."
    )

    @model_validator(mode="after")
    def _gate_is_a_live_stage(self) -> Hook:
        if self.min_stage not in GATE_STAGES:
            raise ValueError(f"min_stage must be one of {[s.value for s in GATE_STAGES]}")
        return self


class Question(_Model):
    """A question the persona asks the user, to keep the conversation two-way."""

    text: Text
    min_stage: StageName = Field(
        default=Stage.OPENING, description="Earliest stage at which the persona asks it."
    )
    topic: Slug | None = Field(
        default=None,
        description="The persona's own fact topic that answers this question when the user "
        "hands it back ('and you?').",
    )
    variants: list[Text] = Field(
        default_factory=list,
        description="Other wordings of the same question, in the persona's voice, so that two "
        "conversations rarely ask it in the same words; the engine asks it once per "
        "conversation, in the wording it has said least lately.",
    )

    @property
    def wordings(self) -> list[str]:
        """The question and its other wordings, the text first."""
        return [self.text, *(v for v in self.variants if v != self.text)]


class Reactions(_Model):
    """How the persona reacts to what the user did; each list holds variants."""

    pitch: Lines = Field(description="To a sales pitch or a favour asked before trust is earned.")
    minimal: Lines = Field(description="To one-word or backchannel replies ('ok', 'cool').")
    ignored: Lines = Field(
        description="When the user ignores what the persona said or asked (topic hijack)."
    )
    dismissive: Lines = Field(description="When the user judges, corrects or belittles them.")
    self_focus: Lines = Field(description="When the user monologues about themselves.")
    follow_up: Lines = Field(
        description="Short lead-ins that welcome a good follow-up question ('Good question.')."
    )
    reflection: Lines = Field(
        description="Short lead-ins when the user reflects the persona's meaning back well."
    )
    disclosure: Lines = Field(
        description="Short, interested responses when the user shares something about "
        "themselves or answers the persona's question."
    )
    introduced: Lines = Field(
        description="When the user gives their name; every line contains '{name}', replaced by it."
    )
    thanks: Lines = Field(
        description="When the user thanks them or accepts something they offered."
    )
    unknown: Lines = Field(
        description="When asked something the persona has no topic for: an honest, in-character "
        "deflection."
    )
    cooling: Lines = Field(
        description="As the persona loses interest: shorter, polite, looking for the exit."
    )
    recovering: Lines = Field(description="When the conversation warms up again after cooling.")
    walk_away: Lines = Field(description="The persona's last line when walking away.")
    # Optional, so that tenant personas and imported cards written before them stay valid.
    answered: list[Text] = Field(
        default_factory=list,
        description="A short reaction when the user answered the persona's own question. "
        "'{echo}' is replaced by what the user said, turned to the second person ('you're "
        "building a scheduling tool'): '{echo}? Ha, that's a classic.' Without '{echo}' the "
        "line must work whatever they answered. Without these the engine uses disclosure.",
    )
    no_match: list[Text] = Field(
        default_factory=list,
        description="When a question matches nothing the persona knows: say so as the person "
        "would and hand the conversation back ('Hm, no idea, honestly. What made you "
        "wonder?'), never by listing topics. Without these the engine uses unknown.",
    )
    sarcasm: list[Text] = Field(
        default_factory=list,
        description="To irony about the moment rather than a verdict on the persona ('oh great, "
        "another queue', 'riveting stuff'): a dry, good-humoured line that neither agrees nor "
        "argues back. Without these the engine uses dismissive.",
    )
    meta: list[Text] = Field(
        default_factory=list,
        description="To a question about the software rather than the person ('are you a "
        "bot?', 'what are your instructions?'): an in-character shrug that moves on. Without "
        "these the engine uses unknown.",
    )

    @field_validator("introduced")
    @classmethod
    def _introduced_uses_the_name(cls, lines: list[str]) -> list[str]:
        missing = [line for line in lines if "{name}" not in line]
        if missing:
            raise ValueError(f"every line must contain '{{name}}': {missing}")
        return lines


class Reward(_Model):
    """What a warm conversation earns the user."""

    kind: Literal["introduction", "coffee", "follow_up_meeting", "referral", "interview"]
    summary: Text = Field(description="What exactly is on offer, in the third person.")
    offer: Lines = Field(
        description="Lines in which the persona offers it, in the opportunity stage."
    )
    confirm: Lines = Field(
        description="Lines that firm up the offer once made, when the user has not asked "
        "anything new ('So, coffee next week?')."
    )
    accept: list[Text] = Field(
        default_factory=list,
        description="Yes to a user who asks for the reward (or a favour like it) once trust "
        "supports it, naming who or what ('Of course. I'll email Marcus tonight.'). Without "
        "them the engine says an offer line, or a confirm line once the offer was made.",
    )
    defer: list[Text] = Field(
        default_factory=list,
        description="A warm 'not yet' to a user who asks for the reward or a favour before "
        "trust supports it ('Let's keep talking first. Email me after the fair.'). Without "
        "them the engine uses reactions.pitch.",
    )
    keywords: list[Keyword] = Field(
        default_factory=list,
        description="Words or phrases (any word form) that show a request is for this reward, "
        "beyond the generic ones the engine knows (introduce, referral, coffee, meeting, "
        "resume, ...), e.g. 'walk the floor'. Names alone are not asks: 'would you tell me "
        "about Marcus' asks for nothing.",
    )


class Closings(_Model):
    """How the persona ends a conversation."""

    wrap_up: Lines = Field(
        description="Signals, in the closing stage, that the conversation is coming to an end."
    )
    warm: Lines = Field(description="Goodbye after a warm conversation (reward confirmed).")
    neutral: Lines = Field(description="Polite goodbye after a lukewarm conversation.")


class Returning(_Model):
    """How the persona opens when a learner comes back: it remembers them."""

    greeting: Lines = Field(
        description="Hello again. Lines with '{name}' are used when the learner gave a name, "
        "the others when not ('Alex! Good to see you again.')."
    )
    hooks: dict[Slug, list[Text]] = Field(
        default_factory=dict,
        description="Per hook id: a line that refers back to it when it was revealed last "
        "time ('Did you ever talk to Marcus?').",
    )
    topics: dict[Slug, Text] = Field(
        default_factory=dict,
        description="Per fact topic: how the persona would name it in a sentence ('how I "
        "ended up in recruiting'), for the recall lines.",
    )
    recall: list[Text] = Field(
        default_factory=list,
        description="Lines that refer back to a topic of last time; '{about}' is replaced by "
        "the topic's name from `topics` ('Last time you got me going on {about}.').",
    )


class DifficultyRules(_Model):
    """How forgiving the persona is at one difficulty level."""

    initial_trust: float = Field(ge=0.0, le=1.0, description="Trust at the first line.")
    trust_gain: float = Field(
        gt=0.0, le=5.0, description="Multiplier on trust gained from a good turn."
    )
    trust_loss: float = Field(
        gt=0.0, le=5.0, description="Multiplier on trust lost from a poor turn."
    )
    patience: int = Field(
        ge=1, le=50, description="Consecutive cold turns tolerated before walking away."
    )


class Persona(_Model):
    """One practice partner: who they are, what they share, what they hide, how they react."""

    id: Slug
    name: Text
    role: Text = Field(description="Job title.")
    company: Text
    summary: Text = Field(description="One or two public sentences shown in the persona picker.")
    scenario: Text = Field(description="Where the user meets them and why (public).")
    background: Text = Field(description="Their history, in the third person.")
    personality: Text = Field(description="Temperament and values, in the third person.")
    speaking_style: Text = Field(description="How they talk: rhythm, vocabulary, habits.")
    openings: Lines = Field(description="Variants of the persona's first line.")
    facts: Annotated[list[Fact], Field(min_length=1)]
    hooks: Annotated[list[Hook], Field(min_length=1)]
    reactions: Reactions
    questions: Annotated[list[Question], Field(min_length=1)] = Field(
        description="Questions the persona asks the user back."
    )
    reward: Reward
    closings: Closings
    difficulties: dict[Slug, DifficultyRules]
    returning: Returning | None = Field(
        default=None,
        description="How the persona greets a learner it has met before (optional).",
    )
    extensions: dict[str, Any] = Field(
        default_factory=dict,
        description="Other tools' Character Card data.extensions, kept as is; engines ignore it.",
    )

    @field_validator("extensions")
    @classmethod
    def _shallow(cls, extensions: dict[str, Any]) -> dict[str, Any]:
        # Stored as JSON and re-encoded on every export: a deep enough nest hits a recursion
        # limit there (a 500), so refuse it here; real cards' extensions are a few levels deep.
        pending: list[tuple[Any, int]] = [(extensions, 1)]
        while pending:
            value, depth = pending.pop()
            if depth > MAX_EXTENSION_DEPTH:
                raise ValueError(
                    f"extensions are nested more than {MAX_EXTENSION_DEPTH} levels deep"
                )
            if isinstance(value, dict):
                pending.extend((item, depth + 1) for item in value.values())
            elif isinstance(value, list):
                pending.extend((item, depth + 1) for item in value)
        return extensions

    @model_validator(mode="after")
    def _consistent(self) -> Persona:
        _require_unique("facts", [f.topic for f in self.facts])
        _require_unique("hooks", [h.id for h in self.hooks])
        topics = {f.topic for f in self.facts}
        for question in self.questions:
            if question.topic is not None and question.topic not in topics:
                raise ValueError(
                    f"question {question.text!r} refers to unknown topic {question.topic!r}; "
                    f"known topics: {sorted(topics)}"
                )
        if self.returning is not None:
            _known_ids("returning.hooks", self.returning.hooks, {h.id for h in self.hooks})
            _known_ids("returning.topics", self.returning.topics, topics)
        if DEFAULT_DIFFICULTY not in self.difficulties:
            raise ValueError(f"difficulties must include {DEFAULT_DIFFICULTY!r}")
        if CARD_EXTENSION in self.extensions:
            # A card export writes the persona itself under this key; a copy here would be
            # overwritten on export and would nest the persona inside itself on re-import.
            raise ValueError(
                f"extensions: {CARD_EXTENSION!r} is reserved for Rapport's own card data"
            )
        return self

    def public(self) -> dict[str, Any]:
        """What any client may see; hooks, reactions and hidden facts are never included."""
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "company": self.company,
            "summary": self.summary,
            "scenario": self.scenario,
            "difficulties": list(self.difficulties),
        }

    def rules(self, difficulty: str) -> DifficultyRules:
        """The rules of one difficulty level; InvalidInput names the allowed levels."""
        try:
            return self.difficulties[difficulty]
        except KeyError:
            allowed = ", ".join(self.difficulties)
            raise InvalidInput(
                f"Unknown difficulty {difficulty!r} for persona {self.id!r}; allowed: {allowed}."
            ) from None

    def fact(self, topic: str) -> Fact | None:
        return next((f for f in self.facts if f.topic == topic), None)

    def hook(self, hook_id: str) -> Hook | None:
        return next((h for h in self.hooks if h.id == hook_id), None)


def _require_unique(field: str, ids: list[str]) -> None:
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{field}: duplicate ids {duplicates}")


def _known_ids(field: str, ids: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(ids) - known)
    if unknown:
        raise ValueError(f"{field}: unknown ids {unknown}; known: {sorted(known)}")
