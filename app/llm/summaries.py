"""What a running summary must be before it is stored, and again before it is put in a prompt.

The summary goes into the persona's system prompt on every later turn, so a bad one does lasting
damage; issue 17 stored one that was the summariser's own instruction. A summary is refused when
it is empty or too long, repeats itself (a loop), is written as a transcript ("Priya: ..."), or
speaks to the model (instructions, role rules, its own prompt). Refusing a good summary costs
little: the turn keeps its recent lines verbatim and the next turn summarises again. Accepting a
bad one puts its words above the persona's rules until the conversation ends.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from app.llm.guard import ngrams, words
from app.llm.tokens import count_tokens

MIN_WORDS = 3
ECHO_GRAM = 6  # six words in a row from the summariser's own prompt are an echo of it
ECHO_LIMIT = 2
LOOP_GRAM = 6
LOOP_LIMIT = 3  # the same six words three times over: the model is going round in circles

# "Here is the updated summary:" and the like, which models put first; dropped, not refused.
PREAMBLE = re.compile(
    r"^\s*(?:(?:here(?:'s| is) )?(?:the |an |my )?(?:updated |new |running )?summary"
    r"(?: so far)?[^:\n]{0,30}:)\s*",
    re.IGNORECASE,
)
# A line that starts with a label: one to four capitalised words and a colon.
LABELLED_LINE = re.compile(r"^\s*[*_]*[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}[*_]*\s*:\s*\S", re.M)
GENERIC_SPEAKERS = ("Other person", "User", "Assistant", "Human", "System", "AI")
TO_THE_MODEL = re.compile(
    "|".join(
        (
            r"\b(?:ignore|disregard|forget) (?:all |any |your |the )?(?:previous|prior|above|"
            r"earlier|other|system)\b",
            r"\bnew (?:rule|instruction|persona|role)s?\b",
            r"\bsystem (?:prompt|message)\b",
            r"\b(?:your|these|the following) (?:instructions|rules|guidelines)\b",
            r"\bfrom now on\b",
            r"\byou (?:are|must|should|will|need to) (?:now |always |never |only |not )",
            r"\bas an ai\b|\b(?:large )?language model\b",
            r"\bstay in character\b|\bbreak(?:ing)? character\b",
            r"\b(?:answer|respond|reply|write) (?:only )?(?:with|in) (?:the|a|one|plain)\b",
            r"\b(?:do not|don't|never) (?:mention|reveal|repeat|say|tell|break)\b",
            r"(?:^|[.!?]\s+)(?:always|never|remember to|make sure|be sure to|pretend|act as)\b",
        )
    ),
    re.IGNORECASE,
)


class InvalidSummary(ValueError):
    """The summary was refused; `kind` says why (for logs and metrics, without its words)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def checked_summary(
    raw: str,
    *,
    max_tokens: int,
    speakers: Iterable[str] = (),
    instructions: str = "",
) -> str:
    """The summary as it may be stored: one paragraph, its preamble dropped. `speakers` are the
    names the transcript used; `instructions` is the summariser's prompt, which it must not
    repeat. Raises InvalidSummary."""
    text = PREAMBLE.sub("", raw.strip(), count=1)
    if _transcript_form(text, speakers):
        raise InvalidSummary("transcript")
    text = " ".join(text.split())
    problem = summary_problem(
        text, max_tokens=max_tokens, speakers=speakers, instructions=instructions
    )
    if problem:
        raise InvalidSummary(problem)
    return text


def summary_problem(
    text: str, *, max_tokens: int, speakers: Iterable[str] = (), instructions: str = ""
) -> str | None:
    """Why a one-paragraph summary may not be used, or None. Also run on a stored summary
    before it goes into a prompt: one stored by an older version may be anything."""
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return "empty"
    if count_tokens(text) > max_tokens:
        return "too_long"
    if TO_THE_MODEL.search(text) or "<|" in text or "[INST]" in text:
        return "instructions"
    if instructions and _echoes(text, instructions):
        return "prompt_echo"
    if _loops(tokens):
        return "repetition"
    if _transcript_form(text, (*GENERIC_SPEAKERS, *speakers)):
        return "transcript"
    return None


def _transcript_form(text: str, speakers: Iterable[str]) -> bool:
    """Lines in the "Name: words" form, or a speaker's label anywhere in the text."""
    if LABELLED_LINE.search(text):
        return True
    names = [re.escape(s) for s in speakers if s.strip()]
    if not names:
        return False
    return re.search(rf"(?:^|\W)(?:{'|'.join(names)})\s*:\s", text, re.IGNORECASE) is not None


def _echoes(text: str, instructions: str) -> bool:
    return len(ngrams(text, ECHO_GRAM) & ngrams(instructions, ECHO_GRAM)) >= ECHO_LIMIT


def _loops(tokens: list[str]) -> bool:
    grams = Counter(tuple(tokens[i : i + LOOP_GRAM]) for i in range(len(tokens) - LOOP_GRAM + 1))
    return bool(grams) and max(grams.values()) >= LOOP_LIMIT
