"""The listening recall check: "What did you learn about Priya?", answered in free text after
the conversation, scored against what the persona actually revealed in it. Pure.

The answer is cut into claims (sentences, and clauses joined by "and she", "; ", ...). Each
claim is matched by meaning and shared words to the revealed lines (`matching.Similarity`):
- recalled: it says what a revealed line said;
- misremembered: it is about a revealed line but states a number or a name that contradicts it
  ("six years" where she said four, "Oakland" where she said Sacramento);
- also true: it is true but not one of the revealed lines (the persona's public profile, its
  opening, an aside);
- invented: it matches nothing the persona said; impressions ("she was lovely") are neither.
The score rewards covering what was revealed (up to `TARGET` lines, hooks weighing more: they
were earned) and takes points off for each detail misremembered or invented.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.feedback.text import content_stems, sentences
from app.followup.matching import (
    Corpus,
    Facts,
    Rarity,
    Similarity,
    contradiction,
    names,
    numbers,
)
from app.followup.revealed import Revealed

TARGET = 4.0  # revealed lines to recall for full marks (a real listener keeps a few, not all)
WEIGHTS = {"hook": 1.5, "offer": 1.0, "fact": 1.0, "deeper": 1.0, "said": 1.0}
MISREMEMBERED_PENALTY = 15
INVENTED_PENALTY = 10
# Calibrated on hand-written claims about the seed personas' lines (tests/followup): a claim
# matches a line at a combined score of MATCH, or when its words alone overlap strongly.
SAME_MEANING = 0.5
MATCH = 0.42
STRONG_WORDS = 0.6
LOOSE_MEANING = 0.35  # with a number or a name at odds, a looser match says "the same thing"
BACKGROUND = 0.45
MIN_CLAIM_STEMS = 2
MAX_ANSWER = 4000

_CLAUSE = re.compile(
    r"""(?ix)
    \s*;\s*
    | ,\s+and\s+(?=\w+(?:\s+\w+){2})
    | ,?\s+(?:and|but|also|plus|then)\s+(?=(?:she|he|they|her|his|their|it|there)\b)
    | ,\s+(?=(?:she|he|they|her|his|their)\b)
    | ,?\s+and\s+(?=(?:is|was|has|had|used|runs|ran|lives|lived|works|worked|loves|hates
        |wants|needs|plans|thinks|spent|took|left|moved|started|built|builds|keeps)\b)
    """
)
_IMPRESSION = re.compile(
    r"""(?ix)^(?:she|he|they)\s+(?:is|was|were|are|seemed|seems|came\s+across\s+as)\s+
    (?:really\s+|very\s+|so\s+|super\s+|quite\s+|pretty\s+)?
    (?:nice|lovely|friendly|great|kind|warm|busy|cool|helpful|smart|funny|approachable|open
    |easy\s+to\s+talk\s+to|interesting|passionate|tired|direct)\b[^,;]{0,30}$
    | ^(?:i\s+(?:really\s+)?(?:liked|enjoyed)|it\s+was\s+(?:a\s+)?(?:nice|great|good|fun))\b"""
)
_LEAD = re.compile(r"(?i)^(?:and|but|also|plus|so|that|i\s+learned\s+that|i\s+learnt\s+that)\s+")


@dataclass(frozen=True, slots=True)
class Claim:
    text: str  # exactly as the learner wrote it (a substring of the answer)
    verdict: str  # recalled | misremembered | also_true | invented | impression
    item: Revealed | None = None
    detail: str | None = None  # what was remembered wrong, for a misremembered claim
    # Other lines a recalled claim names as well ("her tool, and its three questions"): one
    # sentence of a recall often carries two things the partner said in different messages.
    also: tuple[Revealed, ...] = ()

    def recalls(self) -> tuple[Revealed, ...]:
        if self.verdict != "recalled" or self.item is None:
            return ()
        return (self.item, *self.also)


@dataclass
class RecallResult:
    answer: str
    score: int
    claims: list[Claim]
    revealed: list[Revealed]
    missed: list[Revealed] = field(default_factory=list)
    summary: str = ""
    tip: str = ""

    def to_json(self) -> dict[str, object]:
        by = {v: [c for c in self.claims if c.verdict == v] for v in _VERDICTS}
        return {
            "answer": self.answer,
            "score": self.score,
            "revealed_count": len(self.revealed),
            "recalled": [
                {**_pair(c), "also_revealed": [r.to_json() for r in c.also]} for c in by["recalled"]
            ],
            "missed": [r.to_json() for r in self.missed],
            "misremembered": [{**_pair(c), "detail": c.detail} for c in by["misremembered"]],
            "invented": [{"claim": c.text} for c in by["invented"]],
            "also_true": [{"claim": c.text} for c in by["also_true"]],
            "summary": self.summary,
            "tip": self.tip,
        }


_VERDICTS = ("recalled", "misremembered", "also_true", "invented", "impression")


def _pair(claim: Claim) -> dict[str, object]:
    return {"claim": claim.text, "revealed": claim.item.to_json() if claim.item else None}


def claims(answer: str) -> list[str]:
    """The answer's claims, each an exact substring of it."""
    found: list[str] = []
    for sentence in sentences(answer):
        cursor = 0
        for match in [*_CLAUSE.finditer(sentence), None]:
            end = match.start() if match else len(sentence)
            piece = sentence[cursor:end].strip(" ,.;:!-–—•*\t")
            cursor = match.end() if match else end
            piece = _LEAD.sub("", piece).strip()
            if piece and _says_something(piece):
                found.append(piece)
    return found


