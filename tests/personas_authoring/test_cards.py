"""Character Card import and export: round trips, PNG chunks, macros, defaults, extensions."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.evals.runner import in_process_client
from app.personas.cards import (
    SPEC_V2,
    SPEC_V3,
    CardError,
    Substitution,
    card_bytes,
    card_from_png,
    card_to_persona,
    load_extras,
    parse_card_bytes,
    persona_to_card,
    persona_yaml,
    plain_png,
    png_text,
    save_extras,
    with_png_text,
)
from app.personas.registry import load_persona_file, load_personas
from app.personas.schema import Persona
from tests.personas_authoring.conftest import PERSONAS_DIR


def _round_trip(raw: bytes) -> Any:
    card, avatar = parse_card_bytes(raw)
    return card_to_persona(card, avatar=avatar)


async def _converse(persona_dir: Path, persona_id: str, lines: list[str]) -> dict[str, Any]:
    settings = Settings(engine="scripted", personas_dir=persona_dir, llm_api_key=None)
    async with in_process_client(settings) as client:
        created = await _ok(client.post("/v1/conversations", json={"persona_id": persona_id}))
        state = created["state"]
        for line in lines:
            answer = await _ok(
                client.post(f"/v1/conversations/{created['id']}/turns", json={"content": line})
            )
            state = answer["state"]
            if state["ended"]:
                break
        return {"opening": created["messages"][0]["content"], "state": state}


async def _ok(request: Any) -> dict[str, Any]:
    response: httpx.Response = await request
    assert response.status_code < 300, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_v2_card_imports_converses_exports_and_reimports_to_the_same_persona(
    card_v2, tmp_path
):
    imported = card_to_persona(card_v2)
    persona = imported.persona
    path = tmp_path / f"{persona.id}.yaml"
    path.write_text(persona_yaml(persona), encoding="utf-8")
    assert load_persona_file(path) == persona

    chat = await _converse(
        tmp_path,
        persona.id,
        ["Hi Dana, I'm Sam. How did you get started in banking?", "Tell me more about Lagos."],
    )
    assert chat["opening"] in persona.openings
    assert chat["state"]["turn"] >= 1

    again = _round_trip(card_bytes(persona, imported.extras, "json"))
    assert again.persona == persona
    assert again.warnings == []


def test_png_card_carries_v2_and_v3_chunks_and_round_trips(card_v2):
    persona = card_to_persona(card_v2).persona
    png = card_bytes(persona, None, "png")
    chunks = png_text(png)
    v2 = json.loads(base64.b64decode(chunks["chara"]))
    v3 = json.loads(base64.b64decode(chunks["ccv3"]))
    assert (v2["spec"], v2["spec_version"]) == (SPEC_V2, "2.0")
    assert (v3["spec"], v3["spec_version"]) == (SPEC_V3, "3.0")
    assert v3["data"]["group_only_greetings"] == []
    assert _round_trip(png).persona == persona


def test_png_avatar_from_an_imported_card_is_kept_for_export(card_v2):
    picture = plain_png("someone else's picture", size=8)
    chunk = base64.b64encode(json.dumps(card_v2).encode()).decode()
    imported = _round_trip(with_png_text(picture, {"chara": chunk}))
    assert imported.extras.avatar == picture
    exported = card_bytes(imported.persona, imported.extras, "png")
    assert exported.startswith(picture[: len(picture) - 12])  # same image chunks, new text


def test_ccv3_chunk_wins_over_chara_when_both_are_present(card_v2):
    older = json.loads(json.dumps(card_v2))
    older["data"]["name"] = "Old Name"
    newer = {"spec": SPEC_V3, "spec_version": "3.0", "data": card_v2["data"]}
    texts = {
        "chara": base64.b64encode(json.dumps(older).encode()).decode(),
        "ccv3": base64.b64encode(json.dumps(newer).encode()).decode(),
    }
    assert card_from_png(with_png_text(plain_png("x", 4), texts))["data"]["name"] == "Dana Okafor"


def test_unknown_extensions_go_into_the_persona_and_survive_a_round_trip_without_sidecar(card_v2):
    imported = card_to_persona(card_v2)
    foreign = card_v2["data"]["extensions"]
    assert imported.persona.extensions == foreign
    assert imported.extras.extensions == {}

    exported = persona_to_card(imported.persona)  # the model alone: no sidecar, no extras
    extensions = exported["data"]["extensions"]
    assert {k: v for k, v in extensions.items() if k != "rapport"} == foreign
    assert "extensions" not in extensions["rapport"]["persona"]  # beside ours, not inside

    again = card_to_persona(exported)
    assert again.persona == imported.persona


def test_an_extension_another_tool_dropped_stays_dropped_on_reimport(card_v2):
    exported = persona_to_card(card_to_persona(card_v2).persona)
    del exported["data"]["extensions"]["fav"]
    again = card_to_persona(exported).persona
    assert "fav" not in again.extensions
    assert again.extensions["depth_prompt"] == card_v2["data"]["extensions"]["depth_prompt"]


def test_extensions_are_never_public_and_rapport_is_a_reserved_key(card_v2, recruiter_data):
    persona = card_to_persona(card_v2).persona
    assert "extensions" not in persona.public()
    recruiter_data["extensions"] = {"rapport": {"persona": {}}}
    with pytest.raises(ValueError, match="reserved"):
        Persona.model_validate(recruiter_data)


def test_card_only_fields_survive_import_sidecar_export_and_reimport(card_v2, tmp_path):
    imported = card_to_persona(card_v2)
    yaml_path = tmp_path / f"{imported.persona.id}.yaml"
    yaml_path.write_text(persona_yaml(imported.persona), encoding="utf-8")
    save_extras(yaml_path, imported.extras)

    exported = persona_to_card(load_persona_file(yaml_path), load_extras(yaml_path))
    extensions = exported["data"]["extensions"]
    for key, value in card_v2["data"]["extensions"].items():
        assert extensions[key] == value
    assert extensions["rapport"]["persona"]["id"] == imported.persona.id
    assert exported["data"]["creator"] == "a coach"
    assert exported["data"]["system_prompt"] == "Stay in character as {{char}}."

    again = card_to_persona(exported)
    assert again.persona == imported.persona


def test_a_sidecar_written_before_personas_kept_extensions_still_exports_them(card_v2, tmp_path):
    persona = card_to_persona(card_v2).persona.model_copy(update={"extensions": {}})
    yaml_path = tmp_path / f"{persona.id}.yaml"
    yaml_path.write_text(persona_yaml(persona), encoding="utf-8")
    old = {"extensions": {"fav": True}, "fields": {"creator": "a coach"}}
    (tmp_path / f"{persona.id}.card.json").write_text(json.dumps(old), encoding="utf-8")

    exported = persona_to_card(load_persona_file(yaml_path), load_extras(yaml_path))
    assert exported["data"]["extensions"]["fav"] is True
    assert card_to_persona(exported).persona.extensions == {"fav": True}


def test_a_persona_without_extensions_writes_no_extensions_key_to_yaml():
    persona = load_persona_file(PERSONAS_DIR / "recruiter.yaml")
    assert persona.extensions == {}
    assert "extensions" not in persona_yaml(persona)


def test_card_edited_in_another_tool_keeps_the_edit_and_the_coaching_data(card_v2):
    persona = card_to_persona(card_v2).persona
    card = persona_to_card(persona)
    card["data"]["first_mes"] = "Hey {{user}}! Dana. Great panel, right?"
    edited = card_to_persona(card).persona
    assert edited.openings[0] == "Hey there! Dana. Great panel, right?"
    assert edited.model_dump(exclude={"openings"}) == persona.model_dump(exclude={"openings"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{char}} waves at {{user}}.", "Dana waves at you."),
        ("Hi {{user}}! I'm {{char}}.", "Hi there! I'm Dana."),
        ("Good to see you, {{user}}.", "Good to see you."),
        ("{{user}}, come and sit.", "Come and sit."),
        ("{{user}} walks in and {{user}} sits down.", "You walk in and you sit down."),
        ("Is that {{user}}'s coffee?", "Is that your coffee?"),
        ("<BOT> greets <USER>.", "Dana greets you."),
        ("{{CHAR}} and {{User}}", "Dana and you"),
    ],
)
def test_char_and_user_macros_are_replaced(text, expected):
    assert Substitution("Dana")(text, "field") == expected


def test_macros_are_honoured_in_every_imported_text(card_v2):
    persona = card_to_persona(card_v2).persona
    texts = json.dumps(persona.model_dump(exclude={"reactions"}))
    assert "{{" not in texts and "<USER>" not in texts
    assert persona.scenario.startswith("You meet Dana Okafor at the Fintech Forward meetup")
    assert persona.openings == [
        "Hi there! Escaping the panel Q&A too? I'm Dana.",
        "Good to see you. That panel ran long, didn't it?",
    ]


def test_card_without_coaching_data_gets_working_defaults_and_says_so(card_v2):
    imported = card_to_persona(card_v2)
    persona, warnings = imported.persona, " | ".join(imported.warnings)
    assert (persona.role, persona.company) == ("Product director", "Lumen Bank")
    assert {f.topic for f in persona.facts} == {"career", "lumen_bank"}
    assert persona.facts[0].keywords == ["teller", "lagos", "started", "career"]
    assert set(persona.difficulties) == {"easy", "normal", "hard"}
    assert "coaching data" in warnings and "lorebook" in warnings
    assert "character_book.entries[2]" in warnings  # the disabled entry was skipped, and said so


def test_card_without_coaching_data_can_say_yes_and_not_yet_to_an_ask(card_v2):
    reward = card_to_persona(card_v2).persona.reward
    assert reward.accept and reward.defer
    assert all("coffee" in line.lower() for line in reward.accept)  # the default reward, named


def test_bare_card_with_only_a_name_still_makes_a_valid_persona():
    imported = card_to_persona({"spec": SPEC_V2, "spec_version": "2.0", "data": {"name": "Sol"}})
    assert imported.persona.id == "sol"
    assert imported.persona.openings == ["Hi, I'm Sol. Nice to meet you."]
    for field in ("scenario", "openings", "facts", "role and company", "speaking_style"):
        assert any(w.startswith(field) for w in imported.warnings), field


def test_v1_card_with_fields_at_the_top_level_is_accepted(card_v2):
    v1 = {k: v for k, v in card_v2["data"].items() if k in {"name", "description", "first_mes"}}
    imported = card_to_persona(v1)
    assert imported.spec == "chara_card_v1"
    assert imported.persona.name == "Dana Okafor"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (plain_png("no card", 4), "no 'chara' or 'ccv3' text chunk"),
        (b"not json, not png", "neither a PNG card nor JSON"),
        (json.dumps({"spec": "chara_card_v9", "data": {}}).encode(), "field spec"),
        (json.dumps({"spec": SPEC_V2, "data": {"name": " "}}).encode(), "field data.name"),
    ],
)
def test_unreadable_cards_are_refused_with_the_reason(raw, message):
    with pytest.raises(CardError, match=message.replace("(", r"\(")):
        card, avatar = parse_card_bytes(raw)
        card_to_persona(card, avatar=avatar)


@pytest.mark.parametrize("persona", load_personas(PERSONAS_DIR).all(), ids=lambda p: p.id)
@pytest.mark.parametrize("fmt", ["json", "png"])
def test_every_builtin_persona_survives_a_card_round_trip(persona, fmt):
    again = _round_trip(card_bytes(persona, None, fmt))
    assert again.persona == persona
    assert again.extras.is_empty()


def test_a_card_exported_before_a_reaction_kind_existed_still_imports(card_v2):
    card = persona_to_card(card_to_persona(card_v2).persona)
    del card["data"]["extensions"]["rapport"]["persona"]["reactions"]["thanks"]
    imported = card_to_persona(card)
    assert imported.persona.reactions.thanks
    assert any(w.startswith("reactions thanks") for w in imported.warnings)


def _chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@pytest.mark.parametrize("kind", [b"zTXt", b"iTXt"])
def test_a_text_chunk_that_inflates_past_the_cap_is_refused_without_inflating_it(kind):
    # A decompression bomb: 64 MiB of zeros is ~64 KB compressed; reading it whole would cost
    # the importer the full 64 MiB (and a real card of a few MB, gigabytes).
    import zlib

    bomb = zlib.compress(b"\0" * (64 << 20), 9)
    header = b"chara\0\0" if kind == b"zTXt" else b"chara\0\x01\0\0\0"
    png = plain_png("bomb", 4)
    png = png[:-12] + _chunk(kind, header + bomb) + png[-12:]
    with pytest.raises(CardError, match="more than 1 MiB"):
        parse_card_bytes(png, "bomb.png")
