"""Django set-up for the chanx-django tests: the django_chat example's settings, a test DB.

Set up at import, so test modules may import the example's models and consumers at top level.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLE_DIR = Path(__file__).resolve().parents[3] / "examples" / "django_chat"
if str(EXAMPLE_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLE_DIR))

from django_chat import testsetup  # noqa: E402

testsetup.setup()


@pytest.fixture(scope="session", autouse=True)
def django_test_db() -> Iterator[None]:
    """Drop the test database when the session ends."""
    yield
    testsetup.teardown()
