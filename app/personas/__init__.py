"""Personas: YAML files in personas/ validated into Persona objects and served by a registry."""

from app.personas.registry import PersonaRegistry, load_personas
from app.personas.schema import DEFAULT_DIFFICULTY, DifficultyRules, Persona

__all__ = ["DEFAULT_DIFFICULTY", "DifficultyRules", "Persona", "PersonaRegistry", "load_personas"]
