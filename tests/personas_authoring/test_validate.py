"""`rapport persona validate`: problems name file, line and field; --eval compares two runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.errors import PersonaInvalid
from app.personas.registry import load_persona_file
from app.personas.schema import Persona
from app.personas.validate import (
    compare_runs,
    eval_persona,
    generic_scripts,
    validate_file,
)
from tests import personas_yaml
from tests.personas_authoring.conftest import PERSONAS_DIR

BUILTINS = sorted(PERSONAS_DIR.glob("*.yaml"))


def _write(tmp_path: Path, data: dict[str, Any], name: str = "recruiter.yaml") -> Path:
    path = tmp_path / name
    path.write_text(personas_yaml.dump(data), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, line in enumerate(lines) if needle in line)


@pytest.mark.parametrize("path", BUILTINS, ids=lambda p: p.stem)
def test_every_builtin_persona_has_no_errors(path):
    result = validate_file(path)
    assert result.ok, [str(p) for p in result.errors]


def test_a_bad_value_is_reported_with_its_field_and_line(tmp_path, recruiter_data):
    recruiter_data["difficulties"]["normal"]["patience"] = 0
    path = _write(tmp_path, recruiter_data)
    [error] = validate_file(path).errors
    assert error.field == "difficulties.normal.patience"
    assert error.line == _line_of(path, "patience: 0")
    assert str(error).startswith(f"{path}:{error.line}: error: field difficulties.normal.patience")


def test_a_missing_field_is_reported_at_its_parent(tmp_path, recruiter_data):
    del recruiter_data["reactions"]["pitch"]
    path = _write(tmp_path, recruiter_data)
    [error] = validate_file(path).errors
    assert error.field == "reactions.pitch"
    assert error.line == _line_of(path, "reactions:")
    assert "required" in error.message.lower()


def test_every_error_in_a_file_is_reported_at_once(tmp_path, recruiter_data):
    recruiter_data["facts"][2]["answers"] = []
    recruiter_data["hooks"][0]["min_trust"] = 2
    recruiter_data["colour"] = "blue"
    fields = {e.field for e in validate_file(_write(tmp_path, recruiter_data)).errors}
    assert fields == {"facts[2].answers", "hooks[0].min_trust", "colour"}


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nname: [unclosed\nrole: x\n", encoding="utf-8")
    [error] = validate_file(path).errors
    assert error.field == "(yaml)" and error.line in {2, 3, 4}


BILLION_LAUGHS = "id: laughs\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_a_billion_laughs_file_is_refused_before_anything_expands_it(tmp_path):
    # 81 aliases that stand for 9**9 strings: safe_load shares them, but the first export or
    # JSON dump writes every copy out and runs out of memory.
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    [error] = validate_file(path).errors
    assert error.field == "(yaml)" and "aliases expand" in error.message
    with pytest.raises(PersonaInvalid, match="aliases expand"):
        load_persona_file(path)


def test_a_few_aliases_are_still_plain_yaml(tmp_path, recruiter_data):
    text = personas_yaml.dump(recruiter_data)
    text += "x-shared: &shared [a, b]\nx-again: *shared\n"
    path = tmp_path / "recruiter.yaml"
    path.write_text(text, encoding="utf-8")
    assert all("alias" not in e.message for e in validate_file(path).errors)


def test_id_must_match_the_file_name(tmp_path, recruiter_data):
    path = _write(tmp_path, recruiter_data, name="priya.yaml")
    [error] = validate_file(path).errors
    assert (error.field, error.line) == ("id", 1)


def test_a_keyword_the_engine_ignores_is_a_warning_with_its_line(tmp_path, recruiter_data):
    recruiter_data["facts"][0]["keywords"].append("what do you")
    path = _write(tmp_path, recruiter_data)
    result = validate_file(path)
    assert result.ok
    [warning] = [w for w in result.warnings if "only common words" in w.message]
    assert warning.field == f"facts[0].keywords[{len(recruiter_data['facts'][0]['keywords']) - 1}]"
    assert warning.line == _line_of(path, "- what do you")


def test_difficulties_in_the_wrong_order_are_a_warning(tmp_path, recruiter_data):
    recruiter_data["difficulties"]["hard"]["patience"] = 9
    result = validate_file(_write(tmp_path, recruiter_data))
    assert any(w.field == "difficulties.hard" for w in result.warnings)


def test_a_card_file_is_validated_through_its_import(tmp_path):
    result = validate_file(Path(__file__).with_name("card_v2.json"))
    assert result.ok
    assert any("coaching data" in w.message for w in result.warnings)


@pytest.mark.parametrize(
    "persona_id", ["alumni_mentor", "hiring_manager", "investor", "group_conversation"]
)
async def test_eval_accepts_each_new_builtin_persona_with_its_own_scripts(persona_id):
    persona = validate_file(PERSONAS_DIR / f"{persona_id}.yaml").persona
    assert persona is not None
    verdict = await eval_persona(persona, Settings(engine="scripted"))
    assert verdict.accepted, verdict.reasons
    assert verdict.source.endswith(f"evals/scripts/{persona_id}")
    assert verdict.listener.script.name == f"{persona_id}-normal-listener"


async def test_eval_refuses_a_pushover_whom_a_pitcher_wins_over_as_well(recruiter_data):
    # Starts at full trust and barely loses any: pitching costs nothing, so nothing is learnt.
    recruiter_data["id"] = "pushover"
    recruiter_data["difficulties"]["normal"] = {
        "initial_trust": 1.0,
        "trust_gain": 0.1,
        "trust_loss": 0.01,
        "patience": 50,
    }
    persona = Persona.model_validate(recruiter_data)
    verdict = await eval_persona(persona, Settings(engine="scripted"))
    assert not verdict.accepted
    assert any("final trust" in reason for reason in verdict.reasons)
    assert verdict.source.startswith("generic scripts")


def test_generic_scripts_speak_to_the_persona_by_name(recruiter_data):
    listener, pitcher = generic_scripts(Persona.model_validate(recruiter_data))
    assert listener.user is not None and pitcher.user is not None
    assert listener.user[0].startswith("Hi Priya")
    assert "Northwind Health" in pitcher.user[0]


def test_a_run_that_failed_is_never_accepted():
    from app.evals.runner import RunResult

    listener, pitcher = generic_scripts(Persona.model_validate(personas_yaml.builtin("recruiter")))
    broken = RunResult(script=listener, passed=False, failures=["the API refused the run"])
    fine = RunResult(script=pitcher, passed=True, report={"mean_score": 5}, state={"trust": 0})
    assert compare_runs(broken, fine) == [f"{listener.name}: the API refused the run"]
