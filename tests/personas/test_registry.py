"""Persona files: the shipped ones are valid and rich; broken ones are refused precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import ROOT
from app.errors import InvalidInput, NotFound, PersonaInvalid
from app.personas.registry import load_personas
from app.personas.schema import DEFAULT_DIFFICULTY
from tests import personas_yaml

PERSONAS_DIR = ROOT / "personas"
PUBLIC_FIELDS = {"id", "name", "role", "company", "summary", "scenario", "difficulties"}


def _copy_recruiter(tmp_path: Path) -> Path:
    target = tmp_path / "recruiter.yaml"
    shutil.copy(PERSONAS_DIR / "recruiter.yaml", target)
    return target


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = personas_yaml.read(path)
    change(data)
    path.write_text(personas_yaml.dump(data))


def test_shipped_personas_load() -> None:
    registry = load_personas(PERSONAS_DIR)
    assert {p.id for p in registry.all()} >= {"recruiter", "conference_stranger", "prospect"}


@pytest.mark.parametrize("persona_id", ["recruiter", "conference_stranger", "prospect"])
def test_shipped_personas_are_rich_enough_to_talk_to(persona_id: str) -> None:
    persona = load_personas(PERSONAS_DIR).get(persona_id)
    assert len(persona.facts) >= 10
    assert all(len(f.answers) >= 2 and len(f.deeper) >= 1 for f in persona.facts)
    assert len(persona.hooks) >= 2
    assert {"easy", "normal", "hard"} <= set(persona.difficulties)
    assert DEFAULT_DIFFICULTY in persona.difficulties
    for name in ("pitch", "minimal", "ignored", "cooling", "walk_away"):
        assert len(getattr(persona.reactions, name)) >= 3, name


@pytest.mark.parametrize("persona_id", ["recruiter", "conference_stranger", "prospect"])
def test_public_view_has_exactly_the_public_fields_and_no_hook(persona_id: str) -> None:
    persona = load_personas(PERSONAS_DIR).get(persona_id)
    public = persona.public()
    assert set(public) == PUBLIC_FIELDS
    assert public["difficulties"] == list(persona.difficulties)
    text = repr(public)
    for hook in persona.hooks:
        assert hook.id not in text
        assert all(line not in text for line in [*hook.reveal, *hook.deeper_texts])
        assert hook.summary not in text


def test_unknown_persona_is_not_found_and_lists_the_known_ones() -> None:
    with pytest.raises(NotFound, match="recruiter"):
        load_personas(PERSONAS_DIR).get("astronaut")


def test_unknown_difficulty_is_invalid_input_naming_the_allowed_ones() -> None:
    registry = load_personas(PERSONAS_DIR)
    with pytest.raises(InvalidInput, match="allowed: easy, normal, hard"):
        registry.difficulty(registry.get("prospect"), "insane")
    assert registry.difficulty(registry.get("prospect"), "hard").patience >= 1


def test_a_missing_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d["reactions"].pop("walk_away"))
    with pytest.raises(PersonaInvalid) as error:
        load_personas(tmp_path)
    message = str(error.value)
    assert "recruiter.yaml" in message
    assert "reactions.walk_away" in message
    assert "Field required" in message


def test_a_wrong_type_names_the_field_path_and_line(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d["hooks"][1].update(min_trust="high"))
    with pytest.raises(PersonaInvalid) as error:
        load_personas(tmp_path)
    message = str(error.value)
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "min_trust: high" in text
    )
    assert f"hooks[1].min_trust (line {line})" in message


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d.update(favourite_colour="teal"))
    with pytest.raises(PersonaInvalid, match="favourite_colour"):
        load_personas(tmp_path)


def test_a_hook_gated_on_the_ended_stage_is_refused(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d["hooks"][0].update(min_stage="ended"))
    with pytest.raises(PersonaInvalid, match=r"hooks\[0\]"):
        load_personas(tmp_path)


def test_a_question_about_an_unknown_topic_is_refused(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d["questions"][0].update(topic="astrology"))
    with pytest.raises(PersonaInvalid, match="astrology"):
        load_personas(tmp_path)


def test_duplicate_topics_are_refused(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d["facts"].append(dict(d["facts"][0])))
    with pytest.raises(PersonaInvalid, match="duplicate ids"):
        load_personas(tmp_path)


def test_a_persona_without_the_default_difficulty_is_refused(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d["difficulties"].pop("normal"))
    with pytest.raises(PersonaInvalid, match="normal"):
        load_personas(tmp_path)


def test_an_empty_list_of_variants_is_refused(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d["reactions"].update(pitch=[]))
    with pytest.raises(PersonaInvalid, match="reactions.pitch"):
        load_personas(tmp_path)


def test_an_id_that_differs_from_the_file_name_is_refused(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    path.rename(tmp_path / "headhunter.yaml")
    with pytest.raises(PersonaInvalid, match="headhunter.yaml"):
        load_personas(tmp_path)


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "recruiter.yaml").write_text("id: recruiter\nname: [unclosed\n")
    with pytest.raises(PersonaInvalid, match="recruiter.yaml: not valid YAML"):
        load_personas(tmp_path)


def test_every_invalid_file_is_reported_at_once(tmp_path: Path) -> None:
    _edit(_copy_recruiter(tmp_path), lambda d: d.pop("name"))
    (tmp_path / "prospect.yaml").write_text("- just\n- a list\n")
    with pytest.raises(PersonaInvalid) as error:
        load_personas(tmp_path)
    assert "recruiter.yaml" in str(error.value) and "prospect.yaml" in str(error.value)


def test_an_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PersonaInvalid, match="no persona files"):
        load_personas(tmp_path)


def test_a_name_greeting_without_the_name_placeholder_is_refused(tmp_path: Path) -> None:
    path = _copy_recruiter(tmp_path)
    _edit(path, lambda d: d["reactions"]["introduced"].append("Nice to meet you!"))
    with pytest.raises(PersonaInvalid, match="reactions.introduced"):
        load_personas(tmp_path)
