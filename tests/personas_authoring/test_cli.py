"""`rapport persona validate|import|export|schema` as an author runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.personas.cards import card_from_png, png_text
from app.personas.cli import register
from app.personas.registry import load_persona_file
from tests import personas_yaml
from tests.personas_authoring.conftest import HERE, PERSONAS_DIR

NEW_PERSONAS = ("alumni_mentor", "hiring_manager", "investor", "group_conversation")


@pytest.fixture(scope="module")
def cli() -> CliRunner:
    register(app)
    return CliRunner()


def test_register_adds_the_commands_to_the_existing_persona_group(cli):
    register(app)  # a second call changes nothing
    [group] = [g.typer_instance for g in app.registered_groups if g.name == "persona"]
    names = [c.name for c in group.registered_commands]
    assert {"list", "graph", "validate", "import", "export", "schema"} <= set(names)
    assert names.count("validate") == 1


def test_validate_prints_file_line_and_field_and_exits_1_on_errors(cli, tmp_path):
    data = personas_yaml.builtin("recruiter")
    data["difficulties"]["normal"]["trust_gain"] = "lots"
    bad = tmp_path / "recruiter.yaml"
    bad.write_text(personas_yaml.dump(data), encoding="utf-8")
    done = cli.invoke(app, ["persona", "validate", str(bad), str(PERSONAS_DIR / "prospect.yaml")])
    assert done.exit_code == 1
    assert f"{bad}:" in done.output and "field difficulties.normal.trust_gain" in done.output
    assert "ok " in done.output and "prospect.yaml" in done.output


def test_validate_passes_the_new_builtin_personas_without_warnings(cli):
    files = [str(PERSONAS_DIR / f"{name}.yaml") for name in NEW_PERSONAS]
    done = cli.invoke(app, ["persona", "validate", "--strict", *files])
    assert done.exit_code == 0, done.output


def test_validate_a_directory_checks_every_persona_file_in_it(cli):
    done = cli.invoke(app, ["persona", "validate", str(PERSONAS_DIR)])
    assert done.exit_code == 0, done.output
    accepted = [line for line in done.output.splitlines() if line.startswith("ok ")]
    assert len(accepted) == len(list(PERSONAS_DIR.glob("*.yaml")))


def test_import_writes_yaml_and_sidecar_and_export_png_reimports_the_same(cli, tmp_path):
    target = tmp_path / "dana.yaml"
    done = cli.invoke(app, ["persona", "import", str(HERE / "card_v2.json"), "--out", str(target)])
    assert done.exit_code == 0, done.output
    assert "warning:" in done.output
    persona = load_persona_file(target)
    assert persona.id == "dana"
    assert persona.extensions["fav"] is False
    assert json.loads((tmp_path / "dana.card.json").read_text())["fields"]["creator"] == "a coach"

    png = tmp_path / "dana.png"
    assert cli.invoke(app, ["persona", "export", str(target), "--out", str(png)]).exit_code == 0
    assert {"chara", "ccv3"} <= set(png_text(png.read_bytes()))
    assert card_from_png(png.read_bytes())["data"]["extensions"]["talkativeness"] == "0.6"

    again = tmp_path / "again" / "dana.yaml"
    assert cli.invoke(app, ["persona", "import", str(png), "--out", str(again)]).exit_code == 0
    assert load_persona_file(again) == persona


def test_import_refuses_to_overwrite_without_force(cli, tmp_path):
    target = tmp_path / "dana.yaml"
    target.write_text("keep me", encoding="utf-8")
    done = cli.invoke(app, ["persona", "import", str(HERE / "card_v2.json"), "--out", str(target)])
    assert done.exit_code == 1 and "--force" in done.output
    assert target.read_text(encoding="utf-8") == "keep me"


def test_export_by_id_prints_a_v2_card(cli):
    done = cli.invoke(app, ["persona", "export", "investor"])
    assert done.exit_code == 0, done.output
    card = json.loads(done.stdout)
    assert card["spec"] == "chara_card_v2" and card["data"]["name"] == "Helen Marsh"


def test_export_of_an_unknown_id_lists_the_known_ones(cli):
    done = cli.invoke(app, ["persona", "export", "dragon"])
    assert done.exit_code == 2 and "recruiter" in done.output


def test_schema_prints_the_json_schema(cli):
    done = cli.invoke(app, ["persona", "schema"])
    assert done.exit_code == 0
    assert json.loads(done.stdout)["title"] == "Rapport persona"


def test_validate_eval_reports_the_verdict(cli):
    done = cli.invoke(app, ["persona", "validate", "--eval", str(PERSONAS_DIR / "investor.yaml")])
    assert done.exit_code == 0, done.output
    assert "accepted investor" in done.output
    assert "investor-normal-listener" in done.output
