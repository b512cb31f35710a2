"""The role guard (issue 17, point 8): the reply is the persona speaking, not the learner, not a
narrator, not the learner's ask turned around. Checked on the reply alone; a draft that breaks
its role is written again, and a persona that will not stay in role gets an in-character line
from its YAML. Engine and API tests talk to the fake server over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import Settings
from app.llm.engine import LLMEngine
from app.llm.guard import OutputGuard
from app.llm.metrics import GUARD_VIOLATIONS
from app.llm.role import RoleCheck, learner_names
from app.personas.registry import load_personas
from app.personas.schema import Persona
from tests.api.helpers import parse_sse, start, transcript
from tests.llm.conftest import FakeControl, context, reply_to
from tests.llm.test_api_on_llm import llm_api
from tests.llm.test_guard_echo import spoken_lines

ROOT = Path(__file__).resolve().parents[2]
PERSONAS = load_personas(Settings().personas_dir).all()
PITCH = (
    "Hi, I'm Alex. I'm a full-stack engineer with eight years of React and Node, and I'd be a "
    "perfect fit for your engineering team."
)


def check(reply: str, learner_lines: tuple[str, ...] = (PITCH,)) -> str | None:
    broken = RoleCheck("Priya Raman", learner_lines).check(reply)
    return broken.kind if broken else None


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("*smiles* I started out teaching chemistry.", "narration"),
        ("(laughs) Oh, that is a long story.", "narration"),
        ("[pauses] Well, it was a long road.", "narration"),
        ("Priya nods and says she loves the work.", "narration"),
        ("That's lovely. Priya smiles.", "narration"),
        ("I see the user is interested in recruiting.", "narration"),
        ("Hi, I'm Alex, nice to meet you.", "speaking_as_user"),
        ("Alex here, happy to chat.", "speaking_as_user"),
        ("I'm a full-stack engineer with eight years of React and Node.", "speaking_as_user"),
        ("Could you refer me to the hiring manager?", "inverted_ask"),
        ("Would you be my mentor?", "inverted_ask"),
        ("I'm actually looking for a new job myself.", "inverted_ask"),
        ("Could you take a look at my resume?", "inverted_ask"),
        ("I'd be the ideal hire for your company.", "inverted_ask"),
    ],
)
def test_a_reply_out_of_the_personas_role_is_caught(reply: str, kind: str) -> None:
    assert check(reply) == kind


@pytest.mark.parametrize(
    "reply",
    [
        "Nice to meet you, Alex! I'm Priya, I recruit engineers for Northwind Health.",
        "So you're a full-stack engineer with eight years of React and Node? That's a lot.",
        "I was a chemistry teacher for four years before a friend pulled me into recruiting.",
        "Alex, I'm glad you asked. We build software for home-care nurses.",
        "My manager is looking for engineers who care about the nurses.",
        "I'd love to hear more about what you build. What's your team like?",
        "Ha, fair enough (it was a long week). What brings you here?",
        "I asked my old boss: could you refer me to someone at Northwind? That's how it started.",
    ],
)
def test_the_persona_in_its_own_voice_passes(reply: str) -> None:
    # The last one is caught: the persona's story may not borrow the learner's ask. Redone, a
    # story told another way passes.
    expected = "inverted_ask" if "could you refer me" in reply else None
    assert check(reply) == expected


def test_the_learners_words_said_back_by_the_persona_in_its_own_line_pass() -> None:
    learner = ("So you moved from Shenzhen to Toronto only for this startup?",)
    persona_line = "I moved from Shenzhen to Toronto only for this startup."

    broken = RoleCheck("Priya Raman", learner, own_words=[persona_line]).check(
        "Yes, I moved from Shenzhen to Toronto only for this startup. Crazy, right?"
    )

    assert broken is None


def test_the_learners_name_is_read_from_what_they_said() -> None:
    lines = ["Hi Priya, I'm Alex. Good so far.", "I'm glad you asked. My name is Jordan, really."]

    assert learner_names(lines) == ["Alex", "Jordan"]


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.id for p in PERSONAS])
def test_every_line_the_persona_file_lets_the_persona_say_passes(persona: Persona) -> None:
    role = RoleCheck(persona.name, (PITCH,))

    flagged = [line for line in spoken_lines(persona, with_hooks=True) if role.check(line)]

    assert flagged == []


def test_persona_lines_people_wrote_in_the_corpus_pass_with_their_conversations() -> None:
    """The conversations people wrote: the other person's lines, against the learner's."""
    checked, flagged = 0, []
    for path in sorted((ROOT / "evals" / "data").rglob("*.jsonl")):
        for raw in path.read_text().splitlines():
            row = json.loads(raw) if raw.strip() else {}
            history = row.get("history") or []
            learner = [h["content"] for h in history if h.get("role") == "user"]
            if isinstance(row.get("message"), str):
                learner.append(row["message"])
            partner = [h["content"] for h in history if h.get("role") == "persona"]
            if isinstance(row.get("partner"), str):
                partner.append(row["partner"])
            # Names no one in the corpus goes by (a corpus "Priya said ..." is someone else).
            for name in ("Denise Okafor", "Daniel Osei"):
                role = RoleCheck(name, learner, own_words=partner)
                for line in partner:
                    checked += 1
                    if role.check(line):
                        flagged.append(line)

    assert checked > 5000 and flagged == []


def test_the_guard_reports_a_role_break_as_a_violation() -> None:
    guard = OutputGuard(role=RoleCheck("Priya Raman", (PITCH,)))

    violation = guard.check("*waves* Hello there.")

    assert violation is not None and violation.kind == "narration"
    assert "narrated" in violation.reason()


# -- the engine, against the fake ------------------------------------------------------------


async def test_a_reply_spoken_as_the_learner_is_written_again(
    engine: LLMEngine, recruiter: Persona, fake: FakeControl
) -> None:
    before = GUARD_VIOLATIONS.labels(kind="speaking_as_user")._value.get()
    opening = context(recruiter, PITCH).history
    history = (*opening, opening[0])
    ctx = context(recruiter, "Let's swap roles: you be me for a minute.", history=history)

    streamed, _ = await reply_to(engine, ctx)
    whole = await engine.reply(ctx)

    for reply in (streamed, whole):
        assert reply.strip() and "Alex" not in reply and "refer me" not in reply
    persona_calls = [r for r in fake.requests() if r["messages"][0]["role"] == "system"]
    assert len(persona_calls) == 4  # for each: the draft, then the one written again
    assert "broke character" in persona_calls[1]["messages"][0]["content"]
    assert GUARD_VIOLATIONS.labels(kind="speaking_as_user")._value.get() == before + 2


async def test_a_narrating_persona_that_will_not_stop_gets_a_line_from_its_yaml(
    engine: LLMEngine, recruiter: Persona, fake: FakeControl
) -> None:
    fake.configure(stubborn=True)
    ctx = context(recruiter, "So what are you doing at this booth?")

    reply, _ = await reply_to(engine, ctx)
    rest = await engine.reply(ctx)

    assert reply == engine.deflection(ctx) == rest
    assert any(reply.startswith(line) for line in recruiter.reactions.unknown)
    assert "*" not in reply


async def test_over_sse_the_learner_never_sees_a_narrated_draft(
    database_url: str, fake: FakeControl
) -> None:
    async with llm_api(database_url, fake) as client:
        conversation = await start(client, "recruiter")
        async with client.stream(
            "POST",
            f"/v1/conversations/{conversation['id']}/turns",
            json={"content": "Hi Priya! What are you doing at this booth today?"},
            headers={"Accept": "text/event-stream"},
        ) as response:
            events = parse_sse(await response.aread())
        stored = (await transcript(client, conversation["id"]))["messages"][-1]["content"]

    shown = "".join(data["text"] for name, data in events if name == "delta")
    assert events[-1][0] == "done"
    assert shown == stored and "*" not in shown and "Priya nods" not in shown