def _says_something(piece: str) -> bool:
    """Two content words, or a name or a number: "Not much, to be honest" claims nothing."""
    stems = content_stems(piece)
    return len(stems) >= MIN_CLAIM_STEMS or bool(stems and (names(piece) or numbers(piece)))


def check_recall(
    answer: str,
    items: Sequence[Revealed],
    background: Sequence[str],
    *,
    partner: str,
    learner_name: str | None = None,
) -> RecallResult:
    """Score `answer` against the revealed `items`; `background` is what the learner knew
    without listening (profile, opening), `partner` the persona's name."""
    said = [i.text for i in items]
    rarity = Rarity(said)  # rare among the things revealed, not among its repeats
    corpus, known = Corpus(said, rarity), Corpus(list(background), rarity)
    facts = Facts.of([*said, *background, partner, learner_name or ""])
    judged = [_judge(text, items, corpus, known, facts) for text in claims(answer)]
    recalled_items = {id(item) for c in judged for item in c.recalls()}
    missed = [i for i in items if id(i) not in recalled_items]
    result = RecallResult(answer, 0, judged, list(items), missed)
    result.score = _score(result)
    result.summary, result.tip = _summary(result, partner), _tip(result, partner)
    return result


def _judge(
    text: str,
    items: Sequence[Revealed],
    corpus: Corpus,
    known: Corpus,
    facts: Facts,
) -> Claim:
    if _IMPRESSION.search(text):
        return Claim(text, "impression")
    sims = corpus.similarities(text)
    order = sorted(range(len(sims)), key=lambda i: -sims[i].score)
    for position, i in enumerate(order[:3]):
        wrong = contradiction(text, items[i].text, facts)
        if _matches(sims[i], loose=wrong is not None):
            if wrong:
                return Claim(text, "misremembered", items[i], wrong)
            if position == 0:
                return Claim(
                    text,
                    "recalled",
                    items[i],
                    also=_also(text, i, order, sims, items, corpus, facts),
                )
    other = known.similarities(text)
    close = [i for i in range(len(other)) if _matches(other[i]) or other[i].meaning >= BACKGROUND]
    for i in sorted(close, key=lambda i: -other[i].score):
        wrong = contradiction(text, known.texts[i], facts)
        if wrong:
            return Claim(text, "misremembered", None, wrong)
        # The whole message it matches said a revealed line: a claim that sums up the message
        # recalls the line of it that it is closest to.
        inside = [j for j, item in enumerate(items) if item.text in known.texts[i]]
        best = max(inside, key=lambda j: sims[j].score, default=None)
        if best is not None and sims[best].meaning >= LOOSE_MEANING - 0.05:
            return Claim(text, "recalled", items[best])
    return Claim(text, "also_true") if close else Claim(text, "invented")


