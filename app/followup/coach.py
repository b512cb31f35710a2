"""Feedback on one follow-up note: the four labels with quoted evidence, `good`, and one
concrete rewrite that names something the partner really said. Pure.

The labels come from the learned model when it ships (`model.py`), else from the rules below;
either way the evidence is the rules' spans, each an exact substring of the note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.feedback.text import content_stems, split_light, words
from app.followup import model as note_model
from app.followup.notes import (
    FEATURES,
    LENGTH_RANGE,
    Detail,
    NoteContext,
    NoteEvidence,
    evidence,
    features,
)

MAX_NOTE = 6000  # characters: a pasted CV is judged too long, a book is refused
REQUEST_OFFER_WORDS = 0.3  # an ask that echoes this much of the offer takes it up


@dataclass(frozen=True)
class Labels:
    specific: bool
    thanks: str  # fine | grovelling | missing
    ask: str  # none | fine | unclear | too_many | too_big
    length: str  # fine | too_long | too_short

    @property
    def good(self) -> bool:
        """The guide's definition, exactly."""
        return (
            self.specific
            and self.thanks == "fine"
            and self.ask in {"none", "fine"}
            and self.length == "fine"
        )


def label(found: NoteEvidence, context: NoteContext) -> tuple[Labels, str]:
    """The labels, and which decided them: "model" or "rules"."""
    learned = note_model.load()
    if learned is None or learned.features != FEATURES:
        return decide_by_rules(found, context), "rules"
    got = learned.predict(features(found, context))
    return (
        Labels(
            specific=got["specific"][0] == "true",
            thanks=got["thanks"][0],
            ask=got["ask"][0],
            length=got["length"][0],
        ),
        "model",
    )


def decide_by_rules(found: NoteEvidence, context: NoteContext) -> Labels:
    low, high = LENGTH_RANGE[context.channel]
    specific = bool(found.details) and not found.wrong_details
    if found.grovelling:
        thanks = "grovelling"
    elif not found.thanks and not found.warmth:
        thanks = "missing"
    else:
        thanks = "fine"
    length = "too_short" if found.word_count < low / 2 else "fine"
    if found.word_count > high * 1.25:
        length = "too_long"
    return Labels(specific, thanks, _ask_by_rules(found, context), length)


def _ask_by_rules(found: NoteEvidence, context: NoteContext) -> str:
    asks = len(found.requests)
    takes_offer = found.request_offer_words >= REQUEST_OFFER_WORDS or bool(found.takes_up)
    if asks >= 2 or found.request_markers >= 3:  # "Could you X, Y and Z?" is three asks
        return "too_many"
    if found.big and not (context.offered and takes_offer):
        return "too_big"
    if found.vague:
        return "unclear"
    if asks == 1 or (context.offered and found.takes_up):
        return "fine"
    return "none"


def coach_note(note: str, context: NoteContext) -> dict[str, Any]:
    """The feedback object of POST /v1/notes/analyze and of a conversation's note."""
    found = evidence(note, context)
    labels, decided_by = label(found, context)
    low, high = LENGTH_RANGE[context.channel]
    return {
        "good": labels.good,
        "specific": {
            "value": labels.specific,
            "comment": _specific_comment(labels, found),
            "evidence": _spans(note, [d.span for d in found.details + found.wrong_details]),
            "details": [_detail_json(note, d) for d in found.details + found.wrong_details],
        },
        "thanks": {
            "value": labels.thanks,
            "comment": _THANKS_COMMENT[labels.thanks],
            "evidence": _spans(note, found.grovelling or found.thanks or found.warmth),
        },
        "ask": {
            "value": labels.ask,
            "comment": _ask_comment(labels, context),
            "evidence": _spans(note, found.requests or found.takes_up),
        },
        "length": {
            "value": labels.length,
            "comment": _length_comment(labels, found.word_count, low, high),
            "words": found.word_count,
            "range": [low, high],
        },
        "rewrite": rewrite(note, labels, found, context),
        "decided_by": decided_by,
    }


def _detail_json(note: str, detail: Detail) -> dict[str, Any]:
    span = _spans(note, [detail.span])
    return {"text": detail.span, "start": span[0]["start"] if span else None,
            "revealed": detail.revealed, "wrong": detail.wrong}  # fmt: skip


def _spans(note: str, pieces: list[str]) -> list[dict[str, Any]]:
    out, seen = [], set()
    for piece in pieces:
        at = note.find(piece)
        if at >= 0 and piece not in seen:
            seen.add(piece)
            out.append({"text": piece, "start": at})
    return out


def _specific_comment(labels: Labels, found: NoteEvidence) -> str:
    if found.wrong_details:
        return f"A detail is not what they said: {found.wrong_details[0].wrong}."
    if labels.specific:
        return "It names something they actually told you."
    return "Nothing in it shows you listened: name one thing they told you."


_THANKS_COMMENT = {
    "fine": "A brief, genuine thank-you (or a warm opening).",
    "grovelling": "Too much gratitude or apology: one plain thank-you reads as more confident.",
    "missing": "It goes straight to business: open with a line of thanks or warmth.",
}


def _ask_comment(labels: Labels, context: NoteContext) -> str:
    if labels.ask == "fine":
        return "One clear, small ask the conversation earned."
    if labels.ask == "none":
        if context.offered and context.ended == "warm":
            return "No ask: fine, though they offered something you could take up."
        return "No ask, which suits how the conversation went."
    if labels.ask == "unclear":
        return "The ask is vague: say exactly what you would like, so they can say yes."
    if labels.ask == "too_many":
        return "More than one ask: keep the one they offered or the smallest."
    if context.offered:
        return "That ask goes beyond what they offered: take up the offer instead."
    return "The conversation did not earn that ask yet: thank them and keep in touch instead."


