"""The blind ledger names the analyzer that scored each batch by a hash of its model folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "blind_ledger.py"


def load_tool():
    spec = importlib.util.spec_from_file_location("blind_ledger", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_model_hash_reads_subfolders_and_changes_with_them(tmp_path: Path) -> None:
    ledger = load_tool()
    (tmp_path / "cross").mkdir()
    (tmp_path / "weights.json").write_text("{}")
    (tmp_path / "cross" / "model.onnx").write_bytes(b"one")
    first = ledger.model_hash(tmp_path)
    (tmp_path / "cross" / "model.onnx").write_bytes(b"two")
    assert len(first) == 12
    assert ledger.model_hash(tmp_path) != first


def test_model_hash_of_the_shipped_model_and_of_none(tmp_path: Path) -> None:
    ledger = load_tool()
    assert len(ledger.model_hash()) == 12
    assert ledger.model_hash(tmp_path / "absent") == "rules"
