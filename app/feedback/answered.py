"""Has the partner already said what the user is asking? The hollow-question model.

"How long have you been there?" after "Eleven years at Siemens this month", "Where are you based
these days?" four lines after "I moved to Bristol in the spring": a question whose answer the
partner has already given shows the user was not listening, whatever its words share with the
conversation. Both move models read such a question as a follow-up (it is on the partner's
subject, often in their words), and the hand-made answer-type signals (`features.WH_TYPES`) can
tell that a line holds *a* number, not that it holds *the* number asked for.

This model reads one line the partner said and the user's question together and gives the
probability that the line already answers it. It is all-MiniLM-L6-v2 fine-tuned as a
cross-encoder by `tools/finetune_answered.py` (development time only, with PyTorch) on
evals/data/answered/, written by independent writers: lines with the questions they answer and
questions on the same subject they do not ("how many are on the team?" against "how did you
find those six?"). It ships as int8 ONNX in `model/answered/` and runs with onnxruntime and
tokenizers; nothing is downloaded. `RAPPORT_ANSWERED=0` turns it off.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from app.nlp.pairs import pair_probabilities

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

HERE = Path(__file__).parent / "model" / "answered"
MAX_TOKENS = 160
LINES = 8  # the partner's most recent lines it reads: a practice conversation's worth


def tokenizer_from(path: Path) -> Tokenizer:
    """The tokenizer as training and inference both use it: unpadded, the longer of the line
    and the question cut first (a long line as a rule)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(MAX_TOKENS, strategy="longest_first")
    tokenizer.no_padding()
    return tokenizer


@dataclass(frozen=True)
class Said:
    """The line that already answers the question, the sentence of it that answers best (what
    a tip quotes), and how sure the model is."""

    line: str
    sentence: str
    probability: float


@dataclass(frozen=True)
class AnsweredModel:
    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer
    threshold: float  # at or above it, the line answers the question

    def probabilities(self, question: str, lines: Sequence[str]) -> NDArray[np.float32]:
        """How likely each line already answers the question, in one batch."""
        return pair_probabilities(
            self.session, self.tokenizer, [(line, question) for line in lines]
        )

    def said(self, question: str, partner_lines: Sequence[str]) -> Said | None:
        """The partner's recent line that already answers `question`, if one does."""
        lines = [line for line in partner_lines[-LINES:] if line.strip()]
        if not question.strip() or not lines:
            return None
        probs = self.probabilities(question, lines)
        best = int(np.argmax(probs))
        if float(probs[best]) < self.threshold or not _holds_kind(question, lines[best]):
            return None
        from app.feedback.text import split_light  # not at import: the trainer's venv lacks it

        parts = split_light(lines[best])
        sentence = lines[best]
        if len(parts) > 1:
            sentence = parts[int(np.argmax(self.probabilities(question, parts)))]
        return Said(lines[best], sentence, float(probs[best]))


def _holds_kind(question: str, line: str) -> bool:
    """Does the line hold an answer of the kind the question asks for (a number to "how many",
    a place to "where", a reason to "why")? The model alone reads a line on the question's
    subject as an answer to it ("Which campus?" to "We have two campuses"): on the dev batches
    it was wrong in 39 of 95 turns it changed at 0.8, and in 4 of 34 with this check."""
    from app.feedback.features import WH_TYPES  # not at import: the trainer's venv lacks it

    counted = _COUNTED.search(question)
    if counted:  # "How many people work the floor?" is not answered by "three warehouses"
        return _counts(line, [w for w in counted.groups() if w])
    kinds = [answer for _, asks, answer in WH_TYPES if asks.search(question)]
    kinds += [answer for asks, answer in _MORE_KINDS if asks.search(question)]
    return any(answer.search(line) for answer in kinds) or _states_it(question, line)


def asks_a_kind(question: str) -> bool:
    """Does the question ask for a kind of answer the check knows? "Been there long?" and
    "¿Y por qué Chile?" have no English question word and still ask; "Eleven years?" (a
    restatement, checking what was heard) asks for none."""
    from app.feedback.features import WH_TYPES

    return (
        any(asks.search(question) for _, asks, _ in WH_TYPES)
        or any(asks.search(question) for asks, _ in _MORE_KINDS)
        or _COUNTED.search(question) is not None
        or _WHATS_THE.search(question) is not None
    )


# the thing asked for, whole: "your dog's name" is not "your dog"
_WHATS_THE = re.compile(r"(?i)\bwhat(?:'s| is| are) (?:the|your) ((?:\w+ ){0,2}\w+)(?!['’\w])")


def _states_it(question: str, line: str) -> bool:
    """ "What's the biggest challenge for the team?" over "Our biggest challenge right now is
    on-call load": the line names the very thing asked for and says what it is."""
    asked = _WHATS_THE.search(question)
    if not asked:
        return False
    thing = re.escape(" ".join(asked.group(1).lower().split()[:2]))
    return (
        re.search(rf"(?i)\b(?:our|my|the|their) {thing}\b[^.?!]*\b(?:is|are|was)\b", line)
        is not None
    )


