"""The follow-up a good listener would ask next, from the persona's own authored questions."""

from __future__ import annotations

from collections.abc import Sequence

from app.dialogue.understand import knowledge_index
from app.feedback.types import Utterance
from app.personas.schema import Persona

RECENT = 3  # persona lines searched back for the topic on the table


def missed_follow_up(persona: Persona, history: Sequence[Utterance]) -> str | None:
    """A concrete question the learner could ask next, or None.

    For the tip writer: call it with the conversation so far (oldest first; the learner's
    latest line may or may not be in it). It finds the topic of the persona's latest line that
    said something from a fact or a revealed hook (a question back alone does not count), and
    returns the first authored question of a deeper line of that topic that the persona has
    not said yet: "She said the outage got worse because of one forgotten sentence" gives
    "What did you change after that outage?". None when the persona's recent lines have no
    topic, or every deeper line of it was told, or none has authored questions (plain-string
    deeper lines carry none). Pure and deterministic; about a millisecond once the persona's
    index is built (it is shared with the scripted engine).
    """
    index = knowledge_index(persona)
    said = [u.content for u in history if u.role == "persona"]
    # Told in any wording: a deeper line's variants say the same thing.
    told = {index.line_of(line) for line in index.owner if any(line in m for m in said)}
    for message in reversed(said[-RECENT:]):
        in_message = [line for line in index.owner if line in message]
        if not in_message:
            continue
        topic = index.owner[max(in_message, key=message.rfind)].topic
        item = persona.fact(topic.id) if topic.kind == "fact" else persona.hook(topic.id)
        if item is None:
            return None
        for line in item.deeper_lines:
            questions = item.deeper_questions(line)
            if line not in told and questions:
                return questions[0]
        return None
    return None
