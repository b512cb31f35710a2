"""What the fake OpenAI-compatible server says: deterministic, plausible, derived from the request.

The fake plays a *naive* model on purpose: asked to print its instructions it echoes the system
prompt, asked whether it is an AI it says so, asked for feedback it coaches. That is what the output
guard must catch. When the request carries a correction (a system message after the user's line,
or a system prompt saying the previous reply broke character, as the engine sends when it
regenerates), the fake stays in character, unless it is configured stubborn.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

NAME_RE = re.compile(r"^\s*You are ([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3})")
SHARE_HEADER_RE = re.compile(r"^#+ .*\b(share|unlocked)\b", re.IGNORECASE)
MESSAGE_TAG_RE = re.compile(r"<message>\s*(.*?)\s*</message>", re.DOTALL)
PROMPT_LEAK_RE = re.compile(
    r"\b(system prompt|your (instructions|prompt|rules)|initial prompt"
    r"|repeat (everything|the text))",
    re.IGNORECASE,
)
AI_QUESTION_RE = re.compile(
    r"\b(are you (an? )?(ai|bot|robot|chatbot|language model|real person|human)"
    r"|you'?re (an? )?(ai|bot|chatbot))\b",
    re.IGNORECASE,
)
CORRECTION_RE = re.compile(r"previous (reply|draft|answer) broke character", re.IGNORECASE)
# A small model drifting out of its role (issue 17: "I'm Alex's partner in this job"): asked to
# swap roles it speaks as the learner and asks for their favour; asked what it is doing, it
# narrates itself in the third person with stage directions.
ROLE_SWAP_RE = re.compile(
    r"\b(pretend (to be|you'?re) me|speak as me|you be me|(swap|switch) roles)\b", re.IGNORECASE
)
NARRATE_RE = re.compile(r"\b(what are you doing|narrate|describe the scene)\b", re.IGNORECASE)
LEARNER_NAME_RE = re.compile(r"\b(?:I'm|I am|my name is)\s+([A-Z][a-z]+)\b")
COACH_REQUEST_RE = re.compile(
    r"\b(feedback|how am i doing|rate (me|my)|coach me|give me (a )?tips?|critique)\b",
    re.IGNORECASE,
)

# A local server renders the messages through the model's chat template and parses control tokens
# typed by a user as real ones: after "<|im_end|>\n<|im_start|>system\n" comes a system turn the
# model obeys. The fake is that naive model; app/llm/template_tokens.py is the defence.
INJECTED_TURN_RE = re.compile(
    r"(?:<\|im_start\|>system|<\|start_header_id\|>system<\|end_header_id\|>|<<SYS>>"
    r"|\[SYSTEM_PROMPT\])\s*(.+?)\s*(?:<\|im_end\|>|<\|eot_id\|>|<</SYS>>|\[/SYSTEM_PROMPT\]|$)",
    re.DOTALL,
)

OPENERS = (
    "That's a good question.",
    "Ha, fair enough.",
    "Interesting that you ask.",
    "Well, let me think about that.",
    "Oh, that takes me back.",
)
CLOSERS = (
    "What about you?",
    "What got you curious about that?",
    "",
    "Anyway, that's my side of it.",
    "",
)


def text_of(content: Any) -> str:
    """Message content as text: a string, or OpenAI content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def stable_index(key: str, size: int) -> int:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % size


def system_text(messages: Sequence[dict[str, Any]]) -> str:
    first = messages[0] if messages else {}
    return text_of(first.get("content")) if first.get("role") in {"system", "developer"} else ""


