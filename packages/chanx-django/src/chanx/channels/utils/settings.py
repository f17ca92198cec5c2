"""Change some ``CHANX`` keys for a test and keep the others: a decorator and a context manager.

Both go through Django's ``override_settings``, so everything that depends on ``CHANX`` (the
consumer defaults, compiled routing tables, :data:`~chanx.channels.settings.chanx_settings`)
follows the change and is restored afterwards.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from chanx.channels.settings import merge_setting

__all__ = ["override_chanx_settings", "settings_context"]

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def settings_context(**changes: Any) -> Iterator[None]:
    """Inside the block, ``CHANX`` is the current setting with ``changes`` applied.

    Keys as in ``CHANX`` (``SEND_COMPLETION=True``; lower-case accepted). The merged setting
    is validated on first use, like ``CHANX`` itself.
    """
    from django.conf import settings
    from django.test import override_settings

    current = getattr(settings, "CHANX", None) or {}
    with override_settings(CHANX=merge_setting(current, changes)):
        yield


def override_chanx_settings(**changes: Any) -> Callable[[F], F]:
    """Decorate a test function (sync or ``async``) to run with some ``CHANX`` keys changed.

    .. code-block:: python

        @override_chanx_settings(SEND_COMPLETION=True)
        async def test_replies_complete() -> None: ...
    """

    def decorate(func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with settings_context(**changes):
                    return await func(*args, **kwargs)

            return cast("F", run_async)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with settings_context(**changes):
                return func(*args, **kwargs)

        return cast("F", run)

    return decorate
