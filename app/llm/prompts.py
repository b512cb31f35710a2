"""Prompt templates kept as Jinja2 files in prompts/, loaded once and rendered per call."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.config import Settings

BLANK_RUNS = re.compile(r"\n{3,}")


class PromptLibrary:
    """Renders `prompts/<name>.j2`; a missing variable is an error, not an empty string."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.env = Environment(
            loader=FileSystemLoader(self.directory),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text prompts for a model, never HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # no stat() per render on the request path
        )
        # Fail at start-up, not on the first turn, when a template is missing or broken.
        for path in sorted(self.directory.glob("*.j2")):
            self.env.get_template(path.name)

    @classmethod
    def from_settings(cls, settings: Settings) -> PromptLibrary:
        return cls(settings.prompts_dir)

    def render(self, template: str, /, **variables: Any) -> str:
        text = self.env.get_template(f"{template}.j2").render(**variables)
        return BLANK_RUNS.sub("\n\n", text).strip()
