"""A model that does not end its turn (issue 17), reproduced by the fake with `loop`: it writes the
next speaker's lines, or repeats itself, until a stop sequence, max_tokens or its context ends."""

from __future__ import annotations

from typing import Any

from app.evals.scripts import Script
from app.evals.simulator import LLMUserSimulator
from app.feedback.types import Utterance
from app.llm.client import LLMClient
from app.llm.engine import FOLD_BATCH, KEEP_LINES, OTHER_PERSON, LLMEngine
from app.llm.prompts import PromptLibrary
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