_NUMERAL = (
    r"(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"\w+teen|twenty|thirty|forty|fifty|sixty|ninety|a few|a couple of|several|"
    r"un|une|deux|trois|quatre|cinq|dix|uno|una|dos|tres|cuatro|cinco|diez|um|uma|"
    r"dois|duas|três|quatro|ein|eine|zwei|drei|vier|fünf|zehn)"
)
_SPAN = re.compile(  # "two minutes", "eleven years", "deux ans", "três meses", "zwei Jahre"
    rf"(?i)\b{_NUMERAL}\s+(?:minutes?|mins?|hours?|hrs?|seconds?|days?|weeks?|months?|years?|"
    r"yrs?|decades?|ans?|années?|mois|semaines?|jours?|años?|meses|mes|semanas?|días?|anos?|"
    r"dias?|jahren?|monaten?|wochen|tagen?)\b|\bsince (?:19|20)\d\d\b|\bjust (?:started|joined)\b"
)
_LEFT = re.compile(  # what makes "still X?" hollow: they said they left X or moved on
    r"(?i)\b(?:left|quit|moved|switched|retired|no longer|not \w+ any ?more|handed over)\b"
)
# Answer kinds the hollow check reads beyond `features.WH_TYPES` (which the learned analyzer
# takes as features, so it stays as trained): each is (what the question asks, what a line
# that answers it holds).
_MORE_KINDS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    # "How long does a decision take you?" "Two minutes." "Been there long?" "Eleven years."
    # "Et ça a pris combien de temps ?" "Deux ans." "E quanto tempo levou?" "Três meses."
    (
        re.compile(
            r"(?i)\bhow long\b|\b(?:been|there|here|company|job|role) (?:very |that |so )?long\b"
            r"|\bcombien de temps\b|\bquanto tempo\b|\bcu[aá]nto tiempo\b|\bwie lange\b"
        ),
        _SPAN,
    ),
    # "Are you still at Deloitte?" "I left Deloitte in March." "Still in Glasgow?" "I moved
    # to Dundee."
    (re.compile(r"(?i)\bstill\b[^?]*\?|\bstill \w+$"), _LEFT),
    # "Were you always a manager?" "I was an engineer on the arm team before that."
    (
        re.compile(r"(?i)\b(?:were|was|have) (?:you|she|he|they) (?:always|ever)\b"),
        re.compile(r"(?i)\bbefore (?:that|this)\b|\b(?:i|she|he|they) (?:was|were) an? \w+"),
    ),
    # "What brought you back?" "I came back because the new CEO rebuilt the data team."
    # "¿Y por qué Chile?" "...porque a mi esposa le salió un puesto."
    (
        re.compile(r"(?i)\bwhat brought\b|\bpor ?qu[eé]\b|\bpourquoi\b|\bwarum\b|\bwieso\b"),
        re.compile(r"(?i)\b(?:because|since|porque|parce que|weil|so I|for my)\b"),
    ),
    # "What are you doing these days?" "I'm doing product at a climate startup."
    (
        re.compile(r"(?i)\bwhat (?:are|is) (?:you|she|he|they) (?:doing|up to)\b"),
        re.compile(r"(?i)\b(?:i'm|i am|she's|he's|they're) (?:doing|working|at|running|now)\b"),
    ),
    # "Where do you work?" "I'm at the Gates Foundation."
    (
        re.compile(r"(?i)\bwhere (?:do|does) (?:you|she|he|they) work\b"),
        re.compile(r"(?i)\b(?:i'm|i am|i work|she's|he's|they're) (?:at|for|with|in)\b"),
    ),
    # "How did it go?" "It went badly."
    (
        re.compile(r"(?i)\bhow did (?:it|that|the \w+) go\b"),
        re.compile(r"(?i)\bwent (?:\w+ )?(?:well|badly|fine|great|ok|okay|terribly|wrong)\b"),
    ),
)

# "how many people", "how many of your deals": what is being counted.
_COUNTED = re.compile(r"(?i)\bhow many (?:of (?:your|the|those|these|them) )?(\w+)(?: (\w+))?")
_NUMBER = re.compile(
    r"(?i)^(?:\d[\d,.]*k?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"\w+teen|\w+ty|hundred|thousand|dozen|few|couple)$"
)


def _counts(line: str, things: list[str]) -> bool:
    """Does the line give a number of one of `things` (the two words after "how many": "six
    people", "twelve retreats")? The counted word may follow the number by a word or two."""
    from app.feedback.text import stem, words

    targets = {stem(t.lower()) for t in things}
    tokens = words(line)
    for i, token in enumerate(tokens):
        if _NUMBER.match(token) and any(stem(t) in targets for t in tokens[i + 1 : i + 4]):
            return True
    return False


def load(folder: Path = HERE) -> AnsweredModel | None:
    """The shipped model, or None when its files are not there (no question is called hollow
    by it)."""
    meta_path = folder / "meta.json"
    if not (meta_path.is_file() and (folder / "model.onnx").is_file()):
        return None
    from app.nlp.threads import onnx_session

    meta = json.loads(meta_path.read_text())
    return AnsweredModel(
        session=onnx_session(folder / "model.onnx"),
        tokenizer=tokenizer_from(folder / "tokenizer.json"),
        threshold=float(meta["threshold"]),
    )


@lru_cache(maxsize=1)
def model() -> AnsweredModel | None:
    """The shipped model, unless `RAPPORT_ANSWERED=0` turns it off."""
    if os.environ.get("RAPPORT_ANSWERED", "1") == "0":
        return None
    return load()
