"""The CLI fixtures (a fresh database, the command run in process) for the CLI tests here."""

from tests.test_cli import db, in_process  # noqa: F401
