"""Checks of the mixins' class attributes, run when a consumer class using them is created.

A wrongly typed setting (``rate_limit = 5``, ``mixin_store = "redis"``) would otherwise fail
at the first frame or event of every connection; refusing the class names the fix at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["check_settings", "non_negative", "optional_positive", "positive"]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def positive(value: Any) -> bool:
    """A number above zero."""
    return _number(value) and value > 0


def non_negative(value: Any) -> bool:
    """A number of zero or more."""
    return _number(value) and value >= 0


def optional_positive(value: Any) -> bool:
    """None or a number above zero."""
    return value is None or positive(value)


def check_settings(cls: type, rules: Mapping[str, tuple[Callable[[Any], bool], str]]) -> None:
    """Raise ``TypeError`` naming the first attribute of ``cls`` that breaks its rule."""
    for name, (valid, expected) in rules.items():
        value = getattr(cls, name)
        if not valid(value):
            raise TypeError(f"{cls.__qualname__}.{name} must be {expected}, got {value!r}")
