"""Import the ``MODULE:ATTR`` an application lives at, with errors a user can act on."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

__all__ = ["LoadError", "load_target"]

_DEFAULT_ATTRS = ("app", "application")


class LoadError(ValueError):
    """The import path is malformed, the module cannot be imported or lacks the attribute."""


def load_target(target: str, app_dir: str | Path | None = None) -> Any:
    """The object at ``package.module:attr`` (``attr`` may be dotted).

    Without ``:attr`` the module's ``app`` or ``application`` is used. The current directory
    (or ``app_dir``) is put first on ``sys.path``, as ASGI servers do.
    """
    module_name, _, attr = target.partition(":")
    if not module_name or target.count(":") > 1 or (":" in target and not attr):
        raise LoadError(f"expected MODULE:APP such as 'myproject.asgi:application', got {target!r}")
    directory = str(Path(app_dir).resolve()) if app_dir else str(Path.cwd())
    if directory not in sys.path:
        sys.path.insert(0, directory)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise LoadError(
                f"cannot import module {module_name!r}: no module named {exc.name!r}"
            ) from exc
        raise LoadError(f"importing {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # the user's module raised while importing
        raise LoadError(f"importing {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    names = [attr] if attr else [a for a in _DEFAULT_ATTRS if hasattr(module, a)][:1]
    if not names:
        raise LoadError(
            f"module {module_name!r} has no 'app' or 'application'; use {module_name}:NAME"
        )
    obj: Any = module
    for part in names[0].split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise LoadError(f"module {module_name!r} has no attribute {names[0]!r}") from None
    return obj
