"""RAPPORT_LLM_HISTORY_TOKENS: the summary and the verbatim lines of a persona prompt stay within
their budget even when no summary lands (issue 17: SmolLM2-135M's summaries were refused and
its prompts grew from 1,250 to 2,200 server tokens between turns 1 and 12)."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from app.feedback.types import Utterance
from app.llm.client import LLMClient
from app.llm.engine import MIN_VERBATIM, LLMEngine, within_tokens
from app.llm.prompts import PromptLibrary
from app.llm.tokens import TOKENS_PER_MESSAGE, count_tokens
from app.personas.schema import Persona
from tests.llm.conftest import context

LONG = "I have been thinking about that a lot lately, and honestly it is complicated. " * 6


def history(lines: int) -> tuple[Utterance, ...]:
    return tuple(
        Utterance("persona" if i % 2 == 0 else "user", f"Line {i}. {LONG}") for i in range(lines)
    )


def conversation_tokens(messages: list[object]) -> int:
    said = [m for m in messages if isinstance(m, AIMessage | HumanMessage)]
    return sum(TOKENS_PER_MESSAGE + count_tokens(str(m.content)) for m in said)


def test_long_lines_are_left_out_past_the_budget_newest_kept(
    llm_client: LLMClient, prompts: PromptLibrary, recruiter: Persona
) -> None:
    engine = LLMEngine(llm_client, prompts, history_tokens=500)
    ctx = context(recruiter, "And then?", history=history(13))

    messages = engine.build_prompt(ctx).messages

    assert conversation_tokens(messages) <= 500
    assert str(messages[-1].content) == "And then?"
    assert str(messages[1].content).startswith("Line ")  # the newest lines, in order
    kept = [int(str(m.content).split(".")[0][5:]) for m in messages[1:-1]]
    assert kept == list(range(13 - len(kept), 13)) and len(kept) >= MIN_VERBATIM - 1


def test_the_summary_counts_against_the_budget(
    llm_client: LLMClient, prompts: PromptLibrary, recruiter: Persona
) -> None:
    engine = LLMEngine(llm_client, prompts, history_tokens=700)
    summary = (
        "Alex asked how Priya came to recruiting, and she told him about four years of teaching "
        "chemistry before a friend pulled her into a startup. He works on data pipelines, mostly "
        "batch jobs for reporting, and said his feet hurt from the fair. She mentioned the "
        "layoffs and that she is the only engineering recruiter left, and he asked how she keeps "
        "up. She liked that he listened and asked about the nurses who use the product."
    )
    without = engine.build_prompt(context(recruiter, "And then?", history=history(13)))
    with_summary = engine.build_prompt(
        context(recruiter, "And then?", history=history(13), summary=summary, covers=2)
    )

    assert summary in str(with_summary.messages[0].content)
    assert conversation_tokens(with_summary.messages) <= 700 - count_tokens(summary)
    assert conversation_tokens(with_summary.messages) <= conversation_tokens(without.messages)


def test_the_last_lines_stay_whatever_they_cost() -> None:
    lines = history(6)

    assert within_tokens(lines, 0, budget=10) == len(lines) - MIN_VERBATIM
    assert within_tokens(lines, 0, budget=100_000) == 0
    assert within_tokens(lines, 3, budget=100_000) == 3  # never before the summary's end


def test_past_the_budget_the_verbatim_part_moves_on_in_steps_not_a_line_a_turn(
    llm_client: LLMClient, prompts: PromptLibrary, recruiter: Persona
) -> None:
    """A window that slid one exchange a turn changed the prompt's first lines every turn, and
    a prefix-caching server re-read the whole conversation each time."""
    engine = LLMEngine(llm_client, prompts, history_tokens=500)
    firsts = []
    for lines in range(9, 21, 2):  # one exchange more each turn
        messages = engine.build_prompt(context(recruiter, "And then?", history=history(lines)))
        firsts.append(str(messages.messages[1].content).split(".")[0])

    assert len(set(firsts)) <= len(firsts) // 2 + 1, firsts  # the same first line twice in a row
