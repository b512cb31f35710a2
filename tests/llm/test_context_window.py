"""RAPPORT_LLM_CONTEXT_TOKENS (issue 17, point 5): a reply's prompt plus its max_tokens stays
inside the endpoint's context window, counted in the server's own tokens as it reports them.

The fake stands for a local model whose tokenizer counts more than OpenAI's o200k and that
refuses, as llama.cpp's server does, a request that does not fit its window."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import LLMUnavailable
from app.feedback.types import Utterance
from app.llm.client import LLMClient, TokenScale
from app.llm.engine import LLMEngine
from app.llm.prompts import PromptLibrary
from app.personas.schema import Persona
from tests.llm.conftest import FakeControl, context, llm_settings_for

WINDOW = 2600  # the recruiter's system prompt alone is ~1,100 o200k tokens
LONG = "I have been thinking about that a lot lately, and honestly it is complicated. " * 5


def history(lines: int) -> tuple[Utterance, ...]:
    return tuple(
        Utterance("persona" if i % 2 == 0 else "user", f"Line {i}. {LONG}") for i in range(lines)
    )


def fits(request: dict[str, Any], scale: float) -> bool:
    from app.llm.fake import usage

    return usage(request, "", scale)["prompt_tokens"] + request["max_tokens"] <= WINDOW


def test_the_scale_follows_what_the_server_reports_within_bounds() -> None:
    scale = TokenScale()
    assert scale.ratio == TokenScale.PRIOR
    scale.observe(1100, 1000)
    assert scale.ratio == pytest.approx(1.1)  # the first report replaces the prior
    for _ in range(30):
        scale.observe(1500, 1000)
    assert scale.ratio == pytest.approx(1.5, abs=0.01)
    scale.observe(0, 1000)  # a server that reports nothing teaches nothing
    scale.observe(100_000, 10)
    assert scale.ratio <= TokenScale.HIGH


@pytest.mark.parametrize("server_scale", [1.1, 1.6])
async def test_replies_fit_the_window_of_a_server_with_another_tokenizer(
    fake: FakeControl, prompts: PromptLibrary, recruiter: Persona, server_scale: float
) -> None:
    fake.configure(tokenizer_scale=server_scale, context_tokens=WINDOW, refuse_over_context=True)
    client = LLMClient.from_settings(llm_settings_for(fake, llm_max_retries=0))
    engine = LLMEngine(client, prompts, history_tokens=5000, context_tokens=WINDOW)
    try:
        # A short first exchange, as every conversation starts: the server's count comes back.
        await engine.reply(context(recruiter, "How did you get into recruiting?"))
        for lines in (7, 13, 21):  # then the conversation grows past the window
            await engine.reply(context(recruiter, "And then?", history=history(lines)))
    finally:
        await client.aclose()
    replies = [r for r in fake.requests() if "max_tokens" in r and not r.get("tools")]
    assert replies and all(fits(r, server_scale) for r in replies)
    assert client.token_scale.ratio == pytest.approx(server_scale, rel=0.1)
    # The newest lines stay and the oldest went: the learner's last words are in the prompt.
    last = replies[-1]["messages"]
    assert last[-1]["content"] == "And then?"
    assert 3 <= len(last) < 1 + 21 + 1


async def test_without_the_setting_the_same_conversation_overflows_and_fails(
    fake: FakeControl, prompts: PromptLibrary, recruiter: Persona
) -> None:
    """What the setting is for: the same server refuses the unfitted prompt."""
    fake.configure(tokenizer_scale=1.6, context_tokens=WINDOW, refuse_over_context=True)
    client = LLMClient.from_settings(llm_settings_for(fake, llm_max_retries=0))
    engine = LLMEngine(client, prompts, history_tokens=5000)
    try:
        with pytest.raises(LLMUnavailable):
            await engine.reply(context(recruiter, "And then?", history=history(21)))
    finally:
        await client.aclose()
