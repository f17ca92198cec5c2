"""Django set-up for the chanx-django tests: the django_chat example's settings, a test DB.

Set up at import, so test modules may import the example's models and consumers at top level.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
EXAMPLE_DIR = TESTS_DIR.parents[2] / "examples" / "django_chat"
for entry in (TESTS_DIR, EXAMPLE_DIR):  # django_support and the example import by name
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from django_chat import testsetup  # noqa: E402

testsetup.setup()


@pytest.fixture(scope="session", autouse=True)
def django_test_db() -> Iterator[None]:
    """Drop the test database when the session ends."""
    yield
    testsetup.teardown()
