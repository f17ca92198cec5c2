"""``Backoff``: a policy that could never work is refused when it is made, not at reconnect."""

from __future__ import annotations

from typing import Any

import pytest

from chanx.client import Backoff


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial": -0.1}, "delays must not be negative"),
        ({"max_delay": -1.0}, "delays must not be negative"),
        ({"factor": 0.5}, "factor must be >= 1"),
        ({"jitter": -0.1}, "jitter must be within"),
        ({"jitter": 1.5}, "jitter must be within"),
        ({"max_retries": -1}, "max_retries must be >= 0 or None"),
    ],
)
def test_impossible_policies_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Backoff(**kwargs)


def test_edge_policies_are_allowed() -> None:
    never = Backoff(max_retries=0, initial=0.0, factor=1.0, jitter=0.0)
    assert never.exhausted(1)  # 0 retries: the first reconnect attempt is already past it
    assert never.delay(1) == 0.0
    steady = Backoff(initial=2.0, factor=1.0, jitter=1.0, max_retries=None)
    assert all(0.0 <= steady.delay(n) <= 2.0 for n in range(1, 50))
