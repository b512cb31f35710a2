"""`make eval-feedback` from a clone without AnnoMI beside it: one message saying where to point."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.feedback.evaluate import main


def test_missing_annomi_fails_saying_how_to_point_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--annomi-dir", str(tmp_path)]) == 2
    said = capsys.readouterr().err
    assert str(tmp_path / "AnnoMI-full.csv") in said
    assert "ANNOMI_DIR=" in said and "ANNOMI=none" in said


def test_the_environment_variable_names_the_folder_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAPPORT_ANNOMI_DIR", str(tmp_path / "elsewhere"))
    assert main([]) == 2
    assert str(tmp_path / "elsewhere" / "AnnoMI-full.csv") in capsys.readouterr().err
