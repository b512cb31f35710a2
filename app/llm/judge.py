"""The optional LLM feedback judge (RAPPORT_FEEDBACK_JUDGE=llm).

The model answers the same feedback schema through structured output, and its verdict is merged
with the local analyzer's by rules a weak judge cannot wreck (issue 17: a small model called
"How did you end up in recruiting?" dismissive, scored it 44 and tipped "You're doing great,
Alex!"). See `merge`. The judge runs beside the persona's reply, so it may never cost the user a
turn: on timeout, error, a busy endpoint or an unusable answer the local feedback stands.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from app.errors import LLMUnavailable
from app.feedback.scoring import genuine_interest
from app.feedback.types import NEGATIVE_MOVES, POSITIVE_MOVES, Evidence, Feedback, Move, Utterance
from app.llm.client import LLMClient
from app.llm.metrics import JUDGE_FALLBACKS
from app.llm.prompts import PromptLibrary
from app.llm.tokens import truncate_to_tokens

log = logging.getLogger(__name__)

HISTORY_LINES = 6  # the judge needs what the partner just said, not the whole conversation
HISTORY_LINE_TOKENS = 200
# The most the judge moves the analyzer's score: enough to separate two messages the analyzer
# scored alike, not enough to turn a good turn into a bad one.
MAX_SCORE_SHIFT = 10
VOCABULARY = {move.value: move for move in Move}
QUOTE_CHARS = " \t\n\"'“”‘’…."


def judge_schema() -> dict[str, Any]:
    """The Feedback schema as the model sees it; parsed leniently by `merge` on the way back.

    A dict rather than the pydantic class, so one out-of-vocabulary move does not throw the
    whole verdict away.
    """
    schema = Feedback.model_json_schema()
    schema["description"] = "Feedback on one user message: did it show genuine interest?"
    return schema


class FeedbackJudge:
    def __init__(
        self, client: LLMClient, prompts: PromptLibrary, *, timeout: float | None = None
    ) -> None:
        self.client = client
        self.prompts = prompts
        # The turn waits for the judge only as long as it would wait for the model anyway.
        self.timeout = timeout if timeout is not None else client.timeout
        self.schema = judge_schema()

    async def judge(
        self,
        message: str,
        history: Sequence[Utterance],
        local: Feedback,
        *,
        partner_name: str = "Partner",
    ) -> Feedback:
        """The merged verdict, or `local` unchanged when the judge cannot give one in time."""
        try:
            async with asyncio.timeout(self.timeout):
                raw, _usage = await self.client.structured(
                    self.messages(message, history, partner_name),
                    self.schema,
                    max_tokens=self.client.budgets.judge_max_tokens,
                    # Beside a reply on a one-slot server, the verdict would make the reply wait.
                    background=True,
                )
        except (LLMUnavailable, TimeoutError) as exc:
            reason = "timeout" if isinstance(exc, TimeoutError) else "error"
            if isinstance(exc, LLMUnavailable) and exc.extra.get("cause") == "Busy":
                reason = "busy"  # the endpoint's slots were wanted for replies
            JUDGE_FALLBACKS.labels(reason=reason).inc()
            log.warning("feedback judge %s, keeping local feedback", reason)
            return local
        try:
            return merge(message, local, raw)
        except (TypeError, ValueError) as exc:
            JUDGE_FALLBACKS.labels(reason="unusable").inc()
            log.warning("feedback judge answer unusable, keeping local feedback: %s", exc)
            return local

    def messages(
        self, message: str, history: Sequence[Utterance], partner_name: str
    ) -> list[BaseMessage]:
        lines = [
            {
                "speaker": partner_name if u.role == "persona" else "User",
                "content": truncate_to_tokens(" ".join(u.content.split()), HISTORY_LINE_TOKENS),
            }
            for u in history[-HISTORY_LINES:]
        ]
        user = self.prompts.render(
            "judge_user", history=lines, message=message, partner_name=partner_name
        )
        return [SystemMessage(self.prompts.render("judge_system")), HumanMessage(user)]


def merge(message: str, local: Feedback, raw: Any) -> Feedback:
    """The analyzer's verdict, which the judge may add to but not overturn.

    - Moves: the analyzer's stand. The judge may add a move the analyzer missed only with a
      quote of the user's own words for it, and never a negative move to a message the
      analyzer found genuinely interested (nor a positive one to words the analyzer quoted for
      a negative move). Genuine interest follows from the merged moves, by the analyzer's rule.
    - Evidence: the analyzer's, plus the judge's quotes for the moves it added; a quote that is
      not in the message is dropped.
    - Score: the analyzer's, moved towards the judge's by at most MAX_SCORE_SHIFT points.
    - Tip: the analyzer's, written from the persona's own follow-up lines.
    """
    if not isinstance(raw, dict):
        raise TypeError(f"judge answered {type(raw).__name__}, not an object")
    quotes = _evidence(raw.get("evidence"), _moves(raw.get("moves")), message)
    added = [e for e in quotes if _may_add(e, local)]
    added = list({e.move: e for e in added}.values())  # one quote per added move
    moves = [*local.moves, *(e.move for e in added)]
    return Feedback(
        genuine_interest=genuine_interest(moves) if added else local.genuine_interest,
        score=_bounded(_score(raw.get("score"), local.score), local.score),
        moves=moves,
        evidence=[*local.evidence, *added],
        tip=local.tip,
    )


def _may_add(quote: Evidence, local: Feedback) -> bool:
    move = quote.move
    if move in local.moves:
        return False
    if move in NEGATIVE_MOVES:
        return not local.genuine_interest
    if move in POSITIVE_MOVES:
        against = [e.text for e in local.evidence if e.move in NEGATIVE_MOVES]
        return not any(_overlap(quote.text, text) for text in against)
    return True


def _overlap(a: str, b: str) -> bool:
    return a.casefold() in b.casefold() or b.casefold() in a.casefold()


def _bounded(judged: int, local: int) -> int:
    shift = max(-MAX_SCORE_SHIFT, min(MAX_SCORE_SHIFT, judged - local))
    return max(0, min(100, local + shift))


def _moves(value: Any) -> list[Move]:
    if not isinstance(value, list):
        return []
    found = [VOCABULARY[m] for m in value if isinstance(m, str) and m in VOCABULARY]
    return list(dict.fromkeys(found))


def _evidence(value: Any, moves: list[Move], message: str) -> list[Evidence]:
    items: list[Evidence] = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or VOCABULARY.get(item.get("move", "")) not in moves:
            continue
        text = anchor(item.get("text"), message)
        # One word could be anyone's ("I", "you"); it stands only for the whole message ("ok").
        if text and (len(text.split()) >= 2 or text.strip() == message.strip()):
            items.append(Evidence(move=VOCABULARY[item["move"]], text=text))
    return items


def anchor(quote: Any, message: str) -> str | None:
    """The message's own words for a quote that may differ in case, spacing or quote marks."""
    if not isinstance(quote, str) or not quote.strip():
        return None
    if quote in message:
        return quote
    core = quote.strip(QUOTE_CHARS)
    if not core:
        return None
    if core in message:
        return core
    pattern = r"\s+".join(re.escape(word) for word in core.split())
    match = re.search(pattern, message, re.IGNORECASE)
    return match.group(0) if match else None


def _score(value: Any, fallback: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return fallback  # JSON from a model can say Infinity or NaN
    return max(0, min(100, round(value)))
