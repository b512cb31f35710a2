"""A model that does not end its turn (issue 17), reproduced by the fake with `loop`: it writes the
next speaker's lines, or repeats itself, until a stop sequence, max_tokens or its context ends."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from app.dialogue.types import Stage
from app.evals.scripts import Script
from app.evals.simulator import LLMUserSimulator
from app.feedback.types import Utterance
from app.llm.client import CallOptions, LLMClient
from app.llm.engine import (
    FOLD_BATCH,
    KEEP_LINES,
    MIN_REPLY_TOKENS,
    OTHER_PERSON,
    REPLY_SHARE,
    LLMEngine,
)
from app.llm.judge import FeedbackJudge, judge_schema
from app.llm.prompts import PromptLibrary
from app.llm.tokens import count_tokens
from app.personas.schema import Persona
from tests.llm.conftest import FakeControl, context, llm_settings_for, reply_to

CHAT: dict[str, Any] = {
    "model": "m",
    "messages": [
        {"role": "system", "content": "You are Sam Lee, a designer."},
        {"role": "user", "content": "How did you get into design?"},
    ],
}
REPLY_STOPS = ["\nUser:", "\nPriya:", "\nHuman:", "\nYou:"]


def answer(fake: FakeControl, **body: Any) -> tuple[str, str, int]:
    sent = fake.http.post("/v1/chat/completions", json={**CHAT, **body}).json()
    choice = sent["choices"][0]
    return choice["message"]["content"], choice["finish_reason"], sent["usage"]["completion_tokens"]


def test_a_looping_fake_runs_to_the_end_of_its_context_unless_told_where_to_stop(
    fake: FakeControl,
) -> None:
    plain, _, _ = answer(fake)
    fake.configure(loop=True, context_tokens=1000)

    text, finish, tokens = answer(fake)
    stopped, stop_finish, _ = answer(fake, stop=["\nUser:"])
    capped, cap_finish, cap_tokens = answer(fake, max_tokens=40)

    assert finish == "length" and tokens > 900 and "\nUser:" in text
    assert stop_finish == "stop" and stopped == plain
    assert cap_finish == "length" and cap_tokens == 40


async def test_a_reply_ends_where_the_model_starts_the_next_speaker_s_line(
    engine: LLMEngine, recruiter: Persona, fake: FakeControl
) -> None:
    fake.configure(loop=True)
    ctx = context(recruiter, "How did you end up in recruiting?")

    whole = await engine.reply(ctx)
    streamed, _ = await reply_to(engine, ctx)

    for text in (whole, streamed):
        assert "User:" not in text and "Priya:" not in text and text.strip()
    assert [r["stop"] for r in fake.requests()] == [REPLY_STOPS, REPLY_STOPS]


async def test_the_stop_sequences_sent_are_capped_by_the_setting(
    recruiter: Persona, prompts: PromptLibrary, fake: FakeControl
) -> None:
    for cap in (0, 2):
        client = LLMClient.from_settings(llm_settings_for(fake, llm_max_stop_sequences=cap))
        try:
            await LLMEngine(client, prompts).reply(context(recruiter, "How did you start?"))
        finally:
            await client.aclose()

    first, second = fake.requests()
    assert "stop" not in first  # for models that refuse the parameter
    assert second["stop"] == REPLY_STOPS[:2]


async def test_the_summariser_stops_at_a_line_in_the_transcript_s_form(
    engine: LLMEngine, recruiter: Persona, fake: FakeControl
) -> None:
    history = tuple(
        Utterance("persona" if i % 2 == 0 else "user", f"Line number {i}.")
        for i in range(KEEP_LINES + FOLD_BATCH)
    )

    assert await engine.summarize(recruiter, history, "", 0) is not None

    [sent] = fake.requests()
    assert sent["stop"] == [f"\n{OTHER_PERSON}:", "\nPriya Raman:", "\nPriya:", "\nUser:"]


async def test_the_simulated_user_writes_one_line_not_the_persona_s_answer_too(
    fake: FakeControl, prompts: PromptLibrary
) -> None:
    fake.configure(loop=True)
    client = LLMClient.from_settings(llm_settings_for(fake))
    simulator = LLMUserSimulator(client, prompts.directory)
    script = Script(
        name="s", persona="recruiter", simulate={"persona": "a curious listener", "turns": 2}
    )
    partner = {"name": "Priya Raman", "role": "Recruiter"}
    try:
        line = await simulator.next_line(script, partner, [{"role": "persona", "content": "Hi!"}])
    finally:
        await client.aclose()

    assert "\n" not in line and "User:" not in line and line
    assert fake.requests()[0]["stop"] == ["\nPriya:", "\nUser:", "\nYou:", "\nMe:"]


async def test_every_kind_of_call_carries_max_tokens(
    engine: LLMEngine, judge: FeedbackJudge, recruiter: Persona, fake: FakeControl
) -> None:
    budgets = engine.client.budgets
    ctx = context(recruiter, "How did you end up in recruiting?", stage=Stage.RAPPORT)
    history = tuple(
        Utterance("persona" if i % 2 == 0 else "user", f"Line {i}.")
        for i in range(KEEP_LINES + FOLD_BATCH)
    )

    await engine.reply(ctx)
    await reply_to(
        engine, replace(ctx, after=ctx.after.model_copy(update={"stage": Stage.OPENING}))
    )
    await engine.summarize(recruiter, history, "", 0)
    await judge.judge("How did you start?", history[:1], ctx.feedback)

    reply, opening, summary, judged = fake.requests()
    assert reply["max_tokens"] == round(budgets.reply_max_tokens * REPLY_SHARE[Stage.RAPPORT])
    assert opening["max_tokens"] == round(budgets.reply_max_tokens * REPLY_SHARE[Stage.OPENING])
    assert summary["max_tokens"] == budgets.summary_max_tokens
    assert judged["tools"] and judged["max_tokens"] == budgets.judge_max_tokens


async def test_a_summariser_that_loops_is_cut_at_its_budget_in_time(
    engine: LLMEngine, recruiter: Persona, fake: FakeControl
) -> None:
    # 4,096 tokens of context at 2 ms a token: 8 s unbounded, past the client's 2 s timeout.
    fake.configure(loop=True, token_seconds=0.002)
    history = tuple(
        Utterance("persona" if i % 2 == 0 else "user", f"Line number {i}.")
        for i in range(KEEP_LINES + FOLD_BATCH)
    )
    started = time.perf_counter()

    folded = await engine.summarize(recruiter, history, "", 0)

    assert time.perf_counter() - started < 2
    assert fake.requests()[0]["max_tokens"] == engine.client.budgets.summary_max_tokens
    assert folded is None  # cut off at max_tokens: a loop, not a summary to keep


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_reply_cut_at_max_tokens_keeps_only_its_whole_sentences(
    recruiter: Persona, prompts: PromptLibrary, fake: FakeControl, streamed: bool
) -> None:
    ctx = context(recruiter, "How did you end up in recruiting? Tell me everything.")
    client = LLMClient.from_settings(llm_settings_for(fake, llm_reply_max_tokens=16))
    engine = LLMEngine(client, prompts)
    try:
        whole = (await client.complete(engine.build_prompt(ctx).messages)).text
        text = (await reply_to(engine, ctx))[0] if streamed else await engine.reply(ctx)
    finally:
        await client.aclose()

    assert fake.requests()[-1]["max_tokens"] == MIN_REPLY_TOKENS
    assert count_tokens(whole) > MIN_REPLY_TOKENS, "the fake's answer must be longer than that"
    assert whole.startswith(text) and len(text) < len(whole)
    assert text.rstrip()[-1] in ".!?"


@pytest.mark.parametrize("via", ["sdk", "langchain"])
async def test_max_tokens_goes_by_the_name_the_server_reads(
    fake: FakeControl, via: str, judge: FeedbackJudge
) -> None:
    messages = [SystemMessage("You are Sam Lee, a designer."), HumanMessage("Hi!")]
    for field in ("max_tokens", "max_completion_tokens"):
        settings = llm_settings_for(fake, llm_max_tokens_field=field)
        client = LLMClient.from_settings(settings, via=via)  # type: ignore[arg-type]
        try:
            await client.complete(messages, options=CallOptions(max_tokens=50))
            await client.structured(messages, judge_schema(), max_tokens=70)
        finally:
            await client.aclose()

    plain, structured, newer, newer_structured = fake.requests()
    assert plain["max_tokens"] == 50 and "max_completion_tokens" not in plain
    assert structured["max_tokens"] == 70 and "max_completion_tokens" not in structured
    assert newer["max_completion_tokens"] == 50 and "max_tokens" not in newer
    assert newer_structured["max_completion_tokens"] == 70 and "max_tokens" not in newer_structured
