"""The fine-tuned cross-encoder's input (tools/finetune_analyzer.py and app/feedback/cross.py
share it), and that without its files the linear model decides alone."""

from __future__ import annotations

from app.feedback import cross
from app.feedback.types import Utterance
from app.nlp.encoder import HERE as MINILM


def _history(*lines: str) -> list[Utterance]:
    roles = ["persona", "user"] * len(lines)
    return [Utterance(role, line) for role, line in zip(roles, lines, strict=False)]


def test_the_input_holds_the_newest_lines_and_how_far_the_conversation_is() -> None:
    history = _history(*(f"line {i}" for i in range(9)))
    context, reply = cross.pair_text("  so   what happened next?", history)
    assert context.startswith("reply 5 (cut) | ")
    assert context.endswith("them: line 8")
    assert "line 2" not in context and "line 3" in context  # six lines kept, oldest dropped
    assert reply == "so what happened next?"


def _model_folder(tmp_path, **meta):
    import json
    import shutil

    shutil.copy(cross.HERE / "model.onnx", tmp_path / "model.onnx")
    shutil.copy(cross.HERE / "tokenizer.json", tmp_path / "tokenizer.json")
    shipped = json.loads((cross.HERE / "meta.json").read_text())
    shipped.pop("context_lines", None)
    (tmp_path / "meta.json").write_text(json.dumps({**shipped, **meta}))
    return tmp_path


def test_a_model_reads_as_many_lines_as_it_was_trained_on(tmp_path) -> None:
    """The context length travels with the model: one whose meta.json says nothing (all before
    session 23) is fed six lines, one trained on twelve is fed twelve."""
    legacy = cross.load(_model_folder(tmp_path))
    assert legacy is not None and legacy.context_lines == 6
    history = _history(*(f"line {i:02}" for i in range(14)))
    assert "line 07" not in legacy.text("ok", history)[0]
    assert "line 08" in legacy.text("ok", history)[0]
    newer = cross.load(_model_folder(tmp_path, context_lines=12))
    assert newer is not None and newer.context_lines == 12
    assert "line 02" in newer.text("ok", history)[0]


def test_a_first_reply_says_so_and_is_not_marked_as_cut() -> None:
    context, _ = cross.pair_text("hi", _history("Welcome to the booth!"))
    assert context == "reply 1 | them: Welcome to the booth!"


def test_a_long_line_keeps_its_start_and_its_end() -> None:
    line = "start " + "filler " * 200 + "the end"
    context, _ = cross.pair_text("ok", _history(line))
    assert "start" in context and context.endswith("the end")
    assert len(context) < cross.LINE_CHARS + 40


def test_without_its_files_there_is_no_model_and_the_linear_one_decides(tmp_path) -> None:
    assert cross.load(tmp_path) is None


def test_the_tokenizer_pads_nothing_and_keeps_the_newest_text() -> None:
    """MiniLM's tokenizer file pads every input to 128 tokens: the fine-tuning batches then
    trained on [PAD]s attended to, which onnxruntime's mask left out at run time."""
    tokenizer = cross.tokenizer_from(MINILM / "tokenizer.json")
    short = tokenizer.encode("reply 1 | them: Welcome to the booth!", "hi there")
    assert 0 not in short.ids and len(short.ids) < 20 and all(short.attention_mask)
    long = tokenizer.encode("them: " + "an older line " * 200 + "the newest line", "my reply")
    assert len(long.ids) == cross.MAX_TOKENS
    assert tokenizer.decode(long.ids).endswith("the newest line my reply")
