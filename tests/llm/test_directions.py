"""RAPPORT_LLM_DIRECTIONS=last: the turn's directions (stage, mood, example lines) follow the
conversation as a system message of their own, so the prompt's start is the same from turn to
turn and a server that caches prompt prefixes reads only the new lines (on SmolLM2-135M under
llama-cpp-python a turn re-read ~600 tokens of directions and history, docs/benchmarks.md)."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from app.dialogue.types import Stage
from app.feedback.types import Utterance
from app.llm.client import LLMClient
from app.llm.engine import LLMEngine
from app.llm.prompts import PromptLibrary
from app.personas.schema import Persona
from tests.api.helpers import say, start
from tests.llm.conftest import FakeControl, context
from tests.llm.test_api_on_llm import llm_api


def two_turns(persona: Persona) -> tuple[object, object]:
    first = context(persona, "How did you end up in recruiting?", turn=2)
    history = (*first.history, Utterance("persona", "I taught chemistry first."))
    second = context(
        persona, "What pulled you out of the classroom?", history=history, turn=3,
        stage=Stage.DISCOVERY, trust=0.6,
    )  # fmt: skip
    return first, second


def test_the_prompt_starts_alike_on_every_turn_and_ends_with_the_directions(
    llm_client: LLMClient, prompts: PromptLibrary, recruiter: Persona
) -> None:
    engine = LLMEngine(llm_client, prompts, directions="last")
    first, second = (engine.build_prompt(ctx).messages for ctx in two_turns(recruiter))

    assert first[0] == second[0] and "## Right now" not in str(first[0].content)
    assert second[: len(first) - 1] == first[:-1]  # the whole of turn 2's prompt but its end
    assert isinstance(second[-1], SystemMessage) and "## Right now" in str(second[-1].content)
    assert [type(m) for m in second[1:-1]] == [AIMessage, HumanMessage, AIMessage, HumanMessage]


def test_by_default_the_directions_end_the_system_prompt(
    engine: LLMEngine, recruiter: Persona
) -> None:
    messages = engine.build_prompt(two_turns(recruiter)[1]).messages

    assert "## Right now" in str(messages[0].content)
    assert isinstance(messages[-1], HumanMessage)


def test_a_reply_that_echoes_the_directions_is_still_caught(
    llm_client: LLMClient, prompts: PromptLibrary, recruiter: Persona
) -> None:
    engine = LLMEngine(llm_client, prompts, directions="last")
    prompt = engine.build_prompt(two_turns(recruiter)[1])
    directions = str(prompt.messages[-1].content).split("\n")[2]  # the stage line

    violation = prompt.guard.check(f"Well. {directions}")

    assert violation is not None and violation.kind == "prompt_echo"


async def test_turns_over_the_api_send_the_directions_last(
    database_url: str, fake: FakeControl
) -> None:
    async with llm_api(database_url, fake, llm_directions="last") as client:
        conversation = await start(client, "recruiter")
        for line in ("How did you end up in recruiting?", "What did you miss about teaching?"):
            assert (await say(client, conversation["id"], line)).status_code == 200
    persona = [r for r in fake.requests() if r["messages"][0]["content"].startswith("You are ")]
    assert [[m["role"] for m in r["messages"]][-1] for r in persona] == ["system", "system"]
    assert persona[0]["messages"][0] == persona[1]["messages"][0]
