"""The LLM persona engine: the persona's reply comes from any OpenAI-compatible model.

The system prompt is rendered from the persona YAML, the current stage and only the hooks the
dialogue machine has unlocked, so a locked hook cannot leak. The context stays bounded: the last
few lines verbatim plus a running summary of the rest. Replies stream through the output guard one
sentence at a time; a reply that breaks character is regenerated once, then replaced by an
in-character deflection from the persona's own lines.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from app.dialogue.engine import ReplyContext
from app.dialogue.machine import stage_rank
from app.dialogue.memory import LearnerMemory
from app.dialogue.recency import RecentLines
from app.dialogue.returning import returning_opening
from app.dialogue.scripted import user_asks
from app.dialogue.types import Outcome, Stage
from app.errors import LLMUnavailable
from app.feedback.types import Move, Utterance
from app.llm.client import CallOptions, LLMClient, StreamResult
from app.llm.echo import briefing_guard
from app.llm.guard import OutputGuard, SentenceGate, Violation
from app.llm.metrics import GUARD_VIOLATIONS, SUMMARIES_REFUSED
from app.llm.prompts import PromptLibrary
from app.llm.role import RoleCheck
from app.llm.summaries import InvalidSummary, checked_summary, summary_problem
from app.llm.tokens import TOKENS_PER_MESSAGE, count_chat_tokens, count_tokens, truncate_to_tokens
from app.personas.schema import Persona

log = logging.getLogger(__name__)

KEEP_LINES = 6  # lines kept verbatim after a fold: the last three exchanges
FOLD_BATCH = 4  # fold once two exchanges wait beyond KEEP_LINES: one summary every other turn
MAX_VERBATIM = KEEP_LINES + FOLD_BATCH + 4  # hard cap when the summariser lags or fails
# The summary and the verbatim lines together, in tokens (RAPPORT_LLM_HISTORY_TOKENS); at least
# the last MIN_VERBATIM lines stay whatever they cost. On SmolLM2-135M prompts grew 1,250 ->
# 2,200 server tokens from turn 1 to 12 while its summaries were refused (issue 17: 1,200 ->
# 2,640); the line cap alone let long replies through.
HISTORY_TOKENS = 800
MIN_VERBATIM = 2
CONTEXT_MARGIN = 32  # server tokens kept free in the window: chat-template framing we do not count
LINE_MAX_TOKENS = 400  # one verbatim line; a 2,000-character message fits
SUMMARY_WORDS = 110
SUMMARY_MAX_TOKENS = 200  # a longer summary is refused (app/llm/summaries.py), not cut
FOLD_LINE_TOKENS = 160  # each line handed to the summariser
OTHER_PERSON = "Other person"
RECALLED_TOPICS = 4  # the latest topics of last time named in the prompt: the gist, not a list
ENDINGS_REMEMBERED = {
    Outcome.WARM_CLOSE: "warmly",
    Outcome.NEUTRAL_CLOSE: "politely, without much more to it",
    Outcome.WALKED_AWAY: "with you walking away, because they were not really listening",
}

# A reply's share of RAPPORT_LLM_REPLY_MAX_TOKENS: the persona says the most when it tells a
# story or makes its offer, a line or two when it opens, cools off or says goodbye.
REPLY_SHARE = {
    Stage.OPENING: 0.6,
    Stage.RAPPORT: 0.8,
    Stage.DISCOVERY: 1.0,
    Stage.OPPORTUNITY: 1.0,
    Stage.CLOSING: 0.6,
    Stage.COOLING: 0.5,
    Stage.ENDED: 0.6,
}
MIN_REPLY_TOKENS = 32

# When the user asks for a favour, the same rule as the scripted engine decides the answer.
ACCEPT_WHY = "They asked, and they have earned it: say yes to what you can give them ({})"
DEFER_WHY = "They asked for a favour before you know them well enough: a warm not yet"

# The persona reacts to at most one thing the user did badly, the most telling first.
NEGATIVE_REACTIONS: tuple[tuple[Move, str, str], ...] = (
    (Move.PITCH, "pitch", "They just pitched themselves or asked a favour too early; react"),
    (Move.DISMISSIVE, "dismissive", "They brushed off what you said; react"),
    (Move.TOPIC_HIJACK, "ignored", "They ignored what you said or asked; react"),
    (Move.MINIMAL, "minimal", "They gave you almost nothing to work with; react"),
    (Move.SELF_FOCUS, "self_focus", "They talked at length about themselves; react"),
)
POSITIVE_REACTIONS: tuple[tuple[Move, str, str], ...] = (
    (Move.FOLLOW_UP_QUESTION, "follow_up", "They followed up on what you said; you might start"),
    (Move.REFLECTION, "reflection", "They put your meaning into words well; you might start"),
)


@dataclass(frozen=True, slots=True)
class Example:
    why: str
    line: str


@dataclass(frozen=True, slots=True)
class PersonaPrompt:
    """One rendered request: the messages, and the guard that knows what must not be echoed."""

    messages: list[BaseMessage]
    guard: OutputGuard
    speaker_names: tuple[str, ...]

    @property
    def tokens(self) -> int:
        return count_chat_tokens(str(m.content) for m in self.messages)


def stable_pick(options: Sequence[str], *key: object) -> str:
    digest = hashlib.sha256("|".join(map(str, key)).encode("utf-8")).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def canary_for(seed: str) -> str:
    return hashlib.sha256(f"canary|{seed}".encode()).hexdigest()[:8]


def mood(trust: float) -> str:
    if trust < 0.25:
        return "wary and ready to move on"
    if trust < 0.45:
        return "polite but a little guarded"
    if trust < 0.65:
        return "open and increasingly interested"
    return "warm and trusting"


class LLMEngine:
    """PersonaEngine over an LLMClient; see the module docstring."""

    name = "llm"

    def __init__(
        self,
        client: LLMClient,
        prompts: PromptLibrary,
        *,
        directions: str = "system",
        history_tokens: int = HISTORY_TOKENS,
        context_tokens: int | None = None,
    ) -> None:
        self.client = client
        self.prompts = prompts
        self.history_tokens = history_tokens
        # The endpoint's context window (RAPPORT_LLM_CONTEXT_TOKENS), in the server's tokens.
        self.context_tokens = context_tokens
        # "system": the turn's directions end the system prompt; "last": they follow the
        # conversation as a system message of their own (RAPPORT_LLM_DIRECTIONS).
        self.directions_last = directions == "last"

    # -- PersonaEngine ---------------------------------------------------------------------

    def opening(
        self,
        persona: Persona,
        difficulty: str,
        seed: str,
        memory: LearnerMemory | None = None,
        recent: RecentLines | None = None,
    ) -> str:
        # From the YAML, not the model: creating a conversation must be instant and cannot fail.
        # `recent` serves the scripted engine's lines; the seed picks the opening here.
        if memory is not None:
            return returning_opening(persona, memory, seed)
        return stable_pick(persona.openings, seed, "opening")

    async def stream(self, ctx: ReplyContext) -> AsyncIterator[str]:
        prompt = self.build_prompt(ctx)
        messages, options = prompt.messages, self.reply_options(ctx)
        for attempt in (1, 2):
            gate = SentenceGate(prompt.guard, prompt.speaker_names)
            async for text in self._gated(messages, gate, options):
                yield text
            if gate.violation is None:
                return
            _broke_character(ctx, attempt, gate.violation, kept_sent=bool(gate.sent))
            if gate.sent:
                return
            messages = self._with_reminder(prompt, gate.violation, ctx.persona)
        yield self.deflection(ctx)

    async def reply(self, ctx: ReplyContext) -> str:
        """The whole reply from one non-streamed model call, checked by the same guard.

        For callers that do not stream (REST turns, retries, evals): one JSON answer instead of
        one event per token. Nothing has been sent when a draft breaks character, so the second
        draft replaces it; only if that one breaks too do its clean sentences (or a deflection)
        stand.
        """
        prompt = self.build_prompt(ctx)
        messages, options = prompt.messages, self.reply_options(ctx)
        for attempt in (1, 2):
            gate = SentenceGate(prompt.guard, prompt.speaker_names)
            done = await self.client.complete(messages, options=options)
            checked = gate.feed(done.text)
            if not (gate.violation or gate.full):
                checked += _finish(gate, cut=done.finish_reason == "length")
            if gate.violation is None:
                return checked
            _broke_character(ctx, attempt, gate.violation)
            if attempt == 2 and gate.sent.strip():
                return gate.sent
            messages = self._with_reminder(prompt, gate.violation, ctx.persona)
        return self.deflection(ctx)

    async def summarize(
        self, persona: Persona, history: tuple[Utterance, ...], summary: str, covers: int
    ) -> tuple[str, int] | None:
        upto = len(history) - KEEP_LINES
        if upto - covers < FOLD_BATCH:
            return None
        earlier = summary if self.usable_summary(summary, persona) else ""
        messages = self.summary_messages(persona, history[covers:upto], earlier)
        try:
            done = await self.client.complete(messages, options=self.summary_options(persona))
            if done.finish_reason == "length":
                raise InvalidSummary("cut_off")  # it hit max_tokens: rambling or looping
            text = checked_summary(
                done.text,
                max_tokens=SUMMARY_MAX_TOKENS,
                speakers=self._speakers(persona),
                instructions=str(messages[0].content),
            )
        except LLMUnavailable:
            # Off the critical path: the next turn's fold picks these lines up again, and the
            # verbatim cap keeps prompts bounded meanwhile.
            return None
        except InvalidSummary as exc:
            SUMMARIES_REFUSED.labels(reason=exc.kind).inc()
            log.warning("summary for persona %s refused (%s)", persona.id, exc.kind)
            return None  # as above: the next turn tries again
        return text, upto

    def usable_summary(self, summary: str, persona: Persona) -> bool:
        """A stored summary goes back into a prompt only if it passes today's checks."""
        return _summary_usable(summary, self._speakers(persona))

    @staticmethod
    def _speakers(persona: Persona) -> tuple[str, ...]:
        return (OTHER_PERSON, persona.name, persona.name.split()[0])

    # -- call options ----------------------------------------------------------------------

    def reply_options(self, ctx: ReplyContext) -> CallOptions:
        """The persona speaks once, briefly: a new line that starts with a speaker's label is
        the model writing the learner's next line, or a second turn of its own."""
        first_name = ctx.persona.name.split()[0]
        learner = ctx.memory.learner_name if ctx.memory is not None else None
        labels = ("User", first_name, "Human", learner or "You")
        budget = self.client.budgets.reply_max_tokens * REPLY_SHARE.get(ctx.after.stage, 1.0)
        return CallOptions(
            stop=tuple(f"\n{label}:" for label in labels),
            max_tokens=max(MIN_REPLY_TOKENS, round(budget)),
        )

    def summary_options(self, persona: Persona) -> CallOptions:
        """The summary is prose: a line in the transcript's "Name: words" form is the model
        carrying on the conversation it was given to summarise. Not greedy, and penalised for
        repeating itself: at temperature 0 a small model looped on one sentence."""
        first_name = persona.name.split()[0]
        labels = (OTHER_PERSON, persona.name, first_name, "User")
        budgets = self.client.budgets
        return CallOptions(
            stop=tuple(f"\n{label}:" for label in labels),
            max_tokens=budgets.summary_max_tokens,
            temperature=budgets.summary_temperature,
            frequency_penalty=budgets.frequency_penalty,
            background=True,  # nobody waits for it; the next turn's fold redoes what it skips
        )

    # -- prompts ---------------------------------------------------------------------------

    def build_prompt(self, ctx: ReplyContext) -> PersonaPrompt:
        persona, after = ctx.persona, ctx.after
        first_name = persona.name.split()[0]
        canary = canary_for(ctx.seed)
        rules = self.prompts.render("persona_rules", name=persona.name, first_name=first_name)
        examples, questions = self.examples(ctx), self.questions(ctx)
        directive = self._directive(ctx, examples, questions)
        # An unusable summary is left out, and the lines it stood for are treated as unsummarised
        # (the verbatim cap keeps the prompt bounded).
        covers = ctx.summary_covers if self.usable_summary(ctx.summary, persona) else 0
        summary = ctx.summary if covers else ""
        system = self.prompts.render(
            "persona_system",
            persona=persona,
            canary=canary,
            rules=rules,
            hooks=[h for h in persona.hooks if h.id in after.unlocked_hooks],
            new_hooks=set(after.unlocked_hooks) - set(ctx.before.unlocked_hooks),
            summary=summary,
            directive="" if self.directions_last else directive,
            memory=remembered(ctx.memory, persona),
        )
        start = verbatim_start(len(ctx.history), covers)
        budget = self.history_tokens - count_tokens(summary)
        if self.context_tokens:
            framing = [system, directive] if self.directions_last else [system]
            budget = min(budget, self._context_room(ctx, framing))
        fits = within_tokens(ctx.history, start, budget)
        if fits > start:  # lines are left out for the budget: in steps, see stepped()
            start = stepped(fits, len(ctx.history))
        messages: list[BaseMessage] = [SystemMessage(system)]
        messages += [as_message(line) for line in ctx.history[start:]]
        briefing = system
        if self.directions_last:
            messages.append(SystemMessage(directive))
            briefing = f"{system}\n\n{directive}"
        offered = [e.line for e in examples] + questions
        guard = self._guard(ctx, briefing, offered, summary, canary)
        return PersonaPrompt(messages, guard, (persona.name, first_name))

    def _context_room(self, ctx: ReplyContext, framing: list[str]) -> int:
        """Our tokens left for the verbatim lines once the system prompt (and the directions)
        and the reply's max_tokens are inside the endpoint's window, in the server's tokens as
        far as the client has learned them (LLMClient.token_scale)."""
        window = self.context_tokens or 0
        server_room = window - (self.reply_options(ctx).max_tokens or 0) - CONTEXT_MARGIN
        ours = int(server_room / self.client.token_scale.ratio)
        return ours - count_chat_tokens(framing)

    @staticmethod
    def _guard(
        ctx: ReplyContext, system: str, offered: list[str], summary: str, canary: str
    ) -> OutputGuard:
        """The whole system prompt is secret, except the persona's own lines it quotes (a fact's
        first answer, the lines `offered` as examples) and the summary of this very conversation;
        so is every hook not open yet (unlocked now, or told in an earlier conversation). The
        reply must also be the persona speaking (app/llm/role.py)."""
        persona = ctx.persona
        quoted = [f.answers[0] for f in persona.facts] + offered + [summary]
        told = ctx.memory.hooks if ctx.memory is not None else ()
        open_hooks = [*ctx.after.unlocked_hooks, *told]
        role = RoleCheck(
            persona.name,
            learner_lines=[u.content for u in ctx.history if u.role == "user"],
            learner_name=ctx.memory.learner_name if ctx.memory is not None else None,
            own_words=[system, *(u.content for u in ctx.history if u.role == "persona")],
        )
        return briefing_guard(
            persona, system=system, quoted=quoted, open_hooks=open_hooks, canary=canary, role=role
        )

    def _directive(self, ctx: ReplyContext, examples: list[Example], questions: list[str]) -> str:
        return self.prompts.render(
            "stage_directive",
            stage=ctx.after.stage.value,
            mood=mood(ctx.after.trust),
            difficulty=ctx.difficulty,
            examples=examples,
            questions=questions,
        )

    def examples(self, ctx: ReplyContext) -> list[Example]:
        """Lines from the YAML that show how this persona reacts to what just happened."""
        persona, before, after = ctx.persona, ctx.before, ctx.after
        key = (ctx.seed, after.turn)
        if after.ended:
            return [Example("Say goodbye", stable_pick(goodbyes(persona, after.outcome), *key))]
        found: list[Example] = []
        if after.stage is Stage.COOLING and before.stage is not Stage.COOLING:
            found.append(
                Example("You are losing interest", stable_pick(persona.reactions.cooling, *key))
            )
        elif before.stage is Stage.COOLING and after.stage is not Stage.COOLING:
            found.append(
                Example("They won you back", stable_pick(persona.reactions.recovering, *key))
            )
        ask = user_asks(ctx)
        reward = persona.reward
        if ask == "accept":  # the yes names the reward: no separate offer, no other reaction
            lines = reward.accept or reward.offer
            found.append(
                Example(ACCEPT_WHY.format(reward.summary.rstrip(".")), stable_pick(lines, *key))
            )
        elif ask == "defer":
            lines = reward.defer or persona.reactions.pitch
            found.append(Example(DEFER_WHY, stable_pick(lines, *key)))
        else:
            moves = set(ctx.feedback.moves)
            for table in (NEGATIVE_REACTIONS, POSITIVE_REACTIONS):
                hit = next(((field, why) for move, field, why in table if move in moves), None)
                if hit:
                    reaction = getattr(persona.reactions, hit[0])
                    found.append(Example(hit[1], stable_pick(reaction, *key)))
                    break
        entering = after.stage is Stage.OPPORTUNITY and before.stage is not Stage.OPPORTUNITY
        if entering and ask != "accept":
            found.append(Example("Make your offer", stable_pick(reward.offer, *key)))
        if after.stage is Stage.CLOSING and before.stage is not Stage.CLOSING:
            found.append(Example("Start wrapping up", stable_pick(persona.closings.wrap_up, *key)))
        return found

    def questions(self, ctx: ReplyContext) -> list[str]:
        """Two of the persona's questions back that fit the stage, varied from turn to turn."""
        persona, state = ctx.persona, ctx.after
        if state.stage in {Stage.COOLING, Stage.ENDED, Stage.CLOSING}:
            return []
        allowed = [
            q.text for q in persona.questions if stage_rank(q.min_stage) <= stage_rank(state.stage)
        ]
        if len(allowed) <= 2:
            return allowed
        first = stable_pick(allowed, ctx.seed, state.turn, "q")
        rest = [q for q in allowed if q != first]
        return [first, stable_pick(rest, ctx.seed, state.turn, "q2")]

    def summary_messages(
        self, persona: Persona, lines: Sequence[Utterance], summary: str
    ) -> list[BaseMessage]:
        named = [
            {
                "speaker": persona.name if u.role == "persona" else OTHER_PERSON,
                "content": truncate_to_tokens(" ".join(u.content.split()), FOLD_LINE_TOKENS),
            }
            for u in lines
        ]
        system = self.prompts.render(
            "summariser_system", persona_name=persona.name, max_words=SUMMARY_WORDS
        )
        user = self.prompts.render("summariser_user", summary=summary, lines=named)
        return [SystemMessage(system), HumanMessage(user)]

    def _with_reminder(
        self, prompt: PersonaPrompt, violation: Violation, persona: Persona
    ) -> list[BaseMessage]:
        # Folded into the system message: several chat templates refuse a system message anywhere
        # but first.
        reminder = self.prompts.render(
            "guard_reminder", reason=violation.reason(), name=persona.name
        )
        system = SystemMessage(f"{prompt.messages[0].content}\n\n{reminder}")
        return [system, *prompt.messages[1:]]

    def deflection(self, ctx: ReplyContext) -> str:
        """An in-character line from the YAML for when the model will not stay in character."""
        persona, after = ctx.persona, ctx.after
        key = (ctx.seed, after.turn, "deflect")
        if after.ended:
            return stable_pick(goodbyes(persona, after.outcome), *key)
        if after.stage is Stage.COOLING:
            return stable_pick(persona.reactions.cooling, *key)
        line = stable_pick(persona.reactions.unknown, *key)
        questions = self.questions(ctx)
        return f"{line} {questions[0]}" if questions else line

    async def _gated(
        self, messages: list[BaseMessage], gate: SentenceGate, options: CallOptions
    ) -> AsyncIterator[str]:
        result = StreamResult()
        async with aclosing(self.client.stream(messages, result, options=options)) as pieces:
            async for piece in pieces:
                text = gate.feed(piece)
                if text:
                    yield text
                if gate.violation or gate.full:
                    return  # closing the stream stops the model; nothing more is read
        text = _finish(gate, cut=result.finish_reason == "length")
        if text:
            yield text


