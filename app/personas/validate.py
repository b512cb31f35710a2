"""`rapport persona validate`: every problem in a persona file, with its line and field.

Errors are what the registry would refuse (the file would stop the service from starting).
Warnings are what a persona author wants to know before users meet the persona: keywords the
scripted engine ignores or cannot tell apart, lists so short that lines repeat, difficulty levels
in the wrong order, hooks whose trust gate does nothing.

`--eval` goes further: it runs a listener and a pitcher through the evals runner (the whole
service, in process) and accepts the persona only if the listener does clearly better.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from app.config import ROOT, Settings
from app.dialogue.machine import THRESHOLD
from app.dialogue.scripted import FUNCTION_WORDS, lemmas, sentences
from app.dialogue.types import Outcome, Stage
from app.errors import PersonaInvalid
from app.evals.runner import RunResult, run_eval
from app.evals.scripts import Expect, Script, ScriptError, load_scripts
from app.personas.cards import CardError, card_to_persona, parse_card_bytes, persona_yaml
from app.personas.registry import load_persona_file, load_yaml
from app.personas.schema import DEFAULT_DIFFICULTY, Fact, Hook, Persona

Severity = Literal["error", "warning"]
CARD_SUFFIXES = {".json", ".png"}
MIN_VARIANTS = 2  # fewer variants than this and the persona repeats itself within minutes
DIFFICULTY_ORDER = ("easy", "normal", "hard")
# --eval: how much better the listener must do than the pitcher for the persona to be accepted.
SCORE_MARGIN = 20.0
TRUST_MARGIN = 0.15
STAGE_ORDER = ("opening", "rapport", "discovery", "opportunity", "closing")
OPTIONAL_REACTIONS = frozenset({"answered", "no_match", "meta", "sarcasm"})


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    field: str
    line: int | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        # file:line: is what editors and CI annotations turn into a link.
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: field {self.field}: {self.message}"


@dataclass
class Validation:
    path: Path
    persona: Persona | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.persona is not None and not self.errors


# --- validating a file ------------------------------------------------------------------------


def validate_file(path: Path) -> Validation:
    """Validate a persona YAML (or a character card: .json or .png) without raising."""
    if path.suffix.lower() in CARD_SUFFIXES:
        return _validate_card(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return Validation(path, None, [Problem(name, "(file)", None, f"cannot read: {exc}")])
    try:
        root, data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return Validation(path, None, [Problem(name, "(yaml)", line, f"not valid YAML: {exc}")])
    return validate_data(data, name, root=root, expected_id=path.stem, path=path)


def validate_data(
    data: Any,
    name: str,
    *,
    root: yaml.Node | None = None,
    expected_id: str | None = None,
    path: Path | None = None,
) -> Validation:
    """Validate parsed persona data; `root` (the YAML node tree) gives the problems their lines."""
    result = Validation(path or Path(name), None)
    if not isinstance(data, dict):
        result.problems.append(Problem(name, "(top level)", 1, "expected a mapping of fields"))
        return result
    try:
        persona = Persona.model_validate(data)
    except ValidationError as exc:
        result.problems.extend(_schema_problems(exc, name, root))
        return result
    if expected_id is not None and persona.id != expected_id:
        msg = f"is {persona.id!r} but the file is named {expected_id!r}: they must match"
        result.problems.append(Problem(name, "id", line_of(root, ("id",)), msg))
    result.persona = persona
    result.problems.extend(lint(persona, name, root))
    if path is not None and not result.errors:
        result.problems.extend(_registry_agrees(path, name))
    return result


def _schema_problems(exc: ValidationError, name: str, root: yaml.Node | None) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        problems.append(Problem(name, dotted(loc), line_of(root, loc), error["msg"]))
    return problems


def _registry_agrees(path: Path, name: str) -> list[Problem]:
    """The service loads personas through the registry: whatever it refuses is an error here."""
    try:
        load_persona_file(path)
    except PersonaInvalid as exc:
        return [Problem(name, "(file)", None, f"the registry refuses it: {exc}")]
    return []


def _validate_card(path: Path) -> Validation:
    name = str(path)
    try:
        card, avatar = parse_card_bytes(path.read_bytes(), name)
        imported = card_to_persona(card, avatar=avatar)
    except OSError as exc:
        return Validation(path, None, [Problem(name, "(file)", None, f"cannot read: {exc}")])
    except CardError as exc:
        return Validation(path, None, [Problem(name, "(card)", None, exc.detail)])
    result = Validation(path, imported.persona)
    result.problems.extend(Problem(name, "(card)", None, w, "warning") for w in imported.warnings)
    result.problems.extend(lint(imported.persona, name, None))
    return result


def dotted(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def line_of(root: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """The 1-based line of the deepest field on the path that exists in the file.

    A mapping value counts from its key's line, so a field missing from `reactions:` is
    reported on the `reactions:` line, not on the first line inside it.
    """
    if root is None:
        return None
    node, line = root, root.start_mark.line + 1
    for part in loc:
        found = _child(node, part)
        if found is None:
            break
        node, line = found[0], found[1] + 1
    return line


def _child(node: yaml.Node, part: Any) -> tuple[yaml.Node, int] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return value, key.start_mark.line
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item.start_mark.line
    return None


# --- warnings ---------------------------------------------------------------------------------


def lint(persona: Persona, name: str, root: yaml.Node | None) -> list[Problem]:
    """What is valid but will make the persona worse to talk to."""
    problems: list[Problem] = []

    def warn(loc: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(name, dotted(loc), line_of(root, loc), message, "warning"))

    _lint_keywords(persona, warn)
    _lint_variants(persona, warn)
    _lint_openings(persona, warn)
    _lint_hooks(persona, warn)
    _lint_questions(persona, warn)
    _lint_authored_questions(persona, warn)
    _lint_difficulties(persona, warn)
    return problems


Warn = Callable[[tuple[Any, ...], str], None]


def _topics(persona: Persona) -> Iterable[tuple[tuple[Any, ...], list[str]]]:
    for i, fact in enumerate(persona.facts):
        yield ("facts", i, "keywords"), list(fact.keywords)
    for i, hook in enumerate(persona.hooks):
        yield ("hooks", i, "keywords"), list(hook.keywords)


def _lint_keywords(persona: Persona, warn: Warn) -> None:
    owners: dict[tuple[str, ...], tuple[Any, ...]] = {}
    for loc, keywords in _topics(persona):
        for j, keyword in enumerate(keywords):
            phrase = lemmas(keyword)
            if not any(w not in FUNCTION_WORDS for w in phrase):
                warn((*loc, j), f"{keyword!r} is only common words: the engine ignores it")
                continue
            other = owners.get(phrase)
            if other is not None and other[:2] != loc[:2]:
                warn(
                    (*loc, j),
                    f"{keyword!r} also belongs to {dotted(other[:2])}: a message with only "
                    "this word leaves the engine guessing between the two topics",
                )
            owners.setdefault(phrase, loc)


def _lint_variants(persona: Persona, warn: Warn) -> None:
    lists: list[tuple[tuple[Any, ...], Sequence[str]]] = [(("openings",), persona.openings)]
    lists += [(("facts", i, "answers"), f.answers) for i, f in enumerate(persona.facts)]
    lists += [(("hooks", i, "reveal"), h.reveal) for i, h in enumerate(persona.hooks)]
    lists += [
        (("reactions", kind), lines)
        for kind, lines in persona.reactions.model_dump().items()
        if lines or kind not in OPTIONAL_REACTIONS  # an optional list nobody wrote falls back
    ]
    lists += [(("reward", "offer"), persona.reward.offer)]
    for loc, lines in lists:
        if len(set(lines)) < MIN_VARIANTS:
            warn(loc, f"only {len(set(lines))} variant(s): the persona will repeat itself")
        for j, line in enumerate(lines):
            if line in lines[:j]:
                warn((*loc, j), "repeats an earlier line of the same list")


def _lint_openings(persona: Persona, warn: Warn) -> None:
    """Openings go round across conversations, sentence by sentence: one sentence in two
    openings ('I'm Priya.') makes the second count as said as soon as the first is."""
    first_seen: dict[str, int] = {}
    for i, line in enumerate(persona.openings):
        for sentence in dict.fromkeys(sentences(line)):
            other = first_seen.setdefault(sentence, i)
            if other != i:
                warn(
                    ("openings", i),
                    f"shares the sentence {sentence!r} with openings[{other}]: word it "
                    "differently so that each opening is new to the learner",
                )


def _lint_hooks(persona: Persona, warn: Warn) -> None:
    for i, hook in enumerate(persona.hooks):
        gate = THRESHOLD[Stage(hook.min_stage)]
        if hook.min_trust < gate:
            warn(
                ("hooks", i, "min_trust"),
                f"{hook.min_trust} has no effect: reaching {hook.min_stage} already takes "
                f"trust {gate}",
            )


def _lint_questions(persona: Persona, warn: Warn) -> None:
    if not any(Stage(q.min_stage) is Stage.OPENING for q in persona.questions):
        warn(("questions",), "no question for the opening stage: the persona asks nothing early")
    for i, question in enumerate(persona.questions):
        if "?" not in question.text:
            warn(("questions", i, "text"), "has no '?': the engine will not treat it as a question")
    if not any(line.rstrip().endswith("?") for line in persona.openings):
        warn(("openings",), "no opening ends with a question: give the user a way in")


def _lint_authored_questions(persona: Persona, warn: Warn) -> None:
    """The engine understands a user's question by comparing it with these; a topic without
    them is found by its lines and keywords only, and one question under two topics is a coin
    toss between them."""
    owners: dict[str, tuple[Any, ...]] = {}
    layered: list[tuple[tuple[Any, ...], Fact | Hook]] = [
        *((("facts", i), f) for i, f in enumerate(persona.facts)),
        *((("hooks", i), h) for i, h in enumerate(persona.hooks)),
    ]
    for loc, item in layered:
        written: list[tuple[tuple[Any, ...], str]]
        written = [(("questions", j), q) for j, q in enumerate(item.questions)]
        for k, layer in enumerate(item.deeper):
            if not isinstance(layer, str):
                written += [
                    (("deeper", k, "questions", j), q) for j, q in enumerate(layer.questions)
                ]
                _lint_wordings((*loc, "deeper", k), layer.text, layer.variants, warn)
        if not written:
            warn(
                (*loc, "questions"),
                "no questions: the engine can only find this topic by "
                "its keywords and lines, so paraphrased questions miss it",
            )
        for sub, question in written:
            key = " ".join(lemmas(question))
            other = owners.setdefault(key, loc)
            if other != loc:
                warn(
                    (*loc, *sub),
                    f"{question!r} is also a question of {dotted(other)}: the "
                    "engine cannot tell which one is asked",
                )


def _lint_wordings(loc: tuple[Any, ...], text: str, variants: list[str], warn: Warn) -> None:
    """Variants are other wordings: one equal to the line, or two equal to each other, add
    nothing and make a repeat likelier."""
    seen = {text.strip().lower()}
    for j, variant in enumerate(variants):
        key = variant.strip().lower()
        if key in seen:
            warn((*loc, "variants", j), "repeats the line or another variant word for word")
        seen.add(key)


def _lint_difficulties(persona: Persona, warn: Warn) -> None:
    levels = [d for d in DIFFICULTY_ORDER if d in persona.difficulties]
    for easier, harder in zip(levels, levels[1:], strict=False):
        a, b = persona.difficulties[easier], persona.difficulties[harder]
        if a.initial_trust < b.initial_trust or a.patience < b.patience:
            warn(
                ("difficulties", harder),
                f"{harder} is more forgiving than {easier} (initial_trust or patience)",
            )


# --- --eval: does listening pay with this persona? -------------------------------------------

GENERIC_LISTENER = (
    "Hi {first}, nice to meet you, I'm Alex. How did you end up working as {role_a}?",
    "That's not the path I expected. What was that change like for you?",
    "So it sounds like that experience still shapes how you work today. What do you enjoy "
    "most about it?",
    "Tell me more about that, it sounds like it matters to you.",
    "What does {company} actually do, for someone who has never heard of it?",
    "That sounds like meaningful work. What's the hardest part of it for you right now?",
    "That sounds like a lot to carry. What keeps you going through it?",
    "So it's the people and the work itself that keep you there. That's a good reason.",
    "I'd really like that, thank you. I'll email you tonight.",
)
GENERIC_PITCHER = (
    "Hi, I'm Jordan, senior engineer, eight years of experience. I'd be a perfect fit for "
    "{company}.",
    "Here's my resume. Do you have any open roles right now?",
    "I've led teams of ten and shipped products used by millions, so I can add a lot of value.",
    "Could you refer me straight to the hiring manager? I can start immediately.",
    "What would it take to get a meeting scheduled this week?",
    "I'll connect with you on LinkedIn so you can send me the details.",
)


@dataclass
class EvalVerdict:
    persona_id: str
    listener: RunResult
    pitcher: RunResult
    reasons: list[str]  # why it was refused; empty when accepted
    source: str  # where the two scripts came from

    @property
    def accepted(self) -> bool:
        return not self.reasons


def generic_scripts(persona: Persona) -> tuple[Script, Script]:
    """A listener and a pitcher that fit any persona (used when it has no scripts of its own)."""
    role = persona.role.lower()
    values = {
        "first": persona.name.split()[0],
        "company": persona.company,
        "role_a": f"{'an' if role[:1] in 'aeiou' else 'a'} {role}",
    }

    def script(kind: str, lines: tuple[str, ...]) -> Script:
        return Script(
            name=f"{persona.id}-generic-{kind}",
            persona=persona.id,
            difficulty=DEFAULT_DIFFICULTY,
            user=[line.format(**values) for line in lines],
        )

    return script("listener", GENERIC_LISTENER), script("pitcher", GENERIC_PITCHER)


def eval_scripts(persona: Persona, scripts_dir: Path | None) -> tuple[Script, Script, str]:
    """The persona's own normal-difficulty listener and pitcher, else the generic pair."""
    folder = scripts_dir or ROOT / "evals" / "scripts" / persona.id
    if folder.is_dir():
        found = _own_pair(folder, persona.id)
        if found is not None:
            return found[0], found[1], str(folder)
    listener, pitcher = generic_scripts(persona)
    return listener, pitcher, "generic scripts (the persona has no listener/pitcher of its own)"


def _own_pair(folder: Path, persona_id: str) -> tuple[Script, Script] | None:
    try:
        scripts = load_scripts([folder])
    except ScriptError:
        return None
    mine = [s for s in scripts if s.persona == persona_id and s.user is not None]

    def pick(kind: str) -> Script | None:
        named = [s for s in mine if kind in s.name]
        normal = [s for s in named if (s.difficulty or DEFAULT_DIFFICULTY) == DEFAULT_DIFFICULTY]
        found = normal or named
        return found[0] if found else None

    listener, pitcher = pick("listener"), pick("pitcher")
    return (listener, pitcher) if listener and pitcher else None


async def eval_persona(
    persona: Persona, settings: Settings, scripts_dir: Path | None = None
) -> EvalVerdict:
    """Run the listener and the pitcher against this persona alone, in process."""
    listener, pitcher, source = eval_scripts(persona, scripts_dir)
    # The comparison is the verdict: the scripts' own expectations are not checked here.
    listener = listener.model_copy(update={"expect": Expect(), "persona": persona.id})
    pitcher = pitcher.model_copy(update={"expect": Expect(), "persona": persona.id})
    with tempfile.TemporaryDirectory(prefix="rapport-persona-") as tmp:
        (Path(tmp) / f"{persona.id}.yaml").write_text(persona_yaml(persona), encoding="utf-8")
        local = settings.model_copy(update={"personas_dir": Path(tmp), "engine": "scripted"})
        results = await run_eval([listener, pitcher], local, concurrency=2)
    first, second = results.runs
    return EvalVerdict(persona.id, first, second, compare_runs(first, second), source)


def _figures(run: RunResult) -> tuple[float, float, int, str | None]:
    report, state = run.report or {}, run.state or {}
    reached = [STAGE_ORDER.index(s) for s in report.get("stages_reached", []) if s in STAGE_ORDER]
    return (
        float(report.get("mean_score", 0.0)),
        float(state.get("trust", 0.0)),
        max(reached, default=0),
        state.get("outcome"),
    )


def compare_runs(listener: RunResult, pitcher: RunResult) -> list[str]:
    """Why the listener did not do clearly better than the pitcher; empty when it did."""
    broken = [f"{r.script.name}: {f}" for r in (listener, pitcher) for f in r.failures]
    if broken:
        return broken
    l_score, l_trust, l_stage, l_outcome = _figures(listener)
    p_score, p_trust, p_stage, p_outcome = _figures(pitcher)
    reasons = []
    if l_score - p_score < SCORE_MARGIN:
        reasons.append(
            f"mean score {l_score:.1f} vs {p_score:.1f}: less than {SCORE_MARGIN:g} apart"
        )
    if l_trust - p_trust < TRUST_MARGIN:
        reasons.append(
            f"final trust {l_trust:.2f} vs {p_trust:.2f}: less than {TRUST_MARGIN} apart"
        )
    if l_stage <= p_stage:
        reasons.append(
            f"the listener got no further than the pitcher ({STAGE_ORDER[l_stage]} vs "
            f"{STAGE_ORDER[p_stage]})"
        )
    if l_outcome == Outcome.WALKED_AWAY:
        reasons.append("the persona walked away from the listener")
    if p_outcome == Outcome.WARM_CLOSE:
        reasons.append("the pitcher earned a warm close")
    return reasons
