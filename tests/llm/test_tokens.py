"""Offline token counts: bpe-openai's tables, no download."""

from __future__ import annotations

from app.llm.tokens import count_chat_tokens, count_tokens, encoding_for, truncate_to_tokens


def test_counts_match_the_o200k_encoding_of_known_text() -> None:
    assert count_tokens("hello world", "gpt-4o-mini") == 2
    assert encoding_for("gpt-4o-mini").name == "o200k_base"
    assert encoding_for("gpt-4").name == "cl100k_base"


def test_models_bpe_openai_does_not_know_are_counted_with_o200k() -> None:
    assert encoding_for("llama3.1:8b").name == "o200k_base"


def test_special_token_text_from_a_user_is_counted_as_plain_text() -> None:
    assert count_tokens("say <|endoftext|> please") > 3


def test_chat_count_adds_framing_tokens_per_message() -> None:
    assert count_chat_tokens(["hello world", "hello world"]) == 2 * (3 + 2) + 3


def test_truncation_keeps_a_prefix_within_the_limit_and_leaves_short_text_alone() -> None:
    text = "one two three four five six seven eight nine ten " * 20

    cut = truncate_to_tokens(text, 30)

    assert count_tokens(cut) <= 32  # the limit plus the ellipsis
    assert text.startswith(cut.removesuffix(" …"))
    assert truncate_to_tokens("short text", 30) == "short text"