@lru_cache(maxsize=1024)
def _summary_usable(summary: str, speakers: tuple[str, ...]) -> bool:
    # Cached: a conversation's summary is checked again on every turn until the next fold
    # (0.35 ms a time).
    return summary_problem(summary, max_tokens=SUMMARY_MAX_TOKENS, speakers=speakers) is None


def _finish(gate: SentenceGate, *, cut: bool) -> str:
    """The reply's unterminated tail, unless max_tokens cut the model off mid-sentence: then
    only the whole sentences stand, and a reply without one is redone like an empty one."""
    if not cut:
        return gate.finish()
    if not gate.sent.strip():
        gate.violation = Violation("empty", "cut off at max_tokens")
    return ""


def _broke_character(
    ctx: ReplyContext, attempt: int, violation: Violation, *, kept_sent: bool = False
) -> None:
    GUARD_VIOLATIONS.labels(kind=violation.kind).inc()
    # The kind only: the offending words are model output about a user's conversation.
    log.warning(
        "persona %s draft %d broke character (%s)%s",
        ctx.persona.id,
        attempt,
        violation.kind,
        "; keeping the clean sentences already sent" if kept_sent else "",
    )


def remembered(memory: LearnerMemory | None, persona: Persona) -> dict[str, Any] | None:
    """What the persona remembers of the learner, in the words the prompt uses (or None)."""
    if memory is None:
        return None
    return {
        "name": memory.learner_name,
        "when": _days_ago(memory.days_ago),
        "topics": [t.replace("_", " ") for t in memory.topics][-RECALLED_TOPICS:],
        "told": [h.summary for h in persona.hooks if h.id in memory.hooks],
        "ended": ENDINGS_REMEMBERED[memory.outcome] if memory.outcome else "unfinished",
    }


