"""The user's own words, turned to face them: "I'm building a tool for clinics" -> "you're
building a tool for clinics". A persona reacting to an answer names what was said."""

from __future__ import annotations

import re

# First person to second, word by word ("me" and "my" after a verb are the user too).
SWAP = {
    "i": "you", "i'm": "you're", "im": "you're", "i've": "you've", "i'd": "you'd",
    "i'll": "you'll", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "we": "you", "we're": "you're", "we've": "you've", "we'd": "you'd", "we'll": "you'll",
    "us": "you", "our": "your", "ours": "yours", "am": "are",
}  # fmt: skip
FILLER = re.compile(
    r"^(?:(?:oh|well|so|honestly|actually|yeah|yes|hmm|um|uh|ha|haha|okay|ok|right|sure|"
    r"good question|great question|funny you ask|to be honest|i mean|i guess|i think|"
    r"probably|maybe|perhaps|i'd say|i suppose|"
    r"because|since|cause|'cause|well yes|yes and|and)[,.!]?\s+)+",
    re.IGNORECASE,
)
CLAUSE_END = re.compile(
    r"\s*(?:[,;:()\u2014]|\s-\s|\.\s|\band\s+(?:it|that|i|we)\b|\bbut\b|\bwhich\b)",
    re.IGNORECASE,  # "... and I've never met them" ends the clause as "and i" would
)
WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?|[^\sA-Za-z0-9]")
MIN_WORDS, MAX_WORDS = 3, 12
SUBJECTS = frozenset({"i", "i'm", "im", "i've", "i'd", "i'll", "we", "we're", "we've", "my", "our"})
LOWER_FIRST = frozenset(
    re.findall(
        r"[\w']+",
        """that that's this it it's the a an you you're you've you'd your we our my there
        there's so just mostly still really actually both all most some when after before
        then also not no yes well honestly now currently lately better worse pretty quite
        kind sort lots much more less fine good great long busy tired glad happy nervous
        excited""",
    )
)
# Words that open an answer and are never names: prepositions, adverbs, conjunctions.
COMMON_STARTS = frozenset(
    re.findall(
        r"[\w']+",
        """by with from for in on at to into through after before during since until over under
        mostly mainly usually sometimes often always never probably maybe definitely basically
        working building doing running trying looking leading helping writing teaching
        because although though while if unless once when where how what""",
    )
)
# Saying sorry or what one meant manages the talk; it tells nothing about the user ("Sorry, I
# was being flippant earlier" is no answer to react to: "You were being flippant? I like that").
MANAGING = re.compile(
    r"(?i)^(?:sorry|apologies|my bad|oops|pardon|excuse me)\b|"
    r"\bi (?:was|am|'m|wasn't) (?:just |only )?(?:being|kidding|joking|teasing)\b|"
    r"\b(?:i|what i) meant\b|\bi misspoke\b"
)
# An answer's yes or no and the words around it: "I did, yes", "I have, definitely".
CONTENT_FREE = SUBJECTS | frozenset(
    re.findall(
        r"[\w']+",
        """am is are was were do did does have has had will would can could should yes no
        yeah yep nope not too also definitely really sure indeed absolutely course of it that
        so think guess mean""",
    )
)
# An answer's bare yes before what it tells: "I was, yeah,", "I did, yes,", "We have, honestly,".
YES_FIRST = re.compile(
    r"(?i)^(?:i|we)\s+(?:was|were|am|did|do|have|had|will|would|can)(?:n't)?,\s+"
    r"(?:(?:yeah|yes|yep|definitely|absolutely|totally|honestly|actually|sure|indeed),\s+)*"
)
# Words about the persona: "you'd be my first" (to "Do you work with other distributors?") says
# something of them, and turned round it came out as "you'd be your first" (session 23).
ABOUT_YOU = frozenset(
    {"you", "your", "you're", "yours", "you'd", "you've", "you'll", "yourself", "thanks", "thank",
     "appreciate"}
)  # fmt: skip


def echo(message: str) -> str | None:
    """The first thing the user said about themselves, in the second person, or None when
    their words do not make a short phrase (a question, one word, a long ramble)."""
    statements = [s for s in re.split(r"(?<=[.!?])\s+", message.strip()) if s and "?" not in s]
    # "Yes, I was! I'm an SRE at a bank." names something in its second sentence.
    return next(filter(None, map(_echo_one, statements)), None)


def _echo_one(statement: str) -> str | None:
    if MANAGING.search(statement):
        return None
    clause = FILLER.sub("", statement).strip()
    cut = CLAUSE_END.search(clause, pos=min(len(clause), 12))
    if cut is not None:
        clause = clause[: cut.start()]
    clause = clause.rstrip(" .!")
    words = clause.split()
    # "A bit, I mentor two juniors": what comes before the subject and a comma is an aside.
    # "I was, I work in payments": a bare "I was" before it is the answer's yes.
    subject = next(
        (i for i, w in enumerate(words) if _bare(w) in SUBJECTS and i and words[i - 1][-1] == ","),
        0,
    )
    if 0 < subject <= 3:
        words = words[subject:]
    # "I was, yeah, the bit about the reviews got me thinking": the yes before the news goes.
    yes = YES_FIRST.match(" ".join(words))
    if yes and len(words) - len(yes.group(0).split()) >= MIN_WORDS:
        words = words[len(yes.group(0).split()) :]
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return None
    if any(w.lower().strip(",.") in ABOUT_YOU for w in words):
        return None  # "I appreciate you sharing that" is about the persona, not an answer
    if not any(_bare(w) in SUBJECTS for w in words):
        return None  # no first-person subject: "tell me more" says nothing about them
    if sum(_bare(w) not in CONTENT_FREE for w in words) < 2:
        return None  # "I did, yes" answers; it names nothing to say back
    swapped = [_swap(w) for w in words]
    # "I was" is "you were"; "my mum was" stays "your mum was".
    swapped = [
        w.lower().replace("was", "were") if _bare(w) == "was" and i and _bare(words[i - 1]) == "i"
        else w
        for i, w in enumerate(swapped)
    ]  # fmt: skip
    # The echo goes mid-sentence ("Oh, that's not the path you'd have guessed?"): a capital
    # that only started the user's sentence goes; a name or "I"-less proper noun stays.
    if swapped[0][1:2].islower() and _bare(swapped[0]) in LOWER_FIRST | COMMON_STARTS:
        swapped[0] = swapped[0][0].lower() + swapped[0][1:]
    return " ".join(swapped)


def _bare(word: str) -> str:
    return word.lower().replace("\u2019", "'").strip(",.")


def _swap(word: str) -> str:
    bare = word.lower().replace("\u2019", "'").strip(",.")
    swapped = SWAP.get(bare)
    return word if swapped is None else swapped