def _length_comment(labels: Labels, count: int, low: int, high: int) -> str:
    if labels.length == "too_long":
        return f"{_words(count)}: cut it to what they need, about {low}-{high} words."
    if labels.length == "too_short":
        return f"{_words(count)}: too little to remember you by; add what you took from it."
    return f"{_words(count)}: readable in under a minute."


# --- the rewrite -----------------------------------------------------------------------------

_THIRD = {
    "he": "you", "she": "you", "his": "your", "her": "your", "him": "you", "hers": "yours",
    "himself": "yourself", "herself": "yourself", "he's": "you're", "she's": "you're",
    "he'd": "you'd", "she'd": "you'd", "he'll": "you'll", "she'll": "you'll",
}  # fmt: skip
_VERB_AFTER = {"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't",
               "isn't": "aren't", "wasn't": "weren't", "hasn't": "haven't"}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z']+|[^A-Za-z']+")


def second_person(text: str) -> str:
    """A third-person summary turned to face them: "she swears by one-page PRDs" -> "you swear
    by one-page PRDs"."""
    out: list[str] = []
    after_subject = False
    for token in _TOKEN.findall(text):
        low = token.lower()
        if not token.strip() or not token[0].isalpha():
            out.append(token)
            continue
        if after_subject:
            token = _VERB_AFTER.get(low) or _bare_verb(token)
            after_subject = False
        elif low in _THIRD:
            after_subject = low in {"he", "she"}
            token = _THIRD[low]
        out.append(token)
    return "".join(out)


def _bare_verb(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(?:ss|sh|ch|x|o)es$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def detail_phrase(line: str) -> str:
    """How a note can name what they said: a third-person summary turned to "you"; the
    persona's own words quoted (its shortest telling sentence)."""
    if re.match(r"(?i)^(?:he|she|his|her|they|their)\b", line.strip()):
        return f"how {second_person(line.strip().rstrip('.'))}"
    sentences = [s for s in split_light(line) if 6 <= len(words(s)) <= 25 and "?" not in s]
    # The sentence that says the most (content words), not a lead-in ("Okay, I'll tell you").
    quote = max(sentences or [line], key=lambda s: len(content_stems(s))).strip().rstrip(".!")
    return f'what you said, "{quote}"'


def _pick_detail(found: NoteEvidence, context: NoteContext) -> str | None:
    if found.wrong_details:
        return found.wrong_details[0].revealed
    if found.details:
        return found.details[0].revealed
    return context.revealed[0] if context.revealed else None


def rewrite(note: str, labels: Labels, found: NoteEvidence, context: NoteContext) -> dict[str, Any]:
    """One concrete change, for the note's biggest problem, naming a real detail."""
    line = _pick_detail(found, context)
    if line is None:  # they told nothing the note could name: keep it short and warm
        asks = found.big or found.requests
        return _change(
            asks[0] if asks else None,
            "Thank you for your time yesterday; I hope the rest of your day went well.",
            "They shared nothing you can name yet: a short, warm note with no ask.",
        )
    detail = detail_phrase(line)
    mention = f"I keep thinking about {detail}"
    offer = f"take up what they offered ({context.offered})" if context.offered else None
    thanks = "Thanks again for the conversation yesterday."
    if found.wrong_details:
        bad = found.wrong_details[0]
        return _change(bad.span, f"{mention}.", f"Get the detail right: {bad.wrong}.")
    if not labels.specific:
        generic = next((s for s in found.sentences if s in found.warmth), None)
        return _change(generic, f"{thanks} {mention}.", "Name one thing they told you.")
    if labels.thanks == "grovelling":
        sentence = next((s for s in found.sentences if any(g in s for g in found.grovelling)), None)
        return _change(sentence, f"{thanks} {mention}.", "One plain thank-you is enough.")
    if labels.ask in {"too_many", "too_big", "unclear"}:
        asks = found.big or found.vague or found.requests[1:] or found.requests
        target = asks[0] if asks else None
        if offer:
            text = f"{mention}. As you offered, I'd be glad to {_offer_ask(context.offered)}."
            return _change(target, text, f"Keep one small ask: {offer}.")
        if context.ended == "warm":
            text = f"{mention}; would you have twenty minutes for a coffee in the next few weeks?"
            return _change(target, text, "Ask for one small, concrete next step.")
        return _change(target, f"{mention}. All the best with it.", "Nothing was offered: no ask.")
    if labels.thanks == "missing":
        return _change(None, f"{thanks} {mention}.", "Open with a line of thanks.")
    if labels.length == "too_long":
        return _change(None, f"{thanks} {mention}.", "Cut it to three sentences: thanks, one "
                       "detail, one ask or a good wish.")  # fmt: skip
    if labels.length == "too_short":
        return _change(note.strip() or None, f"{thanks} {mention}.", "Add what you took from it.")
    if labels.ask == "none" and offer and context.ended == "warm":
        text = f"As you offered, I'd be glad to {_offer_ask(context.offered)}."
        return _change(None, text, f"Optional: {offer}.")
    return _change(None, f"{mention}.", "Already good; this keeps it personal.")


def _offer_ask(offered: str | None) -> str:
    text = (offered or "").strip().rstrip(".")
    text = re.sub(r"(?i)^(?:he|she|they)\s+(?:said|offered|agreed)\s+(?:to\s+|that\s+)?", "", text)
    return "take you up on it: " + second_person(text[:1].lower() + text[1:])


def _change(instead_of: str | None, text: str, why: str) -> dict[str, Any]:
    return {"instead_of": instead_of, "write": text, "why": why}


def _words(count: int) -> str:
    return "1 word" if count == 1 else f"{count} words"
