"""Character Card V1/V2/V3 import and V2 (+V3 in PNG) export.

A card describes a character for role-play tools; a persona also needs coaching data (topics,
hooks, reactions, a reward, difficulties) that cards do not have. Import maps what a card has,
fills the rest from `card_defaults.yaml` and says so in warnings. Export writes a valid V2 card
whose visible fields read well in any tool and keeps the whole persona under
`data.extensions.rapport`, so a re-import gives the same persona back.

Other tools' `extensions` keys go into the persona's own `extensions` field, so they survive a
round trip wherever the persona is stored (a YAML file, or a tenant persona posted over the API).
Card fields a persona has no place for (the creator, tags, a hand-written lorebook, V3-only
fields, ...) live in a sidecar `<id>.card.json` beside the persona YAML, and a PNG's picture in
`<id>.card.png`; export merges them back.

PNG cards carry the card as base64 JSON in a `tEXt` chunk: `chara` (V2) or `ccv3` (V3). Chunks
are read and written with the standard library (struct + zlib).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.errors import InvalidInput
from app.personas.schema import CARD_EXTENSION, Persona, Reactions

SPEC_V2 = "chara_card_v2"
SPEC_V3 = "chara_card_v3"
EXTENSION_KEY = CARD_EXTENSION
EXTENSION_VERSION = 1
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
CARD_KEYWORDS = ("chara", "ccv3")
MAX_TEXT = 1200  # the schema's limit for one text field or line
MAX_LINE = 400  # a spoken line longer than this is split at sentence ends
# A compressed text chunk inflates at most this far (real cards are tens of KB); a few MB of
# zlib otherwise becomes gigabytes in the importer's memory.
MAX_CHUNK_TEXT = 1 << 20
# Card fields a persona has no place for: kept verbatim in the sidecar when the author wrote them.
CARD_ONLY_FIELDS = (
    "creator_notes",
    "system_prompt",
    "post_history_instructions",
    "mes_example",
    "character_book",
    "tags",
    "creator",
    "character_version",
)
V3_ONLY_FIELDS = (
    "nickname",
    "creator_notes_multilingual",
    "source",
    "group_only_greetings",
    "creation_date",
    "modification_date",
    "assets",
)
FALLBACK_ROLE = "Conversation partner"
FALLBACK_COMPANY = "Independent"
DEFAULTS_FILE = Path(__file__).with_name("card_defaults.yaml")


class CardError(InvalidInput):
    """A card cannot be read or does not make a valid persona; the message says where."""

    code = "invalid_card"


@dataclass
class CardExtras:
    """What a card carries beyond the persona: kept in the sidecar and merged back on export.

    `extensions` is only read from sidecars written before personas kept their own; import
    puts other tools' extensions on the persona.
    """

    extensions: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    avatar: bytes | None = None

    def is_empty(self) -> bool:
        return not (self.extensions or self.fields or self.avatar)


@dataclass
class Imported:
    persona: Persona
    extras: CardExtras
    warnings: list[str]
    spec: str


# --- reading cards ----------------------------------------------------------------------------


def read_card(path: Path) -> tuple[dict[str, Any], bytes | None]:
    """The card in a .json or .png file, and the PNG's bytes (the avatar) when it was one."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CardError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_card_bytes(raw, str(path))


def parse_card_bytes(raw: bytes, source: str = "card") -> tuple[dict[str, Any], bytes | None]:
    if raw.startswith(PNG_SIGNATURE):
        return card_from_png(raw, source), raw
    try:
        card = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CardError(f"{source}: neither a PNG card nor JSON: {exc}") from None
    if not isinstance(card, dict):
        raise CardError(f"{source}: a card is a JSON object")
    return card, None


