"""Load every persona YAML at start-up, refuse the lot if any file is invalid, serve them by id."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.errors import NotFound, PersonaInvalid
from app.personas.schema import DifficultyRules, Persona

# Aliases may stand for at most this many nodes in all: a persona has no need for more, and a
# "billion laughs" file (aliases of aliases) otherwise loads cheaply as shared objects and then
# runs the first export or JSON dump out of memory.
MAX_ALIAS_NODES = 10_000


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses a document whose aliases expand past MAX_ALIAS_NODES nodes."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._alias_nodes = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._alias_nodes += self._size(node)
                if self._alias_nodes > MAX_ALIAS_NODES:
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"aliases expand to more than {MAX_ALIAS_NODES} nodes; refusing the file",
                        event.start_mark,
                    )
        return super().compose_node(parent, index)

    def _size(self, node: yaml.Node) -> int:
        # Memoised by node: shared subtrees are counted once per visit, not walked again.
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._size(k) + self._size(v) for k, v in node.value)
        self._sizes[id(node)] = size
        return size


# libyaml's loader reads a persona file in 1/15 of the time of the pure-Python one (the shipped
# files: 0.1 s against 1.6 s, at every start-up and every `rapport` command that loads them). It
# cannot count alias expansions, so a file with anchors goes through BoundedLoader instead.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


def load_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data of a persona YAML, aliases bounded."""
    kind = BoundedLoader if _FAST_LOADER is None or _has_anchors(text) else _FAST_LOADER
    loader = kind(text)  # both are SafeLoaders
    try:
        # What yaml.load does, keeping the node tree: one parse instead of compose() + load().
        root = loader.get_single_node()
        return root, None if root is None else loader.construct_document(root)
    finally:
        loader.dispose()


def _has_anchors(text: str) -> bool:
    # An alias needs an anchor (an undefined one is an error either way): no anchor, no alias.
    return any(getattr(event, "anchor", None) for event in yaml.parse(text, Loader=_FAST_LOADER))


class PersonaRegistry:
    def __init__(self, personas: Iterable[Persona]) -> None:
        self._by_id: dict[str, Persona] = {}
        for persona in personas:
            if persona.id in self._by_id:
                raise PersonaInvalid(f"two personas share the id {persona.id!r}")
            self._by_id[persona.id] = persona

    def get(self, persona_id: str) -> Persona:
        try:
            return self._by_id[persona_id]
        except KeyError:
            known = ", ".join(sorted(self._by_id)) or "none"
            raise NotFound(f"Unknown persona {persona_id!r}; known personas: {known}.") from None

    def all(self) -> list[Persona]:
        return list(self._by_id.values())

    def difficulty(self, persona: Persona, name: str) -> DifficultyRules:
        return persona.rules(name)

    def __contains__(self, persona_id: object) -> bool:
        return persona_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)


def load_personas(directory: Path) -> PersonaRegistry:
    """Validate every `*.yaml`/`*.yml` file; one PersonaInvalid lists all problems found."""
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise PersonaInvalid(f"{directory}: no persona files (*.yaml) found")
    personas: list[Persona] = []
    problems: list[str] = []
    for path in files:
        try:
            personas.append(load_persona_file(path))
        except PersonaInvalid as exc:
            problems.append(str(exc))
    if problems:
        raise PersonaInvalid("\n".join(problems))
    return PersonaRegistry(personas)


def load_persona_file(path: Path) -> Persona:
    text = path.read_text(encoding="utf-8")
    try:
        root, data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise PersonaInvalid(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PersonaInvalid(f"{path}: expected a mapping of persona fields at the top level")
    try:
        persona = Persona.model_validate(data)
    except ValidationError as exc:
        raise PersonaInvalid(_describe(path, root, exc)) from None
    if persona.id != path.stem:
        raise PersonaInvalid(
            f"{path}: field 'id' is {persona.id!r} but the file is named {path.name!r}; "
            "they must match"
        )
    return persona


def _describe(path: Path, root: yaml.Node | None, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} invalid field(s)"]
    for error in exc.errors():
        loc = tuple(error["loc"])
        field = _dotted(loc) or "(top level)"
        line = _line_of(root, loc)
        where = f" (line {line})" if line else ""
        lines.append(f"  {path.name}: field {field}{where}: {error['msg']}")
    return "\n".join(lines)


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest YAML node on the error's path."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None