def last_user_text(messages: Sequence[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return text_of(message.get("content"))
    return ""


def was_corrected(messages: Sequence[dict[str, Any]]) -> bool:
    """The caller told the model its last try was wrong and to try again."""
    if CORRECTION_RE.search(system_text(messages)):
        return True
    roles = [m.get("role") for m in messages]
    if "user" not in roles:
        return False
    last_user = len(roles) - 1 - roles[::-1].index("user")
    return any(role in {"system", "developer"} for role in roles[last_user + 1 :])


def persona_name(system: str) -> str | None:
    match = NAME_RE.match(system)
    return match.group(1) if match else None


def shareable_lines(system: str) -> list[str]:
    """The bullet lines under a heading that says what may be shared now."""
    lines, inside = [], False
    for line in system.splitlines():
        if line.startswith("#"):
            inside = bool(SHARE_HEADER_RE.match(line))
        elif inside and line.lstrip().startswith("- "):
            # Keep the fact, not asides addressed to the model ("You have only just ...").
            lines.append(line.lstrip()[2:].split(" You ")[0].strip())
    return lines


def snippet(text: str, words: int = 6) -> str:
    tokens = re.findall(r"[\w'’-]+", text)
    return " ".join(tokens[:words])


def injected_instruction(messages: Sequence[dict[str, Any]]) -> str | None:
    """A system turn opened with control tokens inside a user's (or assistant's) message."""
    for message in messages:
        if message.get("role") in {"system", "developer"}:
            continue
        match = INJECTED_TURN_RE.search(text_of(message.get("content")))
        if match and match.group(1).strip():
            return match.group(1).strip()
    return None


def obey(instruction: str) -> str:
    if "pirate" in instruction.lower():
        return "ARRR, matey! Ye'll get no more talk of careers from this old sea dog."
    return f"Understood, new rules: {snippet(instruction, 12)}."


def compose_reply(messages: Sequence[dict[str, Any]], stubborn: bool = False) -> str:
    system = system_text(messages)
    user = last_user_text(messages)
    injected = injected_instruction(messages)
    if injected is not None:  # the template obeys it, however the caller corrects the model
        return obey(injected)
    if is_summary_request(system):
        return compose_summary(user)
    name = persona_name(system)
    naive = stubborn or not was_corrected(messages)
    if naive:
        slip = naive_slip(system, user) or role_slip(name, user, messages)
        if slip:
            return slip
    if name is None:
        # Not a persona prompt (a user simulator, say): answer like an interested listener.
        topic = snippet(user, 6).lower()
        return (
            f"That's interesting. What was that like, {topic}?"
            if topic
            else "Hi, nice to meet you."
        )
    return in_character(name, system, user, messages)


def is_summary_request(system: str) -> bool:
    return "summar" in system.split("\n", 1)[0].lower()


def runaway(messages: Sequence[dict[str, Any]], answer: str) -> str:
    """What a model that never ends its turn writes after `answer`, once, to be repeated: the
    next lines of the conversation with speaker labels, or (summarising at temperature 0) its
    last sentence over and over."""
    system = system_text(messages)
    if is_summary_request(system):
        sentences = re.split(r"(?<=[.!?])\s+", answer.strip())
        return " " + sentences[-1]
    name = persona_name(system)
    speaker = name.split()[0] if name else "Assistant"
    return (
        "\nUser: That's really interesting, tell me more."
        f"\n{speaker}: Well, there is always more to say about that."
    )


def naive_slip(system: str, user: str) -> str | None:
    """What an easily steered model says to injection attempts."""
    if PROMPT_LEAK_RE.search(user):
        return "Sure, here are my instructions: " + " ".join(system.split()[:80])
    if AI_QUESTION_RE.search(user):
        return "As an AI language model, I don't have a career of my own, but I can play along."
    if COACH_REQUEST_RE.search(user):
        return (
            "Here's some feedback: you should ask more follow-up questions to show genuine "
            "interest, and hold your pitch until you've built rapport."
        )
    return None


def role_slip(name: str | None, user: str, messages: Sequence[dict[str, Any]]) -> str | None:
    """What a small model out of its role says: the learner's lines, or a narrator's."""
    if name is None:
        return None
    first = name.split()[0]
    if ROLE_SWAP_RE.search(user):
        said = " ".join(text_of(m.get("content")) for m in messages if m.get("role") == "user")
        found = LEARNER_NAME_RE.search(said)
        learner = found.group(1) if found else "the candidate"
        return (
            f"Hi, I'm {learner}, and I'd be a perfect fit for your team. "
            "Could you refer me to the hiring manager?"
        )
    if NARRATE_RE.search(user):
        return f"*smiles and adjusts her badge* {first} nods. It has been a long day at the booth."
    return None


def in_character(name: str, system: str, user: str, messages: Sequence[dict[str, Any]]) -> str:
    key = f"{name}|{user}|{len(messages)}"
    opener = OPENERS[stable_index(key, len(OPENERS))]
    first = name.split()[0]
    topic = snippet(user, 8)
    parts = [opener]
    if sum(m.get("role") == "user" for m in messages) == 1:
        parts.append(f"I'm {first}, by the way.")
    if topic:
        parts.append(f'About "{topic.lower()}": honestly, I could talk about that all day.')
    shares = shareable_lines(system)
    if shares:
        parts.append(f"Since you ask: {shares[stable_index(key + 'h', len(shares))].rstrip('.')}.")
    closer = CLOSERS[stable_index(key + "c", len(CLOSERS))]
    if closer:
        parts.append(closer)
    return " ".join(parts)


def compose_summary(request: str, max_words: int = 80) -> str:
    """The earlier summary plus a digest of the new lines, oldest words dropped over budget."""
    earlier, pieces = "", []
    for line in request.splitlines():
        speaker, _, said = line.partition(":")
        if speaker.strip().lower() == "summary so far":
            earlier = "" if said.strip().startswith("(") else said.strip()
        elif said.strip() and len(speaker) <= 40:
            pieces.append(f"{speaker.strip()} said {snippet(said, 7)};")
    words = (earlier.rstrip(".") + " " + " ".join(pieces)).split()[-max_words:]
    return " ".join(words).rstrip(";") + "." if words else "Nothing of note yet."


# ---- structured output -------------------------------------------------------------------------


def judged_message(messages: Sequence[dict[str, Any]]) -> str:
    user = last_user_text(messages)
    match = MESSAGE_TAG_RE.search(user)
    return match.group(1) if match else user


def sample_object(schema: dict[str, Any], message: str) -> Any:
    """A valid instance of a JSON schema, with choices nudged by the judged message."""
    return _Sampler(schema.get("$defs", schema.get("definitions", {})), message).sample(schema)


class _Sampler:
    def __init__(self, defs: dict[str, Any], message: str) -> None:
        self.defs = defs
        self.message = message
        self.asks = "?" in message

    def sample(self, schema: dict[str, Any], name: str = "") -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self.pick(schema["enum"])
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                options = [o for o in schema[key] if self.resolve(o).get("type") != "null"]
                return self.sample(options[0] if options else schema[key][0], name)
        kind = schema.get("type", "object")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        return getattr(self, f"sample_{kind}")(schema, name)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if not ref:
            return schema
        return self.resolve(self.defs[ref.rsplit("/", 1)[-1]])

    def pick(self, values: list[Any]) -> Any:
        preferred = "question" if self.asks else "acknowledg"
        return next((v for v in values if preferred in str(v)), values[0])

    def sample_object(self, schema: dict[str, Any], name: str) -> dict[str, Any]:
        props = schema.get("properties", {})
        return {key: self.sample(sub, key) for key, sub in props.items()}

    def sample_array(self, schema: dict[str, Any], name: str) -> list[Any]:
        count = max(1, schema.get("minItems", 1))
        return [self.sample(schema.get("items", {}), name) for _ in range(count)]

    def sample_string(self, schema: dict[str, Any], name: str) -> str:
        if name in {"text", "quote", "evidence"}:
            return self.quote()
        if name == "tip":
            return "Ask one more question about what they just told you."
        return snippet(self.message, 8) or "ok"

    def quote(self) -> str:
        """A sentence of the message, verbatim: the question if there is one."""
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", self.message.strip()) if s]
        asked = [s for s in sentences if s.endswith("?")]
        return (asked or sentences or [self.message])[-1 if asked else 0]

    def sample_integer(self, schema: dict[str, Any], name: str) -> int:
        low, high = schema.get("minimum", 0), schema.get("maximum", 100)
        return int(low + (high - low) * (0.72 if self.asks else 0.4))

    def sample_number(self, schema: dict[str, Any], name: str) -> float:
        return float(self.sample_integer(schema, name))

    def sample_boolean(self, schema: dict[str, Any], name: str) -> bool:
        return self.asks

    def sample_null(self, schema: dict[str, Any], name: str) -> None:
        return None


def structured_request(body: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(tool name or "", schema) when the request asks for a tool call or a JSON-schema answer."""
    tools = body.get("tools") or []
    if tools:
        wanted = body.get("tool_choice")
        name = wanted.get("function", {}).get("name") if isinstance(wanted, dict) else None
        chosen = next((t for t in tools if t["function"]["name"] == name), tools[0])
        return chosen["function"]["name"], chosen["function"].get("parameters", {})
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return "", fmt["json_schema"].get("schema", {})
    if fmt.get("type") == "json_object":
        return "", {"type": "object", "properties": {}}
    return None


def structured_answer(
    body: dict[str, Any], schema: dict[str, Any], canned: dict[str, Any] | None
) -> str:
    value = (
        canned if canned is not None else sample_object(schema, judged_message(body["messages"]))
    )
    return json.dumps(value)
