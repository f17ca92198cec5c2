"""Configure Django with this example's settings and a fresh test database (for test suites).

Test suites call :func:`setup` once per process; it is idempotent. The test database is
SQLite in memory (shared between threads), created by Django's own test utilities.
"""

from __future__ import annotations

import os
from typing import Any

_state: dict[str, Any] = {}


def setup() -> None:
    """Point ``DJANGO_SETTINGS_MODULE`` here, set Django up and create the test database."""
    if _state:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_chat.settings")
    import django
    from django.test.utils import setup_databases, setup_test_environment

    django.setup()
    setup_test_environment()
    _state["databases"] = setup_databases(verbosity=0, interactive=False)


def teardown() -> None:
    """Drop the test database and undo the test environment."""
    if not _state:
        return
    from django.test.utils import teardown_databases, teardown_test_environment

    teardown_databases(_state.pop("databases"), verbosity=0)
    teardown_test_environment()
