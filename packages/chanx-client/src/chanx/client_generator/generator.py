"""``ClientGenerator``: write a Python (and optionally TypeScript) client for a document."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chanx.client_generator import _python_emitter as python_emitter
from chanx.client_generator import _typescript_emitter as typescript_emitter
from chanx.client_generator._loader import load
from chanx.client_generator._spec import Api, read_api

__all__ = [
    "ClientGenerator",
]


class ClientGenerator:
    """Generate a client package from an AsyncAPI 3 document.

    Args:
        schema_path: a JSON/YAML file, an http(s) URL, ``module:app``, or the document itself.
        output_dir: where the package is written.
        generate_readme: write ``README.md``.
        clear_output: delete the whole output folder first (``base/`` included).
        override_base: rewrite ``base/`` even when it exists (it is kept otherwise).
        clear_channels: delete everything but ``base/`` before writing (the default), so
            channels removed from the document disappear.
        language: ``"python"`` (the documented layout) or ``"typescript"``.
        formatter: a command (output folder appended), e.g. ``["ruff", "format"]``; ``None``
            skips formatting.
    """

    def __init__(
        self,
        schema_path: str | Path | Mapping[str, Any],
        output_dir: str | Path,
        generate_readme: bool = True,
        clear_output: bool = False,
        override_base: bool = False,
        clear_channels: bool = True,
        *,
        language: str = "python",
        formatter: Sequence[str] | None = None,
        app_dir: str | None = None,
    ) -> None:
        if language not in ("python", "typescript"):
            raise ValueError(f"language must be 'python' or 'typescript', got {language!r}")
        self.schema_path = schema_path
        self.output_dir = Path(output_dir)
        self.generate_readme = generate_readme
        self.clear_output = clear_output
        self.override_base = override_base
        self.clear_channels = clear_channels
        self.language = language
        self.formatter = list(formatter) if formatter is not None else None
        self.app_dir = app_dir

    def load(self) -> Api:
        """Read the document (raises ``LoadError``/``SchemaError``/``FileNotFoundError``)."""
        source = self.schema_path
        data = dict(source) if isinstance(source, Mapping) else load(str(source), self.app_dir)
        return read_api(data)

    def files(self, api: Api) -> dict[str, str]:
        """Every generated file (relative path -> text), runtime files included."""
        if self.language == "typescript":
            return typescript_emitter.emit(api)
        files = python_emitter.emit(api)
        if self.generate_readme:
            files["README.md"] = python_emitter.readme(api)
        return files

    def generate(self) -> list[Path]:
        """Write the client; returns the written files."""
        api = self.load()
        files = self.files(api)
        out = self.output_dir
        base = "runtime.ts" if self.language == "typescript" else "base"
        if self.clear_output and out.exists():
            shutil.rmtree(out)
        elif self.clear_channels and out.exists():
            for child in out.iterdir():
                if child.name == base:
                    continue
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        written: list[Path] = []
        base_exists = (out / base).exists()
        for rel, text in sorted(files.items()):
            if rel.split("/", 1)[0] == base and base_exists and not self.override_base:
                continue
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        if self.formatter and self.language == "python":
            self._format()
        return written

    def _format(self) -> None:
        assert self.formatter is not None
        command = [*self.formatter, str(self.output_dir)]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            warnings.warn(f"formatter {command[0]!r} failed: {exc}", stacklevel=2)
            return
        if result.returncode != 0:
            warnings.warn(
                f"formatter exited with {result.returncode}: {result.stderr[-500:]}", stacklevel=2
            )
