"""docs/llm.md names every LLM setting, so that a new one cannot go undocumented."""

from __future__ import annotations

from pathlib import Path

from app.config import ROOT, Settings

DOC = Path(ROOT / "docs" / "llm.md")


def test_every_llm_setting_is_in_docs_llm_md() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = [n for n in Settings.model_fields if n.startswith("llm_") or n == "proxy_timeout"]

    missing = [f"RAPPORT_{n.upper()}" for n in names if f"RAPPORT_{n.upper()}" not in text]

    assert names and missing == []
