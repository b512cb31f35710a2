"""Fixtures for tests that run real server processes on their own empty database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resilience.servers import fresh_database


@pytest.fixture
def served_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database for server processes: PostgreSQL when the suite runs on it, else SQLite.

    Empty on purpose: the first `rapport serve` migrates it, as in a fresh deployment.
    """
    with fresh_database(os.environ.get("RAPPORT_TEST_DATABASE_URL"), tmp_path) as url:
        yield url