def _days_ago(days: int) -> str:
    if days <= 0:
        return "earlier today"
    return "yesterday" if days == 1 else f"{days} days ago"


def verbatim_start(lines: int, covers: int) -> int:
    """Where the verbatim part of the history starts: after the summary, within the cap."""
    start = max(covers, lines - MAX_VERBATIM)
    return max(0, min(start, lines - 1))


def within_tokens(history: Sequence[Utterance], start: int, budget: int) -> int:
    """Where the verbatim lines start so that those from there on fit `budget` tokens (as
    `as_message` sends them), keeping at least the last MIN_VERBATIM lines."""
    keep_from = max(start, len(history) - MIN_VERBATIM)
    used = sum(_line_tokens(line) for line in history[keep_from:])
    while keep_from > start:
        cost = _line_tokens(history[keep_from - 1])
        if used + cost > budget:
            break
        used += cost
        keep_from -= 1
    return keep_from


def stepped(start: int, lines: int) -> int:
    """`start` moved on to the next multiple of FOLD_BATCH lines (within the last MIN_VERBATIM):
    the verbatim part then starts at the same line for two turns in a row, and a server that
    caches prompt prefixes re-reads only the new lines on one turn of two, not the whole
    conversation on every turn as a window sliding one exchange a turn would make it."""
    step = -(-start // FOLD_BATCH) * FOLD_BATCH
    return max(start, min(step, lines - MIN_VERBATIM))


def _line_tokens(line: Utterance) -> int:
    return TOKENS_PER_MESSAGE + count_tokens(truncate_to_tokens(line.content, LINE_MAX_TOKENS))


def as_message(line: Utterance) -> BaseMessage:
    content = truncate_to_tokens(line.content, LINE_MAX_TOKENS)
    return AIMessage(content) if line.role == "persona" else HumanMessage(content)


def goodbyes(persona: Persona, outcome: Outcome | None) -> list[str]:
    if outcome is Outcome.WARM_CLOSE:
        return persona.closings.warm
    if outcome is Outcome.WALKED_AWAY:
        return persona.reactions.walk_away
    return persona.closings.neutral