def _also(
    text: str,
    first: int,
    order: list[int],
    sims: list[Similarity],
    items: Sequence[Revealed],
    corpus: Corpus,
    facts: Facts,
) -> tuple[Revealed, ...]:
    """The other lines a recalled claim names as strictly as its first, when they say something
    else: a line that says the first one again ("I was a chemistry teacher" and, later,
    "Chemistry teacher, public school") is one thing remembered, not two."""
    candidates = [j for j in order[1:3] if _matches(sims[j])]
    if not candidates:
        return ()
    alike = corpus.similarities(items[first].text)  # the items' own vectors, embedded once
    return tuple(
        items[j]
        for j in candidates
        if alike[j].meaning < SAME_MEANING and not contradiction(text, items[j].text, facts)
    )


def _matches(sim: Similarity, *, loose: bool = False) -> bool:
    if loose:
        return sim.meaning >= LOOSE_MEANING or (sim.shared >= 1 and sim.meaning >= 0.3)
    if sim.meaning >= SAME_MEANING:
        return True
    if sim.shared >= 2 and (sim.score >= MATCH or sim.words >= STRONG_WORDS):
        return True
    # A paraphrase the embeddings only half see, anchored by a word only that line used.
    return sim.meaning >= LOOSE_MEANING and sim.rare_shared >= 1


def _score(result: RecallResult) -> int:
    recalled = {id(item): item for c in result.claims for item in c.recalls()}
    points = sum(WEIGHTS[i.kind] for i in recalled.values())
    available = sum(WEIGHTS[i.kind] for i in result.revealed)
    target = min(TARGET, available)
    coverage = min(1.0, points / target) if target else 0.0
    wrong = sum(c.verdict == "misremembered" for c in result.claims)
    invented = sum(c.verdict == "invented" for c in result.claims)
    raw = 100 * coverage - MISREMEMBERED_PENALTY * wrong - INVENTED_PENALTY * invented
    return max(0, min(100, round(raw)))


def _count(result: RecallResult, verdict: str) -> int:
    return sum(c.verdict == verdict for c in result.claims)


def _summary(result: RecallResult, partner: str) -> str:
    first = partner.split()[0] if partner else "they"
    if not result.revealed:
        return f"{first} did not get to tell you much in this conversation."
    recalled = len({id(item) for c in result.claims for item in c.recalls()})
    parts = [f"You recalled {recalled} of the {len(result.revealed)} things {first} told you"]
    if wrong := _count(result, "misremembered"):
        parts.append(f"remembered {wrong} detail{'s' if wrong > 1 else ''} wrong")
    if invented := _count(result, "invented"):
        parts.append(f"added {invented} thing{'s' if invented > 1 else ''} {first} never said")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] + "."


def _tip(result: RecallResult, partner: str) -> str:
    first = partner.split()[0] if partner else "they"
    wrong = next((c for c in result.claims if c.verdict == "misremembered"), None)
    if wrong and wrong.detail:
        return f"Check the details before you use them: you wrote {wrong.detail}."
    if _count(result, "invented"):
        return f"Keep to what {first} actually said; a follow-up built on a guess rings false."
    hooks = [m for m in result.missed if m.kind == "hook"]
    if hooks:
        return f'You missed what {first} told you only once trust was there: "{hooks[0].text}"'
    if result.missed:
        return f'One thing to remember next time: "{result.missed[0].text}"'
    if not result.revealed:
        return (
            f"{first} told you little this time: next time ask about their work and listen for "
            "one detail worth remembering."
        )
    return f"You kept everything {first} told you; mention one of it in your follow-up note."
