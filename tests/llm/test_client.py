"""LLMClient against the fake over real HTTP: plain, streamed and structured calls, and faults."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel

from app.config import Settings
from app.errors import LLMUnavailable
from app.feedback.types import Feedback
from app.llm.client import LLMClient, StreamResult, event_data
from app.llm.tokens import count_chat_tokens, count_tokens
from tests.llm.conftest import FakeControl, llm_settings_for

PERSONA_CHAT = [
    SystemMessage("You are Dana Okafor, a product manager at Acme."),
    HumanMessage("What got you into product management?"),
]


async def test_complete_returns_the_reply_and_the_usage_the_server_reported(
    llm_client: LLMClient, fake: FakeControl
) -> None:
    done = await llm_client.complete(PERSONA_CHAT)

    assert "Dana" in done.text
    assert "what got you into product management" in done.text.lower()
    expected_prompt = count_chat_tokens(str(m.content) for m in PERSONA_CHAT)
    assert done.usage.prompt_tokens == expected_prompt
    assert done.usage.completion_tokens > 0 and not done.usage.estimated
    assert fake.requests()[0]["stream"] is False


async def _every_kind_of_call(client: LLMClient) -> None:
    await client.complete(PERSONA_CHAT)
    await client.complete(PERSONA_CHAT, precise=True)
    assert "".join([piece async for piece in client.stream(PERSONA_CHAT)])
    await client.structured(PERSONA_CHAT, Feedback)


@pytest.mark.parametrize("via", ["sdk", "langchain"])
async def test_every_call_carries_the_api_key_a_server_may_require(
    fake: FakeControl, via: str
) -> None:
    fake.configure(api_key="test-key")  # the key llm_settings_for configures
    client = LLMClient.from_settings(llm_settings_for(fake), via=via)  # type: ignore[arg-type]
    try:
        await _every_kind_of_call(client)
    finally:
        await client.aclose()

    assert len(fake.requests()) == 4


async def test_a_wrong_api_key_raises_llm_unavailable(fake: FakeControl) -> None:
    fake.configure(api_key="another-key")
    client = LLMClient.from_settings(llm_settings_for(fake))
    try:
        with pytest.raises(LLMUnavailable):
            await client.complete(PERSONA_CHAT)
        with pytest.raises(LLMUnavailable):
            await client.structured(PERSONA_CHAT, Feedback)
    finally:
        await client.aclose()

    assert fake.requests() == []  # the server accepted none of them


@pytest.fixture(params=["sdk", "langchain"])
async def streaming_client(
    request: pytest.FixtureRequest, fake: FakeControl
) -> AsyncIterator[LLMClient]:
    client = LLMClient.from_settings(llm_settings_for(fake), via=request.param)
    yield client
    await client.aclose()


async def test_stream_yields_several_pieces_that_join_into_the_whole_reply(
    streaming_client: LLMClient, fake: FakeControl
) -> None:
    whole = (await streaming_client.complete(PERSONA_CHAT)).text
    result = StreamResult()

    pieces = [piece async for piece in streaming_client.stream(PERSONA_CHAT, result)]

    assert len(pieces) > 5
    assert "".join(pieces) == whole
    assert fake.requests()[-1]["stream"] is True
    assert result.usage is not None and result.usage.completion_tokens > 0


async def test_stream_usage_comes_from_the_server_when_the_client_asks_for_it(
    llm_settings: Settings, fake: FakeControl
) -> None:
    client = LLMClient.from_settings(llm_settings)
    client.chat.stream_usage = True
    result = StreamResult()
    try:
        text = "".join([piece async for piece in client.stream(PERSONA_CHAT, result)])
    finally:
        await client.aclose()

    assert fake.requests()[0]["stream_options"] == {"include_usage": True}
    assert result.usage is not None and not result.usage.estimated
    assert result.usage.completion_tokens == count_tokens(text)


async def test_a_stream_is_retried_on_503_before_its_first_piece(
    streaming_client: LLMClient, fake: FakeControl
) -> None:
    fake.configure(fail="503", fail_times=2)

    text = "".join([piece async for piece in streaming_client.stream(PERSONA_CHAT)])

    assert "Dana" in text
    assert len(fake.requests()) == 3


async def test_structured_answers_a_valid_object_through_a_tool_call(
    llm_client: LLMClient, fake: FakeControl
) -> None:
    message = "That sounds hard. What made you stay?"
    asked = [SystemMessage("Judge the message."), HumanMessage(f"<message>{message}</message>")]

    verdict, usage = await llm_client.structured(asked, Feedback)

    assert isinstance(verdict, Feedback)
    assert all(e.text in message for e in verdict.evidence)
    assert usage.prompt_tokens > 0
    assert fake.requests()[0]["tools"][0]["function"]["name"] == "Feedback"


async def test_structured_works_with_json_schema_response_format_too(
    llm_settings, fake: FakeControl
) -> None:
    class Topic(BaseModel):
        topic: str
        confidence: float

    client = LLMClient.from_settings(llm_settings, structured_method="json_schema")
    try:
        topic, _ = await client.structured([HumanMessage("Talk about sailing?")], Topic)
    finally:
        await client.aclose()

    assert isinstance(topic, Topic)
    assert fake.requests()[0]["response_format"]["type"] == "json_schema"


async def test_503s_are_retried_by_the_client_until_the_server_recovers(
    llm_client: LLMClient, fake: FakeControl
) -> None:
    fake.configure(fail="503", fail_times=2)

    done = await llm_client.complete(PERSONA_CHAT)

    assert done.text
    assert len(fake.requests()) == 3  # two failures, then the answer


async def test_429s_beyond_the_retry_budget_raise_llm_unavailable(
    llm_client: LLMClient, fake: FakeControl
) -> None:
    fake.configure(fail="429", fail_times=5)

    with pytest.raises(LLMUnavailable) as caught:
        await llm_client.complete(PERSONA_CHAT)

    assert caught.value.code == "llm_unavailable" and caught.value.status == 503
    assert len(fake.requests()) == 3  # one call and max_retries=2 retries


async def test_a_server_that_hangs_raises_llm_unavailable_after_the_timeout(
    fake: FakeControl,
) -> None:
    client = LLMClient.from_settings(llm_settings_for(fake, llm_timeout=0.3, llm_max_retries=0))
    fake.configure(fail="timeout", hang=5)
    started = time.perf_counter()
    try:
        with pytest.raises(LLMUnavailable):
            await client.complete(PERSONA_CHAT)
    finally:
        await client.aclose()

    assert time.perf_counter() - started < 2


async def test_a_stream_that_breaks_midway_raises_llm_unavailable_after_some_pieces(
    streaming_client: LLMClient, fake: FakeControl
) -> None:
    fake.configure(fail="break_stream", fail_times=1)
    received: list[str] = []

    with pytest.raises(LLMUnavailable):
        async for piece in streaming_client.stream(PERSONA_CHAT):
            received.append(piece)

    assert received, "the break should come midway, after the first pieces"


async def test_a_stream_that_ends_early_without_finishing_raises_llm_unavailable(
    llm_client: LLMClient, fake: FakeControl
) -> None:
    fake.configure(fail="truncate_stream", fail_times=1)

    with pytest.raises(LLMUnavailable):
        async for _ in llm_client.stream(PERSONA_CHAT):
            pass


async def test_a_stream_that_says_done_without_a_finish_reason_raises_llm_unavailable(
    streaming_client: LLMClient, fake: FakeControl
) -> None:
    fake.configure(fail="unfinished_stream", fail_times=1)
    received: list[str] = []

    with pytest.raises(LLMUnavailable):
        async for piece in streaming_client.stream(PERSONA_CHAT):
            received.append(piece)

    assert received, "the fake stops midway, after the first pieces"


async def test_a_finished_stream_reports_why_the_model_stopped(
    streaming_client: LLMClient,
) -> None:
    result = StreamResult()

    async for _ in streaming_client.stream(PERSONA_CHAT, result):
        pass

    assert result.finish_reason == "stop"


def test_only_sse_data_lines_carry_events() -> None:
    assert event_data('data: {"a": 1}') == '{"a": 1}'
    assert event_data("data:[DONE]") == "[DONE]"
    assert event_data(": keep-alive") is None
    assert event_data("event: message") is None
    assert event_data("") is None


async def test_a_stream_still_failing_after_the_retries_raises_llm_unavailable(
    streaming_client: LLMClient, fake: FakeControl
) -> None:
    fake.configure(fail="429")

    with pytest.raises(LLMUnavailable):
        async for _ in streaming_client.stream(PERSONA_CHAT):
            pass

    assert len(fake.requests()) == 3


async def test_an_unparseable_structured_answer_raises_llm_unavailable(
    llm_client: LLMClient, fake: FakeControl
) -> None:
    fake.configure(fail="invalid_json", fail_times=1)

    with pytest.raises(LLMUnavailable):
        await llm_client.structured([HumanMessage("<message>hi?</message>")], Feedback)
