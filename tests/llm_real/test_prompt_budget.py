"""The prompt stays bounded as a conversation goes on, measured on the server's own tokenizer:
the persona call's `usage.prompt_tokens` at turn 12 is within 1.3 x turn 4's (issue 17: prompts
grew from 1,200 to 2,640 tokens over 7-10 turns). The learner takes a moment between turns, as a
person reading and typing would, so the background summary can land."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm_real.bench import TARGET_RATIO, prompt_tokens_by_turn
from tests.llm_real.harness import ProxyState, service

pytestmark = pytest.mark.llm_real


@pytest.fixture(scope="module")
def url(database_url: str, proxied: tuple[str, ProxyState]) -> Iterator[str]:
    with service(database_url, proxied[0]) as running:
        yield running


def test_prompt_tokens_at_turn_12_are_within_1_3_x_turn_4(url: str, proxy: ProxyState) -> None:
    tokens = prompt_tokens_by_turn(url, proxy)

    assert {4, 12} <= tokens.keys(), tokens
    assert tokens[12] <= TARGET_RATIO * tokens[4], tokens