def card_from_png(png: bytes, source: str = "card.png") -> dict[str, Any]:
    """The card in a PNG's `ccv3` chunk, else its `chara` chunk (V3 wins when both exist)."""
    texts = png_text(png, source)
    payload = texts.get("ccv3") or texts.get("chara")
    if payload is None:
        raise CardError(f"{source}: no 'chara' or 'ccv3' text chunk: not a character card")
    try:
        card = json.loads(base64.b64decode(payload, validate=False).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CardError(f"{source}: the card chunk is not base64 JSON: {exc}") from None
    if not isinstance(card, dict):
        raise CardError(f"{source}: the card chunk is not a JSON object")
    return card


def card_data(card: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(spec, data) of a V2/V3 card; a V1 card (fields at the top level) is its own data."""
    spec = card.get("spec")
    if spec in (SPEC_V2, SPEC_V3):
        data = card.get("data")
        if not isinstance(data, dict):
            raise CardError(f"field data: a {spec} card keeps its fields in an object 'data'")
        found = spec
    elif spec is None and "name" in card:
        data, found = card, "chara_card_v1"
    else:
        raise CardError(f"field spec: unsupported card spec {spec!r}; expected {SPEC_V2!r}")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise CardError("field data.name: a card needs a character name")
    return found, data


# --- PNG text chunks --------------------------------------------------------------------------


def _chunks(png: bytes, source: str) -> Iterator[tuple[bytes, bytes]]:
    if not png.startswith(PNG_SIGNATURE):
        raise CardError(f"{source}: not a PNG file")
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        data = png[pos + 8 : pos + 8 + length]
        if len(data) < length:
            raise CardError(f"{source}: truncated PNG chunk {kind!r}")
        yield kind, data
        pos += 12 + length
        if kind == b"IEND":
            return


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _inflate(data: bytes, key: bytes, source: str) -> bytes:
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, MAX_CHUNK_TEXT + 1)
    if len(text) > MAX_CHUNK_TEXT or inflater.unconsumed_tail:
        raise CardError(
            f"{source}: text chunk {key.decode('latin-1')!r} inflates to more than 1 MiB; "
            "refusing it (a character card is far smaller)"
        )
    return text


def _text_of(kind: bytes, data: bytes, source: str) -> tuple[str, str]:
    key, _, rest = data.partition(b"\0")
    if kind == b"tEXt":
        return key.decode("latin-1"), rest.decode("latin-1")
    if kind == b"zTXt":
        return key.decode("latin-1"), _inflate(rest[1:], key, source).decode("latin-1")
    compressed, rest = rest[0], rest[2:]  # iTXt: flag, method, language, translated keyword
    _, _, rest = rest.partition(b"\0")
    _, _, text = rest.partition(b"\0")
    if compressed:
        text = _inflate(text, key, source)
    return key.decode("latin-1"), text.decode("utf-8")


def png_text(png: bytes, source: str = "png") -> dict[str, str]:
    """Every text chunk of a PNG (tEXt, zTXt, iTXt) as keyword -> text; later chunks win."""
    texts: dict[str, str] = {}
    for kind, data in _chunks(png, source):
        if kind in TEXT_CHUNKS:
            try:
                key, value = _text_of(kind, data, source)
            except (zlib.error, UnicodeDecodeError, IndexError):
                continue  # a damaged comment chunk should not hide a good card chunk
            texts[key] = value
    return texts


def with_png_text(png: bytes, texts: dict[str, str]) -> bytes:
    """The PNG with these tEXt chunks (before IEND), replacing any old chunks of the same keys."""
    replaced = {k.lower() for k in texts}
    out = [PNG_SIGNATURE]
    for kind, data in _chunks(png, "png"):
        if kind in TEXT_CHUNKS and data.partition(b"\0")[0].decode("latin-1").lower() in replaced:
            continue
        if kind == b"IEND":
            for key, value in texts.items():
                out.append(_chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1")))
        out.append(_chunk(kind, data))
    return b"".join(out)


def without_card_chunks(png: bytes) -> bytes:
    """The picture alone: a stored avatar must not carry a stale card."""
    out = [PNG_SIGNATURE]
    for kind, data in _chunks(png, "png"):
        keyword = data.partition(b"\0")[0].decode("latin-1").lower()
        if kind in TEXT_CHUNKS and keyword in CARD_KEYWORDS:
            continue
        out.append(_chunk(kind, data))
    return b"".join(out)


def plain_png(seed: str, size: int = 256) -> bytes:
    """A solid-colour square (colour from the seed) for cards whose persona has no picture."""
    r, g, b = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\0" + bytes((r // 2 + 64, g // 2 + 64, b // 2 + 64)) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * size, 9))
        + _chunk(b"IEND", b"")
    )


# --- {{char}} and {{user}} ----------------------------------------------------------------------

CHAR = re.compile(r"\{\{char\}\}|<BOT>|<CHAR>", re.IGNORECASE)
_U = r"(?:\{\{user\}\}|<USER>)"
USER_POSSESSIVE = re.compile(_U + r"'s\b", re.IGNORECASE)
USER_GREETED = re.compile(
    r"\b(hi|hello|hey|welcome|morning|evening|afternoon)\s+" + _U, re.IGNORECASE
)
USER_VOCATIVE_END = re.compile(r",\s*" + _U + r"(?=\s*[.!?,;:]|\s*$)", re.IGNORECASE)
USER_VOCATIVE_START = re.compile(r"(^|[.!?]\s+)" + _U + r",\s*(\w)", re.IGNORECASE)
USER_SUBJECT = re.compile(
    r"(^|[.!?]\s+|\b(?:and|when|while|as|until|before|after|then)\s+)" + _U + r"\s+([a-z]+)\b",
    re.IGNORECASE,
)
USER = re.compile(_U, re.IGNORECASE)
SENTENCE_START_YOU = re.compile(r"(^|[.!?]\s+)(you|your)\b")
IRREGULAR = {"is": "are", "was": "were", "has": "have", "does": "do", "goes": "go"}
MACRO = re.compile(r"\{\{[^{}]{1,40}\}\}")


class Substitution:
    """Card macros made concrete: {{char}} is the name; {{user}} becomes the second person.

    The API never knows the user's name, so "Hi {{user}}!" reads "Hi there!", a vocative
    ("Good to see you, {{user}}.") is dropped, and any other {{user}} becomes "you".
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.user_fields: set[str] = set()
        self.unknown_macros: set[str] = set()

    def __call__(self, text: Any, where: str) -> str:
        if not isinstance(text, str):
            return ""
        out = CHAR.sub(self.name, text)
        if USER.search(out):
            self.user_fields.add(where)
            out = USER_POSSESSIVE.sub("your", out)
            out = USER_GREETED.sub(r"\1 there", out)
            out = USER_VOCATIVE_END.sub("", out)
            out = USER_VOCATIVE_START.sub(lambda m: m.group(1) + m.group(2).upper(), out)
            out = USER_SUBJECT.sub(lambda m: f"{m.group(1)}you {_second_person(m.group(2))}", out)
            out = USER.sub("you", out)
            out = SENTENCE_START_YOU.sub(lambda m: m.group(1) + m.group(2).capitalize(), out)
        self.unknown_macros.update(MACRO.findall(out))
        return out.strip()

    def warnings(self) -> list[str]:
        found = []
        if self.user_fields:
            fields = ", ".join(sorted(self.user_fields))
            found.append(f"{{{{user}}}} was replaced by 'you' in {fields}: check the grammar")
        if self.unknown_macros:
            found.append(f"macros left as written: {', '.join(sorted(self.unknown_macros))}")
        return found


def _second_person(verb: str) -> str:
    """'walks' -> 'walk' after {{user}} became 'you'; words that are not verbs pass through."""
    low = verb.lower()
    if low in IRREGULAR:
        return IRREGULAR[low]
    if low.endswith("ies") and len(low) > 4:
        return verb[:-3] + "y"
    if re.search(r"(ches|shes|sses|xes|zes)$", low):
        return verb[:-2]
    if low.endswith("s") and not re.search(r"(ss|us|is)$", low):
        return verb[:-1]
    return verb


# --- import -----------------------------------------------------------------------------------


def card_to_persona(
    card: dict[str, Any], *, persona_id: str | None = None, avatar: bytes | None = None
) -> Imported:
    """A validated persona from a card; CardError names the field when it cannot be made valid."""
    spec, data = card_data(card)
    name = _fit(data["name"].strip(), "name", [])
    sub = Substitution(name)
    extensions = (
        dict(data.get("extensions") or {}) if isinstance(data.get("extensions"), dict) else {}
    )
    ours = extensions.pop(EXTENSION_KEY, None)
    warnings: list[str] = []
    if ours is not None:
        fields = _from_extension(ours, data, name, sub, warnings)
    else:
        fields = _from_card(data, name, sub, warnings)
    if persona_id is not None:
        fields["id"] = persona_id
    if extensions:
        fields["extensions"] = {**(fields.get("extensions") or {}), **extensions}
    warnings.extend(sub.warnings())
    persona = validate_persona(fields, source=f"card {name!r}")
    kept = {k: data[k] for k in (*CARD_ONLY_FIELDS, *V3_ONLY_FIELDS) if k in data}
    generated = persona_to_card(persona)["data"]
    kept = {k: v for k, v in kept.items() if v != generated.get(k) and v not in ("", [], None)}
    picture = without_card_chunks(avatar) if avatar else None
    if picture == plain_png(persona.id):
        picture = None  # our own placeholder: nothing worth keeping
    extras = CardExtras(fields=kept, avatar=picture)
    return Imported(persona, extras, warnings, spec)


def validate_persona(fields: dict[str, Any], source: str) -> Persona:
    try:
        return Persona.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise CardError(f"{source} does not make a valid persona: {problems}") from None


def _from_extension(
    ours: Any, data: dict[str, Any], name: str, sub: Substitution, warnings: list[str]
) -> dict[str, Any]:
    """Our own export: the stored persona, with whatever a card editor changed on top."""
    if not isinstance(ours, dict) or not isinstance(ours.get("persona"), dict):
        raise CardError("field data.extensions.rapport: expected an object with 'persona'")
    fields = copy.deepcopy(ours["persona"])
    fields["name"] = name
    _fill_new_reactions(fields, name, warnings)
    for key in ("personality", "scenario"):
        text = sub(data.get(key), key)
        if text and text != fields.get(key):
            fields[key] = _fit(text, key, warnings)
    greetings = _greetings(data, sub, warnings)
    if greetings:
        fields["openings"] = greetings
    description = sub(data.get("description"), "description")
    if description and description != sub(describe(fields), "description"):
        fields["background"] = _fit(description, "background", warnings)
        warnings.append("description was edited outside Rapport: it is now the background")
    return fields


def _fill_new_reactions(fields: dict[str, Any], name: str, warnings: list[str]) -> None:
    """A card exported before the schema grew a reaction kind still imports, with a default."""
    reactions = fields.get("reactions")
    if not isinstance(reactions, dict):
        return
    defaults = card_defaults(name)["reactions"]
    # An optional kind left out was empty on export (see _drop_empty_optional): keep it empty.
    required = [k for k, info in Reactions.model_fields.items() if info.is_required()]
    missing = [kind for kind in required if kind not in reactions]
    for kind in missing:
        reactions[kind] = defaults[kind]
    if missing:
        warnings.append(
            f"reactions {', '.join(missing)}: not in this card (exported by an older version); "
            "generic defaults were used"
        )


def _from_card(
    data: dict[str, Any], name: str, sub: Substitution, warnings: list[str]
) -> dict[str, Any]:
    defaults = card_defaults(name)
    description = sub(data.get("description"), "description")
    personality = sub(data.get("personality"), "personality")
    role, company = _role_and_company(description, warnings)
    fields: dict[str, Any] = {
        "id": slugify(name),
        "name": name,
        "role": role,
        "company": company,
        "summary": _summary(data, description, sub, warnings),
        "scenario": _or_default(
            sub(data.get("scenario"), "scenario"),
            "scenario",
            warnings,
            f"You get talking with {name}.",
        ),
        "background": _or_default(
            description, "background", warnings, f"{name}'s card gave no description."
        ),
        "personality": _or_default(
            personality,
            "personality",
            warnings,
            _first_sentences(description, 2) or "Friendly and curious.",
        ),
        "speaking_style": _speaking_style(data, name, sub, warnings),
        "openings": _greetings(data, sub, warnings) or _default_opening(name, warnings),
        "facts": _facts(data, sub, warnings) or _default_facts(defaults, warnings),
    }
    coaching = ("hooks", "reactions", "questions", "reward", "closings", "difficulties")
    fields.update({key: defaults[key] for key in coaching})
    warnings.append(
        "the card has no coaching data: hooks, reactions, questions, reward, closings and "
        "difficulties are generic defaults; rewrite them in the character's voice"
    )
    return fields


def _fit(text: str, where: str, warnings: list[str]) -> str:
    if len(text) <= MAX_TEXT:
        return text
    cut = text[:MAX_TEXT]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    warnings.append(f"{where} was longer than {MAX_TEXT} characters and was shortened")
    return cut[: end + 1] if end > MAX_TEXT // 2 else cut.rstrip()


def _or_default(text: str, where: str, warnings: list[str], default: str) -> str:
    if text:
        return _fit(text, where, warnings)
    warnings.append(f"{where}: the card has none; a default was used")
    return default


SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _first_sentences(text: str, n: int) -> str:
    return " ".join(SENTENCE.split(text.strip())[:n]) if text.strip() else ""


def _spoken_lines(text: str) -> list[str]:
    """A text cut at sentence ends into lines of at most MAX_LINE characters."""
    lines: list[str] = []
    for sentence in SENTENCE.split(text.strip()):
        if lines and len(lines[-1]) + len(sentence) < MAX_LINE:
            lines[-1] += " " + sentence
        elif sentence:
            lines.append(sentence[:MAX_TEXT])
    return lines


def _summary(data: dict[str, Any], description: str, sub: Substitution, warnings: list[str]) -> str:
    notes = sub(data.get("creator_notes"), "creator_notes")
    if notes:
        return _fit(_first_sentences(notes, 2), "summary", warnings)
    warnings.append("summary: taken from the description (the card has no creator_notes)")
    return _fit(_first_sentences(description, 2), "summary", warnings) or data["name"]


ROLE_AT = re.compile(
    r"\b(?:is|works as|working as)\s+(?:a|an|the)\s+(?P<role>[A-Za-z][\w\- ']{2,60}?)\s+"
    r"(?:at|for|with)\s+(?P<company>[A-Z][\w&.'\- ]{1,60}?)"
    r"(?=[,;:]|\.\s|\.$|\s+(?:who|and|where|in|since)\b|$)"
)


def _role_and_company(description: str, warnings: list[str]) -> tuple[str, str]:
    match = ROLE_AT.search(_first_sentences(description, 3))
    if match:
        role = match.group("role").strip()
        warnings.append(
            f"role and company read from the description: {role!r} at "
            f"{match.group('company').strip()!r}; check them"
        )
        return role[0].upper() + role[1:], match.group("company").strip()
    warnings.append(
        f"role and company: not in the card; set to {FALLBACK_ROLE!r} and {FALLBACK_COMPANY!r}"
    )
    return FALLBACK_ROLE, FALLBACK_COMPANY


def _greetings(data: dict[str, Any], sub: Substitution, warnings: list[str]) -> list[str]:
    raw = [data.get("first_mes"), *(data.get("alternate_greetings") or [])]
    lines = [_fit(sub(g, "first_mes"), "an opening", warnings) for g in raw]
    return [line for line in dict.fromkeys(lines) if line]


def _default_opening(name: str, warnings: list[str]) -> list[str]:
    warnings.append("openings: the card has no first_mes; a default greeting was used")
    return [f"Hi, I'm {name.split()[0]}. Nice to meet you."]


def example_lines(mes_example: Any, sub: Substitution) -> list[str]:
    """The character's lines in a card's example dialogue ({{char}}: ... to the next turn)."""
    if not isinstance(mes_example, str):
        return []
    lines: list[str] = []
    speaker: str | None = None
    for raw in mes_example.splitlines():
        turn = re.match(r"\s*(\{\{char\}\}|<BOT>|\{\{user\}\}|<USER>)\s*:\s*(.*)", raw, re.I)
        if turn:
            speaker = "char" if turn.group(1).lower() in ("{{char}}", "<bot>") else "user"
            if speaker == "char":
                lines.append(turn.group(2))
        elif raw.strip().upper() == "<START>":
            speaker = None
        elif speaker == "char" and raw.strip() and lines:
            lines[-1] += " " + raw.strip()
    return [s for s in (sub(line, "mes_example") for line in lines) if s]


def _speaking_style(data: dict[str, Any], name: str, sub: Substitution, warnings: list[str]) -> str:
    samples = example_lines(data.get("mes_example"), sub)
    if samples:
        quoted = " ".join(f'"{s}"' for s in samples[:3])
        return _fit(f"Talks like the card's example dialogue: {quoted}", "speaking_style", [])
    warnings.append("speaking_style: the card has no example dialogue; a default was used")
    return f"{name.split()[0]} talks plainly and in short sentences."


def _facts(data: dict[str, Any], sub: Substitution, warnings: list[str]) -> list[dict[str, Any]]:
    """Topics from the lorebook (keys -> keywords, content -> lines), else the example dialogue."""
    book = data.get("character_book")
    entries = book.get("entries") if isinstance(book, dict) else None
    facts: list[dict[str, Any]] = []
    for i, entry in enumerate(entries or []):
        fact = _fact_from_entry(entry, i, sub, {f["topic"] for f in facts})
        if fact is None:
            warnings.append(f"character_book.entries[{i}]: skipped (disabled, no keys or empty)")
        else:
            facts.append(fact)
    if facts:
        warnings.append(
            f"{len(facts)} topic(s) made from the lorebook: lorebook text is often written in "
            "the third person; rewrite answers as lines the character says"
        )
        return facts
    samples = example_lines(data.get("mes_example"), sub)
    if samples:
        warnings.append("one topic (about_me) made from the example dialogue; add more topics")
        return [
            {
                "topic": "about_me",
                "keywords": ["yourself", "about you", "your work", "your story", "background"],
                "answers": [s[:MAX_TEXT] for s in samples[:3]],
                "deeper": [s[:MAX_TEXT] for s in samples[3:]] or [samples[0][:MAX_TEXT]],
            }
        ]
    return []


def _fact_from_entry(
    entry: Any, index: int, sub: Substitution, taken: set[str]
) -> dict[str, Any] | None:
    if not isinstance(entry, dict) or entry.get("enabled") is False:
        return None
    keys = [k.strip() for k in entry.get("keys") or [] if isinstance(k, str)]
    keys = list(dict.fromkeys(k for k in keys if 2 <= len(k) <= 60))
    lines = _spoken_lines(sub(entry.get("content"), f"character_book.entries[{index}]"))
    if not keys or not lines:
        return None
    label = entry.get("name") or entry.get("comment") or keys[0]
    topic = slugify(str(label), fallback=f"topic_{index}")
    while topic in taken:
        topic = f"{topic[:36]}_{index}"
    if len(lines) == 1:
        # One short entry: its first half answers, the rest is the follow-up.
        sentences = SENTENCE.split(lines[0])
        half = (len(sentences) + 1) // 2
        lines = [" ".join(sentences[:half]), " ".join(sentences[half:])]
        lines = [line for line in lines if line]
    return {"topic": topic, "keywords": keys, "answers": lines[:1], "deeper": lines[1:] or lines}


def _default_facts(defaults: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    warnings.append("facts: the card has no lorebook or example dialogue; one generic topic")
    return defaults["facts"]  # type: ignore[no-any-return]


def slugify(text: str, fallback: str = "imported") -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug:
        return fallback
    if not slug[0].isalpha():
        slug = f"card_{slug}"
    return slug[:40].rstrip("_")


@lru_cache(maxsize=1)
def _defaults_text() -> str:
    return DEFAULTS_FILE.read_text(encoding="utf-8")


def card_defaults(name: str) -> dict[str, Any]:
    """The generic coaching data, with the character's name filled in."""
    text = _defaults_text().replace("{{char}}", name)
    defaults: dict[str, Any] = yaml.safe_load(text)
    # The reaction kinds follow the schema, which grows; offer only the kinds it knows.
    known = Reactions.model_fields
    defaults["reactions"] = {k: v for k, v in defaults["reactions"].items() if k in known}
    return defaults


# --- export -----------------------------------------------------------------------------------


def describe(fields: dict[str, Any]) -> str:
    """The card description: who the character is, then their background."""
    role = str(fields.get("role", ""))
    article = "an" if role[:1].lower() in "aeiou" else "a"
    who = f"{{{{char}}}} is {article} {role} at {fields.get('company')}."
    return f"{who} {fields.get('background')}"


def persona_to_card(persona: Persona, extras: CardExtras | None = None) -> dict[str, Any]:
    """A valid V2 card; our persona under extensions.rapport, other extensions left as they were."""
    extras = extras or CardExtras()
    # Other tools' extensions sit beside ours in data.extensions, not inside the stored persona:
    # a tool that edits or drops one there must not be overruled by a stale copy on re-import.
    stored = persona.model_dump(mode="json", exclude_none=True, exclude={"extensions"})
    _drop_empty_optional(stored)
    data: dict[str, Any] = {
        "name": persona.name,
        "description": describe(stored),
        "personality": persona.personality,
        "scenario": persona.scenario,
        "first_mes": persona.openings[0],
        "mes_example": _mes_example(persona),
        "creator_notes": f"{persona.summary} A Rapport practice persona: the coaching data "
        "(topics, hidden hooks, reactions, reward, difficulties) is under extensions.rapport.",
        "system_prompt": "",
        "post_history_instructions": "",
        "alternate_greetings": list(persona.openings[1:]),
        "character_book": _lorebook(persona),
        "tags": ["rapport", "networking", persona.reward.kind],
        "creator": "Rapport",
        "character_version": "1",
        "extensions": {},
    }
    data.update({k: v for k, v in extras.fields.items() if k in CARD_ONLY_FIELDS})
    data["extensions"] = {
        **extras.extensions,
        **copy.deepcopy(persona.extensions),
        EXTENSION_KEY: {"version": EXTENSION_VERSION, "persona": stored},
    }
    return {"spec": SPEC_V2, "spec_version": "2.0", "data": data}


def v3_from_v2(card: dict[str, Any], extras: CardExtras | None = None) -> dict[str, Any]:
    """The same card as V3 (for the `ccv3` PNG chunk), with any V3-only fields kept from import."""
    data = copy.deepcopy(card["data"])
    data["group_only_greetings"] = []
    for key in V3_ONLY_FIELDS:
        if extras and key in extras.fields:
            data[key] = extras.fields[key]
    return {"spec": SPEC_V3, "spec_version": "3.0", "data": data}


def _mes_example(persona: Persona) -> str:
    blocks = []
    for fact in persona.facts[:3]:
        blocks.append(
            f"<START>\n{{{{user}}}}: Can I ask about {fact.keywords[0]}?\n"
            f"{{{{char}}}}: {fact.answers[0]}"
        )
    return "\n".join(blocks)


def _lorebook(persona: Persona) -> dict[str, Any]:
    """Public topics as lorebook entries so other tools can use them; hooks stay hidden."""
    entries = [
        {
            "keys": list(fact.keywords),
            "content": " ".join([fact.answers[0], fact.deeper_lines[0]]),
            "extensions": {},
            "enabled": True,
            "insertion_order": i,
            "name": fact.topic,
        }
        for i, fact in enumerate(persona.facts)
    ]
    return {"name": f"{persona.name}: topics", "extensions": {}, "entries": entries}


def card_bytes(persona: Persona, extras: CardExtras | None, fmt: str) -> bytes:
    """The exported card as file content: `json` (V2) or `png` (V2 `chara` and V3 `ccv3`)."""
    card = persona_to_card(persona, extras)
    if fmt == "json":
        return (json.dumps(card, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt != "png":
        raise CardError(f"unknown card format {fmt!r}; use .json or .png")
    image = extras.avatar if extras and extras.avatar else plain_png(persona.id)
    return with_png_text(
        image,
        {"chara": _b64(card), "ccv3": _b64(v3_from_v2(card, extras))},
    )


def _b64(card: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(card, ensure_ascii=False).encode("utf-8")).decode("ascii")


# --- files beside the persona -----------------------------------------------------------------


def sidecar_path(persona_file: Path) -> Path:
    return persona_file.with_name(f"{persona_file.stem}.card.json")


def avatar_path(persona_file: Path) -> Path:
    return persona_file.with_name(f"{persona_file.stem}.card.png")


def save_extras(persona_file: Path, extras: CardExtras) -> list[Path]:
    """Write the sidecar and the avatar when there is anything to keep; the paths written."""
    written = []
    if extras.extensions or extras.fields:
        side = sidecar_path(persona_file)
        body: dict[str, Any] = {"fields": extras.fields}
        if extras.extensions:  # a sidecar that predates Persona.extensions, saved again
            body["extensions"] = extras.extensions
        side.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(side)
    if extras.avatar:
        avatar_path(persona_file).write_bytes(extras.avatar)
        written.append(avatar_path(persona_file))
    return written


def load_extras(persona_file: Path) -> CardExtras:
    side, avatar = sidecar_path(persona_file), avatar_path(persona_file)
    extras = CardExtras()
    if side.is_file():
        try:
            body = json.loads(side.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CardError(f"{side}: not valid JSON: {exc}") from None
        extras.extensions = dict(body.get("extensions") or {})
        extras.fields = dict(body.get("fields") or {})
    if avatar.is_file():
        extras.avatar = avatar.read_bytes()
    return extras


def stored_fields(persona: Persona) -> dict[str, Any]:
    """The persona as JSON data, without empty extensions (a card carries them beside it)."""
    fields = persona.model_dump(mode="json", exclude_none=True, exclude={"extensions"})
    _drop_empty_optional(fields)
    if persona.extensions:
        fields["extensions"] = persona.model_dump(mode="json", include={"extensions"})["extensions"]
    return fields


OPTIONAL_LISTS = ("questions", "variants", "answered", "no_match", "meta", "sarcasm")


def _drop_empty_optional(fields: dict[str, Any]) -> None:
    """Leave out optional lists nobody wrote (authored questions, the newer reactions), so an
    export reads like the file it came from and older readers see the fields they know."""
    for key in OPTIONAL_LISTS:
        if fields.get(key) == []:
            del fields[key]
    for value in fields.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                _drop_empty_optional(item)


def persona_yaml(persona: Persona, header: list[str] | None = None) -> str:
    """The persona as a YAML file in field order; header lines become comments at the top."""
    body = yaml.safe_dump(
        stored_fields(persona),
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    comments = "".join(f"# {line}\n" for line in header or [])
    return comments + body
